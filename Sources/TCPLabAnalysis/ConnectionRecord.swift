import TCPLabPacket

/// One connection as `tcplab inspect --format summary` reports it: one line, made by
/// ``ConnectionTracker`` from the segments' headers alone.
public struct ConnectionRecord: Sendable {
    /// What one side sent.
    public struct Direction: Sendable, Equatable {
        /// Segments sent.
        public var segments = 0
        /// Payload bytes, from the sequence space covered (each byte once, however often resent).
        public var bytes: UInt64 = 0
        /// Segments whose payload lay at or below the highest sequence number already sent
        /// (Zeek's rule for its `T` letter).
        public var retransmissions = 0
        /// RST segments sent.
        public var resets = 0
        /// Segments that advertised a zero window.
        public var zeroWindows = 0
        /// SYNs (or SYN-ACKs) sent again with the same sequence number.
        public var synRetransmissions = 0

        /// Nothing sent.
        public init() {}
    }

    /// Connection number, counting from 0 in order of first segment (tshark's `tcp.stream`).
    public var stream: Int
    /// The side that sent the first SYN (Zeek's originator).
    public var client: Endpoint
    /// The other side (Zeek's responder).
    public var server: Endpoint
    /// Capture time of the first segment, in nanoseconds since the epoch.
    public var firstTimestamp: Int64
    /// Capture time of the last segment.
    public var lastTimestamp: Int64
    /// How it opened.
    public var opening: ConnectionSummary.Opening
    /// How it ended (or that it had not by the end of the capture).
    public var ending: ConnectionSummary.Ending
    /// The side whose FIN came first, if any.
    public var firstToClose: Side?
    /// From the client's (last) SYN to its ACK that completed the handshake, in nanoseconds.
    public var handshakeRoundTrip: Int64?
    /// What the client sent.
    public var fromClient: Direction
    /// What the server sent.
    public var fromServer: Direction
    /// Zeek's `conn_state`.
    public var zeekState: ZeekConnectionState
    /// Zeek's `history` letters.
    public var history: String

    /// Time from the first segment to the last, in nanoseconds.
    public var duration: Int64 { lastTimestamp.saturatingDifference(firstTimestamp) }

    /// What `side` sent.
    public func sent(by side: Side) -> Direction { side == .client ? fromClient : fromServer }
}
