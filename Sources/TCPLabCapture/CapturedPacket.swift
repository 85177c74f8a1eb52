import TCPLabPacket

/// One frame as a capture recorded it: when, on which interface, and its bytes.
///
/// Stands for a pcap record or a pcapng Enhanced/Simple Packet Block.
public struct CapturedPacket: Hashable, Sendable {
    /// Capture time.
    public var timestamp: CaptureTimestamp
    /// The link type of the interface it was captured on.
    public var linkType: LinkType
    /// Index of the interface (pcapng Interface Description Block); 0 for classic pcap.
    public var interfaceIndex: Int
    /// Length of the frame on the wire; more than `data.count` when the snap length cut it.
    public var originalLength: Int
    /// The captured bytes, starting with the link-layer header.
    public var data: ArraySlice<UInt8>
    /// The packet's comment (pcapng opt_comment), if the file has one.
    public var comment: String?

    /// Decodes the frame's headers.
    public func decode() -> DecodedPacket {
        PacketDecoder.decode(data, linkType: linkType, originalLength: originalLength)
    }

    /// Decodes the frame's headers as one of a stream of frames, whose fragmented IP
    /// datagrams `reassembler` puts back together.
    public func decode(reassembling reassembler: FragmentReassembler) -> DecodedPacket {
        PacketDecoder.decode(data, linkType: linkType, originalLength: originalLength, reassembling: reassembler, time: timestamp.nanoseconds)
    }
}

extension CapturedPacket {
    // In an extension, so that the struct keeps its memberwise initializer: the reader builds
    // each packet with it, as one value (an initializer of its own assigned the fields to a
    // temporary that the optimizer then copied, a retain and a release of the file's buffer
    // for every packet).

    /// A packet with these fields.
    public init(
        timestamp: CaptureTimestamp, linkType: LinkType, interfaceIndex: Int = 0,
        originalLength: Int? = nil, data: ArraySlice<UInt8>, comment: String? = nil
    ) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.originalLength = originalLength ?? data.count
        self.data = data
        self.comment = comment
    }
}

extension CapturedPacket {
    /// A packet held by reference: the context an analysis event carries to give the
    /// packet back (`AnalysisEvent.Context` in TCPLabAnalysis).
    public final class Reference: Sendable {
        /// The packet.
        public let packet: CapturedPacket

        /// A reference to `packet`.
        public init(_ packet: CapturedPacket) { self.packet = packet }
    }

    /// The payload bytes of `segment` (decoded from this packet) that the capture holds:
    /// fewer than its length when the snap length cut them; nil when the segment's bytes
    /// are not the frame's own (inflated from IPComp, or reassembled from fragments).
    public func capturedPayload(of segment: TCPSegment) -> ArraySlice<UInt8>? {
        guard let offset = segment.payloadOffset, offset >= 0, offset <= data.count else { return nil }
        let start = data.startIndex + offset
        let available = data.endIndex - start
        return data[start..<(start + min(max(segment.payloadLength, 0), available))]
    }
}
