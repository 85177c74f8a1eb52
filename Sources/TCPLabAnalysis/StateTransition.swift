/// One row of RFC 9293's connection state machine: in state `from`, `event` moves an
/// endpoint to `to` and makes it send `action`, as section `section` says.
///
/// The rows live in ``TransitionTable``; the analyzer moves each endpoint only by them.
/// `id` is stable ("established/fin"): lab files name rows by it (`reaches:`), the kernel
/// log's confirmation compares against it, and `tcplab coverage` lists it.
public struct StateTransition: Sendable, Hashable, Identifiable, CustomStringConvertible {
    /// The row's stable name: the state, a slash, the event ("fin-wait-1/ack-of-fin").
    public let id: String
    /// The state the endpoint is in.
    public let from: TCPState
    /// What happens to it.
    public let event: TransitionEvent
    /// Only for this way of opening (SYN-RECEIVED answers an RST by how it was reached);
    /// nil: any.
    public let opening: Opening?
    /// The state it goes to.
    public let to: TCPState
    /// What it sends, as RFC 9293 says.
    public let action: TransitionAction
    /// The section of RFC 9293 that says so.
    public let section: RFC9293Section
    /// Where Linux (6.x) departs from the RFC for this row, or nil where it follows it.
    public let linux: String?
    /// Whether the row is RFC 9293's (false: Linux's own, beside the RFC's rows).
    public let inRFC: Bool
    /// How a capture shows that an endpoint took the row.
    public let evidence: Evidence

    /// How the endpoint came to the connection, for rows that depend on it.
    public enum Opening: String, Sendable, Hashable {
        /// From LISTEN: a listener's connection.
        case passive
        /// From SYN-SENT: connect().
        case active
    }

    /// What a capture shows of a row.
    public enum Evidence: String, Sendable, Hashable {
        /// The segment of the event arriving at the endpoint (a FIN arriving moves it).
        case arrival
        /// The endpoint sending the row's action (a user call shows only by what it
        /// sends; a listener's SYN-ACK, not the SYN, shows that it took the SYN).
        case sending
        /// Nothing on the wire: a timer or a call that sends nothing. Only the kernel
        /// log sees it.
        case none
        /// On the wire, but the analysis does not tell it from another row yet (an RST
        /// in the window from an exact one: the capture does not hold RCV.NXT's history).
        case notInferred = "not-inferred"
    }

    /// Whether Linux can take the row at all (false: its API has no way to, as connect()
    /// on a listener).
    public let onLinux: Bool

    init(
        _ id: String, _ from: TCPState, _ event: TransitionEvent, opening: Opening? = nil, _ to: TCPState,
        send action: TransitionAction, _ section: RFC9293Section, seen evidence: Evidence,
        linux: String? = nil, inRFC: Bool = true, onLinux: Bool = true
    ) {
        self.onLinux = onLinux
        self.id = id
        self.from = from
        self.event = event
        self.opening = opening
        self.to = to
        self.action = action
        self.section = section
        self.linux = linux
        self.inRFC = inRFC
        self.evidence = evidence
    }

    /// Whether the row changes the state (some rows only answer: an RST, a challenge ACK).
    public var movesState: Bool { from != to }

    /// "ESTABLISHED --FIN arrives / send ACK--> CLOSE-WAIT (RFC 9293 §3.10.7.4)".
    public var description: String {
        "\(from) --\(event.description)\(action == .nothing ? "" : " / \(action)")--> \(to) (\(inRFC ? "RFC 9293" : "Linux; RFC 9293") \(section))"
    }
}

