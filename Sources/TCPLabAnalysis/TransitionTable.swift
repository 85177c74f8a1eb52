/// RFC 9293's connection state machine as data: every row a state, an event, the next
/// state, what is sent, the section that says so, and where Linux departs.
///
/// This is the only copy of the transitions: the analyzer moves each endpoint by looking
/// its state and the segment's event up here (``row(from:event:opening:)``), `tcplab
/// coverage` lists the rows, and lab files name them (`reaches:`). Rows where the RFC
/// only answers (an RST to a closed port, a challenge ACK) keep the state; they are here
/// because a capture shows them.
///
/// RFC 5961's checks (an RST or SYN in the window answered by a challenge ACK) apply to
/// every synchronized state; the ESTABLISHED rows stand for them all.
public enum TransitionTable {
    /// The rows, state by state in the order of RFC 9293's diagram (section 3.3.2).
    public static let rows: [StateTransition] = [
        // CLOSED
        StateTransition("closed/passive-open", .closed, .passiveOpen, .listen, send: .nothing, .openCall, seen: .none),
        StateTransition("closed/active-open", .closed, .activeOpen, .synSent, send: .syn, .openCall, seen: .sending),
        StateTransition(
            "closed/segment", .closed, .segment, .closed, send: .rst, .arrivesClosed, seen: .sending,
            linux: "the RST carries ACK and window 0 (reset reason NO_SOCKET); the connect() it answers fails with ECONNREFUSED"),
        StateTransition(
            "closed/rst", .closed, .rst, .closed, send: .nothing, .arrivesClosed, seen: .arrival,
            linux: "not answered: with no socket for the ports the kernel answers every segment with RST except an RST"),

        // LISTEN
        StateTransition(
            "listen/syn", .listen, .syn, .synReceived, send: .synACK, .arrivesListen, seen: .sending,
            linux: "the listener stays in LISTEN and the connection is a request socket (TCP_NEW_SYN_RECV) that changes no socket's state: the kernel's own log sees SYN-RECEIVED only by probing the request socket's creation; with the accept queue full the SYN is dropped unanswered (drop reason TCP_LISTEN_OVERFLOW)"),
        StateTransition(
            "listen/ack", .listen, .ack, .listen, send: .rst, .arrivesListen, seen: .sending,
            linux: "the RST has no ACK bit and the ACK's acknowledgment number as its sequence number; on the wire it looks like a closed port's, so the analysis tells it apart only where the capture saw the listener answer on those ports before"),
        StateTransition(
            "listen/rst", .listen, .rst, .listen, send: .nothing, .arrivesListen, seen: .arrival,
            linux: "ignored: the listener stays in LISTEN"),
        StateTransition(
            "listen/send", .listen, .send, .synSent, send: .syn, .sendCall, seen: .sending,
            linux: "not possible: connect() on a listening socket fails with EISCONN", onLinux: false),
        StateTransition(
            "listen/close", .listen, .close, .closed, send: .nothing, .closeCall, seen: .none,
            linux: "connections still in the accept queue are reset (RST) and request sockets dropped"),

        // SYN-SENT
        StateTransition("syn-sent/syn-ack", .synSent, .synACK, .established, send: .ack, .arrivesSynSent, seen: .arrival),
        StateTransition("syn-sent/syn", .synSent, .syn, .synReceived, send: .synACK, .arrivesSynSent, seen: .arrival),
        StateTransition(
            "syn-sent/rst", .synSent, .rst, .closed, send: .nothing, .arrivesSynSent, seen: .arrival,
            linux: "connect() fails with ECONNREFUSED; an RST without an acceptable ACK is dropped"),
        StateTransition("syn-sent/unacceptable-ack", .synSent, .unacceptableACK, .synSent, send: .rst, .arrivesSynSent, seen: .sending),
        StateTransition(
            "syn-sent/close", .synSent, .close, .closed, send: .nothing, .closeCall, seen: .none,
            linux: "close() during connect() sends nothing"),
        StateTransition(
            "syn-sent/user-timeout", .synSent, .userTimeout, .closed, send: .nothing, .timeouts, seen: .none,
            linux: "after tcp_syn_retries SYNs (about 131 s with the defaults) or TCP_USER_TIMEOUT, connect() fails with ETIMEDOUT"),

        // SYN-RECEIVED
        StateTransition(
            "syn-received/ack-of-syn", .synReceived, .ackOfSYN, .established, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "a listener's connection becomes a full socket only now, straight into ESTABLISHED, and waits for accept(); with the accept queue full the ACK is ignored and the SYN-ACK sent again (tcp_abort_on_overflow=0)"),
        StateTransition(
            "syn-received/rst-passive", .synReceived, .rst, opening: .passive, .listen, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "the request socket is dropped; the listener never left LISTEN"),
        StateTransition(
            "syn-received/rst-active", .synReceived, .rst, opening: .active, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "the pending connect() fails with ECONNRESET, not the ECONNREFUSED of an RST in SYN-SENT"),
        StateTransition(
            "syn-received/fin", .synReceived, .fin, .closeWait, send: .ack, .arrivesOther, seen: .arrival,
            linux: "the FIN's ACK completes the handshake first (ESTABLISHED, then CLOSE-WAIT, in one segment); accept() returns a connection whose input has ended"),
        StateTransition(
            "syn-received/close", .synReceived, .close, .finWait1, send: .fin, .closeCall, seen: .sending,
            linux: "only a full socket in SYN-RECEIVED (simultaneous open, TCP Fast Open) can be closed; a listener's request socket has no file descriptor. close() sends the FIN at once; shutdown(SHUT_WR) leaves the socket in SYN-RECEIVED"),
        StateTransition(
            "syn-received/abort", .synReceived, .abort, .closed, send: .rst, .abortCall, seen: .sending,
            linux: "also with tcp_abort_on_overflow=1: the handshake's ACK finds the accept queue full and is answered with RST"),
        StateTransition(
            "syn-received/user-timeout", .synReceived, .userTimeout, .closed, send: .nothing, .timeouts, seen: .none,
            linux: "a request socket is dropped after tcp_synack_retries SYN-ACKs (5 by default)"),

        // ESTABLISHED
        StateTransition(
            "established/close", .established, .close, .finWait1, send: .fin, .closeCall, seen: .sending,
            linux: "close() with unread data sends RST instead of FIN (RFC 2525 section 2.17; TcpExt TCPAbortOnClose): that is established/abort on the wire"),
        StateTransition("established/fin", .established, .fin, .closeWait, send: .ack, .arrivesOther, seen: .arrival),
        StateTransition(
            "established/rst", .established, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "recv() fails with ECONNRESET"),
        StateTransition(
            "established/abort", .established, .abort, .closed, send: .rst, .abortCall, seen: .sending,
            linux: "close() with SO_LINGER {1, 0}, and also close() with unread data (RFC 2525)"),
        StateTransition(
            "established/rst-in-window", .established, .rstInWindow, .established, send: .ack, .arrivesOther, seen: .arrival,
            linux: "a challenge ACK (RFC 5961 section 3, which RFC 9293 recommends), rate-limited by tcp_challenge_ack_limit; the analysis takes RCV.NXT to be the sender's next sequence number as the capture saw it"),
        StateTransition(
            "established/syn-in-window", .established, .synInWindow, .established, send: .ack, .arrivesOther, seen: .arrival,
            linux: "a challenge ACK (RFC 5961 section 4), not RFC 793's RST, in every synchronized state but TIME-WAIT (where a SYN may open a new connection): ACK with SND.NXT and RCV.NXT, rate-limited (tcp_invalid_ratelimit per socket, tcp_challenge_ack_limit), counted in TcpExt TCPSYNChallenge and TCPChallengeACK and in Tcp InErrs; the SYN is dropped and the application sees nothing. tshark numbers such a SYN as a new stream with new relative numbers; the analysis keeps tshark's numbering and carries the states over"),
        StateTransition(
            "established/keepalive-timeout", .established, .keepAliveTimeout, .closed, send: .nothing, .keepAlives, seen: .sending,
            linux: "sends RST (reset reason TCP_KEEPALIVE_TIMEOUT) after TCP_KEEPCNT unanswered probes, and the socket fails with ETIMEDOUT"),
        StateTransition(
            "established/user-timeout", .established, .userTimeout, .closed, send: .nothing, .timeouts, seen: .none,
            linux: "TCP_USER_TIMEOUT, or tcp_retries2 retransmissions (about 15 minutes), with data unacknowledged; nothing is sent"),

        // FIN-WAIT-1
        StateTransition(
            "fin-wait-1/ack-of-fin", .finWait1, .ackOfFIN, .finWait2, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "after close() (not shutdown()) the socket is handed to a FIN-WAIT-2 timewait mini-socket, which changes no socket's state"),
        StateTransition("fin-wait-1/fin", .finWait1, .fin, .closing, send: .ack, .arrivesOther, seen: .arrival),
        StateTransition(
            "fin-wait-1/fin-ack-of-fin", .finWait1, .finACKOfFIN, .timeWait, send: .ack, .arrivesOther, seen: .arrival,
            linux: "the kernel passes FIN-WAIT-2 on the way, and TIME-WAIT is a timewait mini-socket"),
        StateTransition("fin-wait-1/rst", .finWait1, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival),
        StateTransition(
            "fin-wait-1/abort", .finWait1, .abort, .closed, send: .rst, .abortCall, seen: .sending,
            linux: "close() with SO_LINGER {1, 0}; TcpExt TCPAbortOnData counts it"),
        StateTransition(
            "fin-wait-1/data-after-close", .finWait1, .dataAfterClose, .closed, send: .rst, .arrivesOther, seen: .sending,
            linux: "RFC 9293 still takes data in FIN-WAIT-1; after close() Linux answers it with RST (reset reason TCP_ABORT_ON_DATA), as nobody can read it", inRFC: false),

        // FIN-WAIT-2
        StateTransition(
            "fin-wait-2/fin", .finWait2, .fin, .timeWait, send: .ack, .arrivesOther, seen: .arrival,
            linux: "TIME-WAIT lasts 60 s (TCP_TIMEWAIT_LEN)"),
        StateTransition(
            "fin-wait-2/rst", .finWait2, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "recv() on a socket that was only shut down fails with ECONNRESET"),
        StateTransition(
            "fin-wait-2/abort", .finWait2, .abort, .closed, send: .rst, .abortCall, seen: .sending,
            linux: "close() with SO_LINGER {1, 0} on a socket that was only shut down; TcpExt TCPAbortOnData counts it"),
        StateTransition(
            "fin-wait-2/data-after-close", .finWait2, .dataAfterClose, .closed, send: .rst, .arrivesOther, seen: .sending,
            linux: "RFC 9293 still takes data in FIN-WAIT-2; after close() Linux answers it with RST (reset reason TCP_ABORT_ON_DATA)", inRFC: false),
        StateTransition(
            "fin-wait-2/fin-wait-2-timeout", .finWait2, .finWait2Timeout, .closed, send: .nothing, .closing, seen: .none,
            linux: "RFC 9293 has no such timer (the peer may never close); a socket closed, not only shut down, lasts tcp_fin_timeout (60 s) in FIN-WAIT-2", inRFC: false),

        // CLOSE-WAIT
        StateTransition(
            "close-wait/close", .closeWait, .close, .lastAck, send: .fin, .closeCall, seen: .sending,
            linux: "close() with unread data sends RST instead (close-wait/abort on the wire)"),
        StateTransition(
            "close-wait/rst", .closeWait, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "the next send() fails with EPIPE, not ECONNRESET"),
        StateTransition(
            "close-wait/abort", .closeWait, .abort, .closed, send: .rst, .abortCall, seen: .sending,
            linux: "close() with SO_LINGER {1, 0}; TcpExt TCPAbortOnData counts it"),

        // CLOSING
        StateTransition("closing/ack-of-fin", .closing, .ackOfFIN, .timeWait, send: .nothing, .arrivesOther, seen: .arrival),
        StateTransition(
            "closing/rst", .closing, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "the peer's FIN came first: recv() returns 0 and only SO_ERROR says ECONNRESET"),
        StateTransition(
            "closing/abort", .closing, .abort, .closed, send: .nothing, .abortCall, seen: .none,
            linux: "close() with SO_LINGER {1, 0} sends nothing, as RFC 9293 says, and the socket is gone (TcpExt TCPAbortOnData still counts it); only a FIN still unsent (tcp_disconnect: SND.NXT behind the queue) would make it send RST"),

        // LAST-ACK
        StateTransition("last-ack/ack-of-fin", .lastAck, .ackOfFIN, .closed, send: .nothing, .arrivesOther, seen: .arrival),
        StateTransition(
            "last-ack/rst", .lastAck, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "the peer's FIN came first: recv() returns 0 and only SO_ERROR says ECONNRESET"),
        StateTransition(
            "last-ack/abort", .lastAck, .abort, .closed, send: .nothing, .abortCall, seen: .none,
            linux: "close() with SO_LINGER {1, 0} sends nothing, as RFC 9293 says, and the socket is gone (TcpExt TCPAbortOnData still counts it); only a FIN still unsent (tcp_disconnect: SND.NXT behind the queue) would make it send RST"),

        // TIME-WAIT
        StateTransition(
            "time-wait/fin", .timeWait, .fin, .timeWait, send: .ack, .arrivesOther, seen: .arrival,
            linux: "the timewait socket acknowledges the FIN again and restarts its 60 s"),
        StateTransition(
            "time-wait/rst", .timeWait, .rst, .closed, send: .nothing, .arrivesOther, seen: .arrival,
            linux: "with tcp_rfc1337=0 (the default) an RST ends the timewait socket (RFC 1337's TIME-WAIT assassination)"),
        StateTransition(
            "time-wait/abort", .timeWait, .abort, .closed, send: .nothing, .abortCall, seen: .none,
            linux: "not possible: in TIME-WAIT the connection is a timewait socket with no descriptor, and the application's socket is already CLOSED (TCP_INFO says TCP_CLOSE), so close() with SO_LINGER {1, 0} sends nothing and TIME-WAIT runs on (abort-in-every-state). A timewait socket that answers a segment with RST (reset reason TCP_TIMEWAIT_SOCKET) and ends is not an ABORT", onLinux: false),
        StateTransition(
            "time-wait/time-wait-timeout", .timeWait, .timeWaitTimeout, .closed, send: .nothing, .timeouts, seen: .none,
            linux: "60 s, fixed (TCP_TIMEWAIT_LEN), not 2 MSL (4 minutes with RFC 9293's MSL of 2 minutes); tcp_fin_timeout does not change it"),
    ]

