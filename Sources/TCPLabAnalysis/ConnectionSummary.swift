import TCPLabPacket

/// How a connection began, ended, and what it carried.
public struct ConnectionSummary: Sendable {
    /// How a connection opened.
    public enum Opening: String, Sendable {
        /// SYN, SYN-ACK, ACK (RFC 9293 section 3.5, figure 6).
        case threeWayHandshake = "three-way handshake"
        /// Both sides sent SYN (RFC 9293 figure 7).
        case simultaneousOpen = "simultaneous open"
        /// A SYN that never led to an established connection.
        case notCompleted = "handshake not completed"
        /// The capture starts after the handshake.
        case notSeen = "not seen"
    }

    /// How a connection ended.
    public enum Ending: Sendable, CustomStringConvertible {
        /// FIN, ACK, FIN, ACK.
        case fourWayClose
        /// FIN, FIN+ACK, ACK: the second FIN carried the ACK of the first.
        case threeWayClose
        /// Both FINs crossed (RFC 9293 figure 13).
        case simultaneousClose
        /// One side shut down its sending half, the other kept sending, then closed.
        case halfCloseThenClose
        /// One side sent FIN; the other has not closed yet (it is in CLOSE-WAIT).
        case halfClosed(by: Side)
        /// A side sent RST.
        case reset(by: Side)
        /// The SYN was answered with RST: nothing listened on the port.
        case refused
        /// Neither FIN nor RST was seen.
        case stillOpen

        /// The ending in words.
        public var description: String {
            switch self {
            case .fourWayClose: return "four-way close"
            case .threeWayClose: return "three-way close (FIN+ACK together)"
            case .simultaneousClose: return "simultaneous close"
            case .halfCloseThenClose: return "half-close, then close"
            case .halfClosed(let side): return "half-closed by the \(side), still open the other way"
            case .reset(let side): return "reset by the \(side)"
            case .refused: return "refused (RST answered the SYN)"
            case .stillOpen: return "still open"
            }
        }
    }

    /// Connection number (tshark's `tcp.stream`).
    public var stream: Int
    /// The side that sent the first SYN (or, with no SYN captured, the guess in
    /// ``rolesGuessed``).
    public var client: Endpoint
    /// The other side.
    public var server: Endpoint
    /// How it opened (the last time, if it opened again after a reset).
    public var opening: Opening
    /// How it ended.
    public var ending: Ending
    /// The capture shows no SYN, so client and server were guessed from the ports: the
    /// lower port (a well-known port, typically) is taken as the server's.
    public var rolesGuessed: Bool
    /// How often the connection opened again on the same four-tuple after a reset, in the
    /// same stream (a SYN sent again after an RST, or a SYN-ACK with a new sequence number).
    public var reopenings: Int
    /// The side that closed first, and so holds TIME-WAIT (both, after a simultaneous close).
    public var timeWait: [Side]
    /// Which side sent the first FIN, if any.
    public var firstToClose: Side?
    /// Time from the (last) SYN to the ACK that completed the handshake, in nanoseconds.
    public var handshakeRoundTrip: Int64?
    /// Payload bytes from client to server, counted once however often they were resent.
    public var bytesFromClient: UInt64
    /// Payload bytes from server to client.
    public var bytesFromServer: UInt64
    /// Segments in the connection.
    public var segments: Int
    /// Segments tshark would mark as retransmissions.
    public var retransmissions: Int
    /// First and last frame of the connection.
    public var frames: ClosedRange<Int>
    /// Capture times of the first and last segment, in nanoseconds since the epoch.
    public var firstTimestamp: Int64
    /// Capture time of the last segment.
    public var lastTimestamp: Int64
    /// The client's state after the last segment.
    public var clientState: TCPState
    /// The server's state after the last segment.
    public var serverState: TCPState
}
