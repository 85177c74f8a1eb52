import TCPLabPacket

/// The kernel's reasons in plain words: one table for resets (`enum sk_rst_reason`,
/// include/net/rstreason.h) and one for drops (`enum skb_drop_reason`,
/// include/net/dropreason-core.h), keyed by the enumerator's name without its prefix.
///
/// The names, not the numbers, are the key: the numbers change between kernel versions,
/// so the log reads each number's name from the running kernel's BTF (``KernelEnumNames``).
/// A reason missing here is shown by its kernel name.
enum KernelReasons {
    /// sk_rst_reason: why the kernel sent RST (SK_RST_REASON_ prefix removed).
    static let reset: [String: String] = [
        "NOT_SPECIFIED": "no reason given by the kernel",
        "NO_SOCKET": "no socket for this segment (nothing listens on the port)",
        "TCP_INVALID_ACK_SEQUENCE": "the ACK acknowledges data never sent",
        "TCP_RFC7323_PAWS": "the timestamp is older than the last one seen (PAWS)",
        "TCP_TOO_OLD_ACK": "the ACK is older than anything outstanding",
        "TCP_ACK_UNSENT_DATA": "the ACK acknowledges data not yet sent",
        "TCP_FLAGS": "unexpected flags for the socket's state",
        "TCP_OLD_ACK": "the ACK was already acknowledged",
        "TCP_ABORT_ON_DATA": "data arrived for a socket the application closed",
        "TCP_TIMEWAIT_SOCKET": "the segment reached a closed connection's timewait socket (TIME-WAIT, or FIN-WAIT-2 after close())",
        "INVALID_SYN": "a segment the handshake does not accept (the kernel's INVALID_SYN)",
        "TCP_ABORT_ON_CLOSE": "close() with unread data",
        "TCP_ABORT_ON_LINGER": "close() in FIN-WAIT-2 with tcp_linger2 below 0",
        "TCP_ABORT_ON_MEMORY": "too many orphaned sockets or out of memory",
        "TCP_STATE": "the connection was aborted (tcp_disconnect: close() with SO_LINGER 0, a listener closed with the connection in its queue, or connect(AF_UNSPEC))",
        "TCP_KEEPALIVE_TIMEOUT": "the keepalive probes went unanswered",
        "TCP_DISCONNECT_WITH_DATA": "aborted in CLOSING or LAST-ACK with data unsent",
        "ERROR": "an error on the socket",
    ]

    /// skb_drop_reason: why the kernel dropped a packet (SKB_DROP_REASON_ prefix removed).
    static let drop: [String: String] = [
        "NOT_SPECIFIED": "no reason given by the kernel",
        "NO_SOCKET": "no socket for it",
        "SOCKET_FILTER": "a socket filter refused it",
        "SOCKET_RCVBUFF": "the receive buffer is full",
        "PROTO_MEM": "TCP's memory limit is reached",
        "NETFILTER_DROP": "the firewall (netfilter) dropped it",
        "QDISC_DROP": "the queueing discipline dropped it",
        "TCP_CSUM": "its checksum is wrong",
        "TCP_FLAGS": "unexpected flags for the socket's state",
        "TCP_ABORT_ON_DATA": "data for a socket the application closed",
        "TCP_ZEROWINDOW": "the receive window is zero",
        "TCP_OLD_DATA": "its data was received already",
        "TCP_OVERWINDOW": "its data lies beyond the receive window",
        "TCP_OFOMERGE": "its data is already in the out-of-order queue",
        "TCP_RFC7323_PAWS": "its timestamp is older than the last one seen (PAWS)",
        "TCP_RFC7323_PAWS_ACK": "its timestamp is older than the last one seen (PAWS, pure ACK)",
        "TCP_RFC7323_TW_PAWS": "its timestamp is older than the TIME-WAIT socket's (PAWS)",
        "TCP_LISTEN_OVERFLOW": "accept queue full",
        "TCP_OLD_SEQUENCE": "its sequence number lies before the window",
        "TCP_INVALID_SEQUENCE": "its sequence number lies outside the window",
        "TCP_INVALID_END_SEQUENCE": "its end lies outside the window",
        "TCP_INVALID_ACK_SEQUENCE": "it acknowledges data never sent",
        // The kernel frees every RST it processes with this reason, whether the RST ended
        // the connection or only drew a challenge ACK (tcp_validate_incoming, RFC 5961).
        "TCP_RESET": "an RST, freed once processed (it ended the connection or drew a challenge ACK)",
        "TCP_INVALID_SYN": "an unexpected SYN",
        "TCP_CLOSE": "the socket is closed",
        "TCP_FASTOPEN": "TCP Fast Open refused it",
        "TCP_OLD_ACK": "its ACK was already acknowledged",
        "TCP_TOO_OLD_ACK": "its ACK is older than anything outstanding",
        "TCP_ACK_UNSENT_DATA": "it acknowledges data not yet sent",
        "TCP_OFO_QUEUE_PRUNE": "the out-of-order queue was pruned",
        "TCP_OFO_DROP": "an out-of-order segment with no room",
    ]
}

