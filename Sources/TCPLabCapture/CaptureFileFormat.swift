/// The on-disk format of a capture file.
public enum CaptureFileFormat: Hashable, Sendable, CustomStringConvertible {
    /// Classic libpcap format, with microsecond or nanosecond timestamps, in either byte order.
    case pcap(nanosecondResolution: Bool, bigEndian: Bool)
    /// pcapng (draft-ietf-opsawg-pcapng): sections of blocks, several interfaces, comments.
    case pcapng

    /// "pcap (microsecond, little-endian)" or "pcapng".
    public var description: String {
        switch self {
        case .pcap(let nano, let big):
            return "pcap (\(nano ? "nanosecond" : "microsecond"), \(big ? "big" : "little")-endian)"
        case .pcapng:
            return "pcapng"
        }
    }
}