/// What moves an endpoint: a user call, a segment arriving (by its flags and
/// acceptability), or a timer.
///
/// The raw value is the event's part of a row's id.
public enum TransitionEvent: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// OPEN, passive: listen().
    case passiveOpen = "passive-open"
    /// OPEN, active: connect().
    case activeOpen = "active-open"
    /// SEND on a listener: RFC 9293 turns it into an active open.
    case send
    /// CLOSE: close() or shutdown(SHUT_WR), "I have no more to send".
    case close
    /// ABORT: close() with SO_LINGER {1, 0}.
    case abort
    /// Any segment, to an endpoint that has no connection.
    case segment
    /// A segment with ACK, to a listener.
    case ack
    /// An ACK that acknowledges nothing the endpoint sent.
    case unacceptableACK = "unacceptable-ack"
    /// An acceptable RST (in synchronized states: its sequence number is RCV.NXT).
    case rst
    /// An RST in the window but not at RCV.NXT (RFC 5961 section 3).
    case rstInWindow = "rst-in-window"
    /// A SYN without ACK.
    case syn
    /// A SYN whose ACK acknowledges the endpoint's SYN.
    case synACK = "syn-ack"
    /// A SYN in a synchronized state (RFC 5961 section 4).
    case synInWindow = "syn-in-window"
    /// A segment that acknowledges the endpoint's SYN.
    case ackOfSYN = "ack-of-syn"
    /// A FIN.
    case fin
    /// A FIN that also acknowledges the endpoint's FIN.
    case finACKOfFIN = "fin-ack-of-fin"
    /// A segment that acknowledges the endpoint's FIN.
    case ackOfFIN = "ack-of-fin"
    /// Data for an endpoint whose application has closed the socket.
    case dataAfterClose = "data-after-close"
    /// The user timeout (or the retransmission limit) expires.
    case userTimeout = "user-timeout"
    /// The keep-alive probes go unanswered.
    case keepAliveTimeout = "keepalive-timeout"
    /// The time-wait timer (2 MSL) expires.
    case timeWaitTimeout = "time-wait-timeout"
    /// An orphaned FIN-WAIT-2 endpoint's timer (Linux's tcp_fin_timeout) expires.
    case finWait2Timeout = "fin-wait-2-timeout"

    /// The event as RFC 9293's figure 5 writes it: "rcv FIN", "CLOSE", "timeout".
    public var figureName: String {
        switch self {
        case .passiveOpen: return "passive OPEN"
        case .activeOpen: return "active OPEN"
        case .send: return "SEND"
        case .close: return "CLOSE"
        case .abort: return "ABORT"
        case .segment: return "rcv segment"
        case .ack, .unacceptableACK: return "rcv ACK"
        case .rst, .rstInWindow: return "rcv RST"
        case .syn, .synInWindow: return "rcv SYN"
        case .synACK: return "rcv SYN,ACK"
        case .ackOfSYN: return "rcv ACK of SYN"
        case .fin: return "rcv FIN"
        case .finACKOfFIN: return "rcv FIN + ACK of FIN"
        case .ackOfFIN: return "rcv ACK of FIN"
        case .dataAfterClose: return "rcv data after close"
        case .userTimeout, .keepAliveTimeout, .finWait2Timeout: return "timeout"
        case .timeWaitTimeout: return "timeout (60 s on Linux)"
        }
    }

    /// The event in words: "FIN arrives", "CLOSE (close(), shutdown(SHUT_WR))".
    public var description: String {
        switch self {
        case .passiveOpen: return "passive OPEN (listen())"
        case .activeOpen: return "active OPEN (connect())"
        case .send: return "SEND"
        case .close: return "CLOSE (close(), shutdown(SHUT_WR))"
        case .abort: return "ABORT (close() with SO_LINGER 0)"
        case .segment: return "a segment arrives"
        case .ack: return "an ACK arrives"
        case .unacceptableACK: return "an unacceptable ACK arrives"
        case .rst: return "RST arrives"
        case .rstInWindow: return "RST arrives in the window, not at RCV.NXT"
        case .syn: return "SYN arrives"
        case .synACK: return "SYN-ACK arrives, acknowledging our SYN"
        case .synInWindow: return "SYN arrives on a synchronized connection"
        case .ackOfSYN: return "ACK of our SYN arrives"
        case .fin: return "FIN arrives"
        case .finACKOfFIN: return "FIN arrives, acknowledging our FIN"
        case .ackOfFIN: return "ACK of our FIN arrives"
        case .dataAfterClose: return "data arrives after close()"
        case .userTimeout: return "user timeout"
        case .keepAliveTimeout: return "keep-alive timeout"
        case .timeWaitTimeout: return "time-wait timeout"
        case .finWait2Timeout: return "FIN-WAIT-2 timeout"
        }
    }
}

