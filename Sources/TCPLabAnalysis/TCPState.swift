/// The state of one end of a TCP connection.
///
/// Stands for the connection states of RFC 9293 section 3.3.2, with their RFC names.
/// Linux has the same states under other names (`TCP_FIN_WAIT1`, `TCP_SYN_RECV`, ...);
/// ``init(kernelState:)`` maps those numbers as sock_diag and `ss` report them.
public enum TCPState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Waiting for a connection request (a listening socket).
    case listen = "LISTEN"
    /// SYN sent, waiting for the peer's SYN.
    case synSent = "SYN-SENT"
    /// SYN received and answered, waiting for the ACK of our SYN.
    case synReceived = "SYN-RECEIVED"
    /// Open: data flows both ways.
    case established = "ESTABLISHED"
    /// We sent FIN; it is not yet acknowledged.
    case finWait1 = "FIN-WAIT-1"
    /// Our FIN is acknowledged; waiting for the peer's FIN.
    case finWait2 = "FIN-WAIT-2"
    /// The peer sent FIN; waiting for our application to close.
    case closeWait = "CLOSE-WAIT"
    /// Both sides sent FIN before either was acknowledged (simultaneous close).
    case closing = "CLOSING"
    /// We closed after the peer did; waiting for the ACK of our FIN.
    case lastAck = "LAST-ACK"
    /// We closed first; waiting 2 MSL (60 s on Linux) so old segments die out.
    case timeWait = "TIME-WAIT"
    /// No connection.
    case closed = "CLOSED"

    /// The RFC name, "FIN-WAIT-1".
    public var description: String { rawValue }

    /// The state for a Linux kernel state number (include/net/tcp_states.h), as
    /// `inet_diag_msg.idiag_state` carries it. TCP_NEW_SYN_RECV (12) is SYN-RECEIVED.
    public init?(kernelState: UInt8) {
        switch kernelState {
        case 1: self = .established
        case 2: self = .synSent
        case 3, 12: self = .synReceived
        case 4: self = .finWait1
        case 5: self = .finWait2
        case 6: self = .timeWait
        case 7: self = .closed
        case 8: self = .closeWait
        case 9: self = .lastAck
        case 10: self = .listen
        case 11: self = .closing
        default: return nil
        }
    }
}
