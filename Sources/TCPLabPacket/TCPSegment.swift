/// One TCP segment as decoded from a captured packet: who sent it and its header fields.
///
/// Stands for the TCP header of RFC 9293 section 3.1, plus the addresses of the IP header
/// that carried it and the payload length the IP header declares.
public struct TCPSegment: Hashable, Sendable {
    /// The sender.
    public var source: Endpoint
    /// The receiver.
    public var destination: Endpoint
    /// Sequence number of the first byte (or of the SYN or FIN), as on the wire.
    public var sequenceNumber: UInt32
    /// Acknowledgment number, as on the wire; meaningful only when ``flags`` has ACK.
    public var acknowledgmentNumber: UInt32
    /// Control bits.
    public var flags: TCPFlags
    /// The window field as sent, before any window scaling.
    public var window: UInt16
    /// Header length in bytes (data offset times 4).
    public var headerLength: Int
    /// Payload bytes, from the IP header's length (the capture may hold fewer).
    public var payloadLength: Int
    /// The parsed options (those the capture holds, when the header was cut).
    public var options: TCPOptions
    /// Whether the capture's snap length (or a short frame) cut the header before its data
    /// offset: ports, numbers and flags are there, but some options (and perhaps the window,
    /// then 0) are not. tshark shows such a segment too.
    public var headerCut: Bool
    /// Where the payload starts in the captured frame's bytes; nil when the segment came out
    /// of bytes made from frames (inflated from IPComp, or a datagram whose fragments were
    /// put back together), which no one frame holds as such.
    public var payloadOffset: Int?

    /// A segment with these fields.
    public init(
        source: Endpoint, destination: Endpoint, sequenceNumber: UInt32, acknowledgmentNumber: UInt32,
        flags: TCPFlags, window: UInt16, headerLength: Int = 20, payloadLength: Int = 0,
        options: TCPOptions = TCPOptions(), headerCut: Bool = false, payloadOffset: Int? = nil
    ) {
        self.source = source
        self.destination = destination
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.headerLength = headerLength
        self.payloadLength = payloadLength
        self.options = options
        self.headerCut = headerCut
        self.payloadOffset = payloadOffset
    }

    /// Sequence space the segment occupies: payload plus one each for SYN and FIN (RFC 9293 3.4).
    public var sequenceLength: UInt32 {
        UInt32(truncatingIfNeeded: payloadLength)
            + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }
}