    /// The rows RFC 9293's state diagram draws (section 3.3.2, figure 5, with FIN-WAIT-1's
    /// FIN that acknowledges ours and SYN-SENT's RST and timeout, which its text adds).
    public static let diagramRowIDs: [String] = [
        "closed/passive-open", "closed/active-open", "listen/syn", "listen/send", "listen/close",
        "syn-sent/syn", "syn-sent/syn-ack", "syn-sent/close", "syn-sent/user-timeout", "syn-sent/rst",
        "syn-received/ack-of-syn", "syn-received/rst-passive", "syn-received/close",
        "established/close", "established/fin", "fin-wait-1/ack-of-fin", "fin-wait-1/fin", "fin-wait-1/fin-ack-of-fin",
        "fin-wait-2/fin", "closing/ack-of-fin", "close-wait/close", "last-ack/ack-of-fin", "time-wait/time-wait-timeout",
    ]

    /// The diagram's arrows: each pair of states it joins, with the events and actions of
    /// its rows in the figure's words ("rcv SYN / snd SYN,ACK"; "CLOSE, timeout, rcv RST").
    public static var diagramEdges: [(from: TCPState, to: TCPState, why: String)] {
        var edges: [(from: TCPState, to: TCPState, why: String)] = []
        for row in diagramRowIDs.compactMap(row(_:)) {
            let why = row.event.figureName + (row.action == .nothing ? "" : " / snd " + String(row.action.rawValue.map { $0 == "-" ? "," : $0 }))
            if let index = edges.firstIndex(where: { $0.from == row.from && $0.to == row.to }) {
                edges[index].why += ", " + why
            } else {
                edges.append((row.from, row.to, why))
            }
        }
        return edges
    }

    /// The row named `id`, or nil.
    public static func row(_ id: String) -> StateTransition? { byID[id] }

    /// The row for `event` in state `from`, for an endpoint that opened by `opening`;
    /// nil when the table has none (the event changes nothing there).
    public static func row(from: TCPState, event: TransitionEvent, opening: StateTransition.Opening) -> StateTransition? {
        rowIndex(from: from, event: event, opening: opening).map { rows[$0] }
    }

    private static let byID: [String: StateTransition] = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
}