extension KernelEvent {
    /// The reason in plain words ("close() with unread data", "accept queue full").
    public var reasonText: String? {
        guard let reason else { return nil }
        if kind == .synOverflow { return reason }
        let table = kind == .drop ? KernelReasons.drop : KernelReasons.reset
        return table[reason] ?? reason
    }

    /// The event in one line: "RST: close() with unread data", "SYN dropped: accept queue
    /// full", "CLOSE-WAIT → LAST-ACK".
    public var explanation: String? {
        switch kind {
        case .resetSent: return "RST: " + (reasonText ?? "")
        case .synOverflow: return "SYN dropped: " + (reasonText ?? "accept queue full")
        case .drop:
            let segment = flags.map(Self.segmentName) ?? "packet"
            if oldState?.state == .timeWait {
                // Every packet a timewait socket takes is freed through kfree_skb.
                return "\(segment) taken by the timewait socket (now \(newState?.description ?? "TIME-WAIT")) and freed: " + (reasonText ?? "")
            }
            if reason == "NOT_SPECIFIED" { return "\(segment) freed by the kernel, no reason given (kfree_skb)" }
            return "\(segment) dropped: " + (reasonText ?? "")
        default: return nil
        }
    }

    /// What kind of segment `flags` make, for a sentence: "SYN", "SYN-ACK", "RST", "FIN", "segment".
    static func segmentName(_ flags: TCPFlags) -> String {
        if flags.contains(.rst) { return "RST" }
        if flags.contains(.syn) { return flags.contains(.ack) ? "SYN-ACK" : "SYN" }
        if flags.contains(.fin) { return "FIN" }
        return flags == .ack ? "ACK" : "\(flags.letters) segment"
    }

    /// The event in a timeline: "CLOSE-WAIT → LAST-ACK", "RST sent: close() with unread data".
    public var summary: String {
        let states = "\(oldState?.description ?? "?") → \(newState?.description ?? "?")"
        switch kind {
        case .state: return states
        case .timewait: return states + " (timewait socket)"
        case .timewaitChange: return states + " (timewait socket got FIN)"
        case .timewaitEnd: return "\(oldState?.description ?? "TIME-WAIT") → CLOSED (timewait socket ends)"
        case .request: return "SYN-RECEIVED (request socket made)"
        case .requestEnd: return "request socket leaves the queue"
        case .resetSent: return explanation ?? "RST sent"
        case .resetReceived: return "RST received in \(oldState?.description ?? "?")"
        case .retransmission: return "retransmission in \(oldState?.description ?? "?")"
        case .synAckRetransmission: return "SYN-ACK retransmission"
        case .drop, .synOverflow: return explanation ?? "dropped"
        }
    }
}
