import TCPLabAnalysis
import TCPLabPacket

/// One thing the kernel did to a TCP socket or packet of the lab, as the BPF program saw it.
///
/// Stands for one record of the kernel log: a tracepoint (`sock:inet_sock_set_state`,
/// `tcp:tcp_send_reset`, `tcp:tcp_receive_reset`, `tcp:tcp_retransmit_skb`,
/// `tcp:tcp_retransmit_synack`, `skb:kfree_skb`) or a probe on the functions that make and
/// end timewait and request sockets, which no tracepoint reports.
public struct KernelEvent: Sendable, Encodable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Encodable {
        /// A full socket changed state (sock:inet_sock_set_state).
        case state
        /// A closing connection was handed to a timewait mini-socket (inet_twsk_hashdance_schedule).
        case timewait
        /// A FIN-WAIT-2 mini-socket became TIME-WAIT (tcp_timewait_state_process).
        case timewaitChange = "timewait-change"
        /// A timewait mini-socket ended (inet_twsk_kill).
        case timewaitEnd = "timewait-end"
        /// A listener made a request socket for a SYN (inet_csk_reqsk_queue_hash_add).
        case request
        /// A request socket left the listener's queue (inet_csk_reqsk_queue_drop).
        case requestEnd = "request-end"
        /// The kernel sent RST (tcp:tcp_send_reset).
        case resetSent = "rst-sent"
        /// A socket accepted an RST (tcp:tcp_receive_reset).
        case resetReceived = "rst-received"
        /// A segment was sent again (tcp:tcp_retransmit_skb).
        case retransmission
        /// A request socket sent its SYN-ACK again (tcp:tcp_retransmit_synack).
        case synAckRetransmission = "synack-retransmission"
        /// A TCP packet was dropped (skb:kfree_skb).
        case drop
        /// A SYN was refused because its listener's accept queue was full, and consumed
        /// (skb:consume_skb, with the listener's queue read at that moment).
        case synOverflow = "syn-overflow"
    }

    /// Whether the event is about a packet (its source is the sender) rather than a socket.
    public var isPacket: Bool { kind == .drop || kind == .synOverflow }

    /// What happened.
    public var kind: Kind
    /// When, in nanoseconds since the epoch on the capture's clock (CLOCK_REALTIME; see
    /// ``KernelClock``).
    public var time: Int64
    /// The socket's local end, or the packet's sender.
    public var source: Endpoint
    /// The socket's remote end, or the packet's receiver.
    public var destination: Endpoint
    /// The state before (for state changes), or the socket's state when it happened.
    public var oldState: KernelState?
    /// The state after, for state changes.
    public var newState: KernelState?
    /// The kernel's name of its reason: an `sk_rst_reason` for a reset sent
    /// ("TCP_ABORT_ON_CLOSE"), an `skb_drop_reason` for a drop ("TCP_LISTEN_OVERFLOW").
    public var reason: String?
    /// The packet's flags, for a reset answered to a packet and for a drop.
    public var flags: TCPFlags?
    /// The kernel's address of the socket, only to tell sockets apart; 0 without one.
    public var socket: UInt64

    /// An event with every field given.
    public init(
        kind: Kind, time: Int64, source: Endpoint, destination: Endpoint, oldState: KernelState?, newState: KernelState?,
        reason: String?, flags: TCPFlags?, socket: UInt64
    ) {
        self.kind = kind
        self.time = time
        self.source = source
        self.destination = destination
        self.oldState = oldState
        self.newState = newState
        self.reason = reason
        self.flags = flags
        self.socket = socket
    }

    enum CodingKeys: String, CodingKey {
        case kind, time, source, destination, oldState = "old_state", newState = "new_state", reason, explanation, flags
    }

    /// Encodes the event for `--format json`, with endpoints and flags as text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(time, forKey: .time)
        try container.encode(source.description, forKey: .source)
        try container.encode(destination.description, forKey: .destination)
        try container.encodeIfPresent(oldState?.description, forKey: .oldState)
        try container.encodeIfPresent(newState?.description, forKey: .newState)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(explanation, forKey: .explanation)
        try container.encodeIfPresent(flags?.letters, forKey: .flags)
    }
}

/// A Linux TCP state number (include/net/tcp_states.h), including the two Linux keeps
/// outside RFC 9293's diagram: TCP_NEW_SYN_RECV for request sockets and TCP_CLOSE for
/// both CLOSED and a socket that was never connected.
public struct KernelState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The kernel's number.
    public var rawValue: UInt8

    /// The state numbered `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// TCP_NEW_SYN_RECV: a request socket in a listener's queue.
    public static let newSynReceived = KernelState(rawValue: 12)
    /// TCP_CLOSE.
    public static let close = KernelState(rawValue: 7)

    /// The RFC 9293 state it stands for (TCP_NEW_SYN_RECV is SYN-RECEIVED).
    public var state: TCPState? { TCPState(kernelState: rawValue) }

    /// The RFC name ("CLOSE-WAIT"); a request socket is "SYN-RECEIVED (request socket)".
    public var description: String {
        if self == .newSynReceived { return "SYN-RECEIVED (request socket)" }
        return state?.description ?? "state \(rawValue)"
    }
}
