/// A moment in a connection's life worth a line in `tcplab watch`: taken from the annotated
/// segments as they come, with nothing held back.
public struct LifecycleEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// The final ACK of the three-way handshake; the round trip runs from the client's
        /// (last) SYN to it, in nanoseconds.
        case handshakeCompleted(roundTrip: Int64?)
        /// An RST answered the SYN: nothing listened on the port.
        case refused
        /// A SYN sent again (the first got no answer: lost, or dropped by a full backlog).
        case synResent
        /// A SYN-ACK sent again (the final ACK did not come).
        case synACKResent
        /// An RST that aborts the connection, from `by`.
        case reset(by: Side)
        /// The first FIN of the connection, from `by`: an active close as far as anyone
        /// can tell yet (a half-close shows only when the peer sends more).
        case activeClose(by: Side)
        /// A FIN sent after the peer's FIN arrived.
        case passiveClose(by: Side)
        /// The peer of the side that sent the first FIN still sends data: that FIN was a
        /// half-close (shutdown(SHUT_WR)).
        case halfClose(by: Side)
        /// The FINs crossed: both sides closed at once (RFC 9293 figure 13).
        case simultaneousClose
        /// `by` advertised a zero window: its receive buffer is full.
        case zeroWindow(by: Side)
        /// `side` entered TIME-WAIT (it closed first, and its FIN and the peer's are done).
        case timeWait(side: Side)

        /// The event in words.
        public var description: String {
            switch self {
            case .handshakeCompleted(let rtt?):
                var text = "handshake completed, round trip "
                let microseconds = rtt / 1000
                text += "\(microseconds / 1000).\(String(microseconds % 1000 + 1000).dropFirst()) ms"
                return text
            case .handshakeCompleted(nil): return "handshake completed"
            case .refused: return "connection refused (RST answered the SYN)"
            case .synResent: return "SYN sent again"
            case .synACKResent: return "SYN-ACK sent again"
            case .reset(let side): return "reset by the \(side)"
            case .activeClose(let side): return "FIN from the \(side) (active close)"
            case .passiveClose(let side): return "FIN from the \(side) (passive close)"
            case .halfClose(let side): return "half-close: the \(side.peer) still sends after the \(side)'s FIN"
            case .simultaneousClose: return "FINs crossed (simultaneous close)"
            case .zeroWindow(let side): return "zero window from the \(side)"
            case .timeWait(let side): return "the \(side) entered TIME-WAIT"
            }
        }
    }

    /// What happened.
    public var kind: Kind
    /// The segment that showed it.
    public var segment: AnnotatedSegment
}

/// Turns annotated segments into ``LifecycleEvent``s, keeping a little per connection (the
/// SYN's time, who sent the first FIN, the states before) until its summary arrives.
///
/// Feed it from a ``TCPAnalyzer`` whose `holdBackLimit` is 0, so each segment's annotation is
/// what was known when it arrived: a live watch cannot wait for the peer's next move.
public struct LifecycleEventDetector {
    private struct Memory {
        var synTime: Int64 = 0
        var firstFIN: Side?
        var halfCloseReported = false
        var clientState: TCPState = .closed
        var serverState: TCPState = .closed
    }

    private var memory: [Int: Memory] = [:]

    /// A detector with nothing remembered.
    public init() {}

    /// Connections currently remembered.
    public var rememberedConnections: Int { memory.count }

    /// The events `event` shows, in order (usually none or one).
    public mutating func events(in event: AnalysisEvent) -> [LifecycleEvent] {
        switch event {
        case .segment(let segment, _):
            return events(in: segment)
        case .connection(let summary):
            memory[summary.stream] = nil  // The analyzer forgot it; so do we.
            return []
        case .skipped:
            return []
        }
    }

    /// The events one annotated segment shows.
    public mutating func events(in s: AnnotatedSegment) -> [LifecycleEvent] {
        var remembered = memory[s.stream] ?? Memory()
        var kinds: [LifecycleEvent.Kind] = []
        let labels = s.labels
        if labels.contains(.handshakeSYN) || labels.contains(.synRetransmission) { remembered.synTime = s.timestamp }
        if labels.contains(.synRetransmission) { kinds.append(.synResent) }
        if labels.contains(.synACKRetransmission) { kinds.append(.synACKResent) }
        if labels.contains(.handshakeACK) {
            let roundTrip = s.timestamp &- remembered.synTime
            kinds.append(.handshakeCompleted(roundTrip: remembered.synTime == 0 || roundTrip < 0 ? nil : roundTrip))
        }
        if labels.contains(.rstRefused) { kinds.append(.refused) }
        if labels.contains(.rstAbort) { kinds.append(.reset(by: s.sender)) }
        if labels.contains(.finActiveClose) || labels.contains(.finHalfClose) {
            if let first = remembered.firstFIN, first != s.sender {
                kinds.append(.simultaneousClose)
            } else if remembered.firstFIN == nil {
                remembered.firstFIN = s.sender
                kinds.append(.activeClose(by: s.sender))
            }
        }
        if labels.contains(.finPassiveClose) { kinds.append(.passiveClose(by: s.sender)) }
        if let closer = remembered.firstFIN, closer != s.sender, labels.contains(.data), !remembered.halfCloseReported,
           s.senderState == .closeWait {
            remembered.halfCloseReported = true
            kinds.append(.halfClose(by: closer))
        }
        if labels.contains(.zeroWindow) { kinds.append(.zeroWindow(by: s.sender)) }
        if s.clientState == .timeWait && remembered.clientState != .timeWait { kinds.append(.timeWait(side: .client)) }
        if s.serverState == .timeWait && remembered.serverState != .timeWait { kinds.append(.timeWait(side: .server)) }
        remembered.clientState = s.clientState
        remembered.serverState = s.serverState
        memory[s.stream] = remembered
        return kinds.map { LifecycleEvent(kind: $0, segment: s) }
    }
}
