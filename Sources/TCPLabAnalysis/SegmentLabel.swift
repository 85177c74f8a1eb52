/// What a segment does in the connection's life, in the words a networking course uses.
public enum SegmentLabel: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The client's SYN (RFC 9293 section 3.5).
    case handshakeSYN
    /// The server's SYN-ACK.
    case handshakeSYNACK
    /// The client's ACK of the SYN-ACK, which completes the handshake.
    case handshakeACK
    /// A SYN sent again because no SYN-ACK came (the listener dropped it, or it was lost).
    case synRetransmission
    /// A SYN-ACK sent again because the final ACK did not come.
    case synACKRetransmission
    /// A SYN from the side that received a SYN, crossing it (RFC 9293 figure 7).
    case simultaneousOpen
    /// A bare SYN on a connection the receiver holds open (synchronized, not TIME-WAIT):
    /// Linux answers it with a challenge ACK and keeps the connection (RFC 5961 section 4).
    case synOnOpenConnection
    /// The ACK that answers an unacceptable SYN or RST with the receiver's own numbers
    /// (RFC 5961 sections 3.2 and 4).
    case challengeACK
    /// New payload bytes.
    case data
    /// Bytes sent again.
    case retransmission
    /// Bytes below the highest sent so far, arriving soon after: reordered, not resent.
    case outOfOrder
    /// The first FIN of a connection whose peer then closes too without sending more.
    case finActiveClose
    /// A FIN sent after the peer's FIN arrived.
    case finPassiveClose
    /// A first FIN after which the peer keeps sending: a half-close (shutdown(SHUT_WR)).
    case finHalfClose
    /// The first segment that acknowledges the peer's FIN.
    case ackOfFIN
    /// An RST that answers a SYN: no listener, connection refused.
    case rstRefused
    /// An RST that aborts a connection.
    case rstAbort
    /// An RST inside the receiver's window but not at RCV.NXT: the receiver keeps the
    /// connection and answers with a challenge ACK (RFC 5961 section 3.2).
    case rstInWindow
    /// An RST outside the receiver's window: dropped, nothing changes (RFC 5961 section 3.2).
    case rstOutsideWindow
    /// An ACK repeating the previous one, with no data and the same window.
    case duplicateACK
    /// The sender's receive window is full: it advertises 0.
    case zeroWindow
    /// A probe sent into a zero window to learn when it opens (RFC 9293 section 3.8.6.1).
    case zeroWindowProbe
    /// The answer to a zero-window probe.
    case zeroWindowProbeACK
    /// An ACK that only changes the advertised window.
    case windowUpdate
    /// A keep-alive probe: one byte below the next sequence number (RFC 9293 section 3.8.4).
    case keepAlive
    /// The answer to a keep-alive probe.
    case keepAliveACK
    /// The sequence number jumps ahead: the capture missed a segment.
    case previousSegmentNotCaptured
    /// The segment acknowledges bytes the capture never saw.
    case ackedUnseenSegment
    /// An acknowledgment with no data and nothing else to say.
    case pureACK
    /// No control bit at all (not even ACK): a probe, as scanners send ("null scan").
    case noFlags
    /// SYN together with FIN or RST, which no endpoint following RFC 9293 sends.
    case contradictoryFlags
    /// The capture's snap length cut the TCP header: ports, numbers and flags are shown,
    /// options (and perhaps the window) are partly missing.
    case headerCut

    /// The label's text, as printed.
    public var description: String {
        switch self {
        case .handshakeSYN: return "handshake 1/3"
        case .handshakeSYNACK: return "handshake 2/3"
        case .handshakeACK: return "handshake 3/3"
        case .synRetransmission: return "SYN retransmission"
        case .synACKRetransmission: return "SYN-ACK retransmission"
        case .simultaneousOpen: return "simultaneous open"
        case .synOnOpenConnection: return "SYN on an open connection"
        case .challengeACK: return "challenge ACK"
        case .data: return "data"
        case .retransmission: return "retransmission"
        case .outOfOrder: return "out-of-order"
        case .finActiveClose: return "FIN (active close)"
        case .finPassiveClose: return "FIN (passive close)"
        case .finHalfClose: return "FIN (half-close)"
        case .ackOfFIN: return "ACK of FIN"
        case .rstRefused: return "RST (connection refused)"
        case .rstAbort: return "RST (abort)"
        case .rstInWindow: return "RST in the window (challenge ACK)"
        case .rstOutsideWindow: return "RST outside the window (ignored)"
        case .duplicateACK: return "duplicate ACK"
        case .zeroWindow: return "zero window"
        case .zeroWindowProbe: return "zero-window probe"
        case .zeroWindowProbeACK: return "zero-window probe ACK"
        case .windowUpdate: return "window update"
        case .keepAlive: return "keep-alive"
        case .keepAliveACK: return "keep-alive ACK"
        case .previousSegmentNotCaptured: return "previous segment not captured"
        case .ackedUnseenSegment: return "ACKed unseen segment"
        case .pureACK: return "pure ACK"
        case .noFlags: return "no flags"
        case .contradictoryFlags: return "SYN with FIN or RST"
        case .headerCut: return "header cut by the snap length"
        }
    }
}

