import TCPLabAnalysis
import TCPLabPacket

/// A connection whose moves into FIN-WAIT-2 or CLOSING the kernel log provably lacks.
///
/// A timewait socket (substate FIN-WAIT-2 or TIME-WAIT) is only ever made from a full
/// socket in FIN-WAIT-2 or CLOSING (tcp_time_wait), and a full socket reaches either state
/// only through tcp_set_state, which fires sock:inet_sock_set_state. So when the log saw a
/// connection's socket, and the kernel later held that connection in FIN-WAIT-2 or
/// TIME-WAIT, the log must show the socket moving into FIN-WAIT-2 or CLOSING; if it does
/// not, the kernel did not run the log's programs for those moves, and the log is
/// incomplete for that connection. Under heavy load with several labs at once this
/// happens to an orphan whose FIN the peer acknowledges from its delayed-ACK timer: the
/// lab's programs (and a second program on the same tracepoint) miss its moves, with no
/// recursion miss and no refused ring buffer record counted.
public struct KernelLogGap: Sendable, Equatable {
    /// The connection's local end (the socket that closed).
    public var local: Endpoint
    /// Its remote end.
    public var remote: Endpoint
    /// What shows the kernel held the connection in FIN-WAIT-2 or TIME-WAIT.
    public var evidence: Evidence

    /// A value with every field given.
    public init(local: Endpoint, remote: Endpoint, evidence: Evidence) {
        self.local = local
        self.remote = remote
        self.evidence = evidence
    }

    /// What shows the kernel made moves the log lacks.
    public enum Evidence: Sendable, Equatable {
        /// A timewait socket with these ends took a packet (skb:kfree_skb with the
        /// timewait socket as the receiver): this event of the log.
        case timewaitTookPacket(KernelEvent)
        /// sock_diag listed the connection in this state at this moment of the lab.
        case listed(TCPState, moment: String)

        /// When the log saw it: the packet's time; nil for a listing.
        public var time: Int64? {
            if case .timewaitTookPacket(let event) = self { return event.time }
            return nil
        }
    }
}