/// What an endpoint sends when it takes a row.
public enum TransitionAction: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Nothing.
    case nothing
    /// A SYN.
    case syn = "SYN"
    /// A SYN with ACK.
    case synACK = "SYN-ACK"
    /// An ACK.
    case ack = "ACK"
    /// A FIN (with ACK).
    case fin = "FIN"
    /// An RST.
    case rst = "RST"

    /// "send FIN", or "nothing".
    public var description: String { self == .nothing ? "nothing" : "send \(rawValue)" }
}

/// A section of RFC 9293 that a row cites.
public struct RFC9293Section: Sendable, Hashable, CustomStringConvertible {
    /// "3.10.7.4".
    public let number: String
    /// "SEGMENT ARRIVES, Other States".
    public let title: String

    /// "§3.10.7.4".
    public var description: String { "§" + number }

    /// 3.3.2, the state diagram.
    public static let stateMachineOverview = RFC9293Section(number: "3.3.2", title: "State Machine Overview")
    /// 3.5.
    public static let establishing = RFC9293Section(number: "3.5", title: "Establishing a Connection")
    /// 3.5.1.
    public static let halfOpen = RFC9293Section(number: "3.5.1", title: "Half-Open Connections and Other Anomalies")
    /// 3.5.2.
    public static let resetGeneration = RFC9293Section(number: "3.5.2", title: "Reset Generation")
    /// 3.5.3.
    public static let resetProcessing = RFC9293Section(number: "3.5.3", title: "Reset Processing")
    /// 3.6.
    public static let closing = RFC9293Section(number: "3.6", title: "Closing a Connection")
    /// 3.6.1.
    public static let halfClosed = RFC9293Section(number: "3.6.1", title: "Half-Closed Connections")
    /// 3.8.3.
    public static let connectionFailures = RFC9293Section(number: "3.8.3", title: "TCP Connection Failures")
    /// 3.8.4.
    public static let keepAlives = RFC9293Section(number: "3.8.4", title: "TCP Keep-Alives")
    /// 3.10.1.
    public static let openCall = RFC9293Section(number: "3.10.1", title: "OPEN Call")
    /// 3.10.2.
    public static let sendCall = RFC9293Section(number: "3.10.2", title: "SEND Call")
    /// 3.10.4.
    public static let closeCall = RFC9293Section(number: "3.10.4", title: "CLOSE Call")
    /// 3.10.5.
    public static let abortCall = RFC9293Section(number: "3.10.5", title: "ABORT Call")
    /// 3.10.7.1.
    public static let arrivesClosed = RFC9293Section(number: "3.10.7.1", title: "SEGMENT ARRIVES, CLOSED State")
    /// 3.10.7.2.
    public static let arrivesListen = RFC9293Section(number: "3.10.7.2", title: "SEGMENT ARRIVES, LISTEN State")
    /// 3.10.7.3.
    public static let arrivesSynSent = RFC9293Section(number: "3.10.7.3", title: "SEGMENT ARRIVES, SYN-SENT State")
    /// 3.10.7.4.
    public static let arrivesOther = RFC9293Section(number: "3.10.7.4", title: "SEGMENT ARRIVES, Other States")
    /// 3.10.8.
    public static let timeouts = RFC9293Section(number: "3.10.8", title: "Timeouts")

    /// The sections of RFC 9293 the table may cite, in the RFC's order.
    public static let all: [RFC9293Section] = [
        stateMachineOverview, establishing, halfOpen, resetGeneration, resetProcessing, closing, halfClosed,
        connectionFailures, keepAlives, openCall, sendCall, closeCall, abortCall,
        arrivesClosed, arrivesListen, arrivesSynSent, arrivesOther, timeouts,
    ]
}