/// The set of labels on one segment, kept as bits so that annotating costs no allocation.
public struct SegmentLabels: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral {
    /// One bit per ``SegmentLabel``, in declaration order.
    public var rawValue: UInt32 { bits }
    /// The bits, settable by the set's inlinable operations.
    @usableFromInline var bits: UInt32

    /// The empty set.
    @inlinable public init() { bits = 0 }

    /// The set of `labels`. Inlinable, like the set's other operations, so that a literal
    /// set folds to its bits instead of building an array each time it is met.
    @inlinable public init(arrayLiteral labels: SegmentLabel...) {
        bits = 0
        for label in labels { insert(label) }
    }

    /// Adds `label`.
    @inlinable @inline(__always) public mutating func insert(_ label: SegmentLabel) { bits |= SegmentLabels.bit(label) }

    /// Removes `label`.
    @inlinable public mutating func remove(_ label: SegmentLabel) { bits &= ~SegmentLabels.bit(label) }

    /// Whether `label` is in the set.
    @inlinable @inline(__always) public func contains(_ label: SegmentLabel) -> Bool { bits & SegmentLabels.bit(label) != 0 }

    /// Whether the two sets have no label in common.
    @inlinable public func isDisjoint(with other: SegmentLabels) -> Bool { bits & other.bits == 0 }

    /// Whether the set is empty.
    public var isEmpty: Bool { bits == 0 }

    /// `set` with `other` added. A set spelled `.a | .b` is a constant wherever it is used,
    /// with no array to fold (and no lazy initialization to check at each use, as a
    /// `static let` of an array literal has).
    @inlinable public static func | (set: SegmentLabels, other: SegmentLabel) -> SegmentLabels {
        var union = set
        union.insert(other)
        return union
    }

    /// The labels, in declaration order.
    public func makeIterator() -> Iterator { Iterator(bits: rawValue) }

    /// Walks the set bits, lowest first.
    public struct Iterator: IteratorProtocol {
        var bits: UInt32

        /// The next label, or nil.
        public mutating func next() -> SegmentLabel? {
            guard bits != 0 else { return nil }
            let index = bits.trailingZeroBitCount
            bits &= bits - 1
            return SegmentLabel(rawValue: UInt8(index))
        }
    }

    @inlinable @inline(__always)
    static func bit(_ label: SegmentLabel) -> UInt32 { 1 << UInt32(label.rawValue) }
}

extension SegmentLabel {
    /// The set of the two labels (see ``SegmentLabels/|(_:_:)``).
    @inlinable public static func | (label: SegmentLabel, other: SegmentLabel) -> SegmentLabels {
        var set = SegmentLabels()
        set.insert(label)
        set.insert(other)
        return set
    }
}
