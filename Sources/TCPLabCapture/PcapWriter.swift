import TCPLabPacket
import TCPLabSystem

/// Writes a classic pcap file with nanosecond timestamps (magic 0xa1b23c4d).
///
/// Stands for the libpcap savefile format (draft-ietf-opsawg-pcap). A classic file has one
/// link type and no comments; use ``PcapngWriter`` for annotations.
public final class PcapWriter {
    private let output: BufferedWriter
    private var record: [UInt8] = []
    private var isOpen = true

    /// Creates or truncates `path` and writes the file header for `linkType`.
    public init(path: String, linkType: LinkType, snapshotLength: Int = 262_144) throws(SystemCallError) {
        output = BufferedWriter(try FileDescriptor.openForWriting(path))
        append32(0xA1B2_3C4D)
        append16(2); append16(4)  // Version 2.4.
        append32(0); append32(0)  // Time zone and accuracy, always 0.
        append32(UInt32(truncatingIfNeeded: snapshotLength))
        append32(linkType.rawValue)
        try output.write(bytes: record)
    }

    deinit { try? close() }

    /// Writes one packet.
    public func write(_ packet: CapturedPacket) throws(SystemCallError) {
        record.removeAll(keepingCapacity: true)
        append32(UInt32(truncatingIfNeeded: packet.timestamp.seconds))
        append32(UInt32(truncatingIfNeeded: packet.timestamp.subsecondNanoseconds))
        append32(UInt32(packet.data.count))
        append32(UInt32(truncatingIfNeeded: packet.originalLength))
        record.append(contentsOf: packet.data)
        try output.write(bytes: record)
    }

    /// Writes what is buffered and closes the file.
    public func close() throws(SystemCallError) {
        guard isOpen else { return }
        isOpen = false
        defer { try? output.destination.close() }
        try output.flush()
    }

    private func append16(_ value: UInt16) { withUnsafeBytes(of: value) { record.append(contentsOf: $0) } }
    private func append32(_ value: UInt32) { withUnsafeBytes(of: value) { record.append(contentsOf: $0) } }
}
