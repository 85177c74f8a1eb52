import TCPLabPacket
import TCPLabSystem

/// Writes a pcapng file: one section, the interfaces you add, and packets with comments.
///
/// Stands for the Section Header, Interface Description and Enhanced Packet Blocks of
/// draft-ietf-opsawg-pcapng, in this machine's byte order. Timestamps are written in
/// nanoseconds (if_tsresol 9); each packet may carry an opt_comment, which Wireshark shows
/// as the packet comment and tshark as `frame.comment`.
public final class PcapngWriter {
    private let output: BufferedWriter
    private var block: [UInt8] = []
    private var interfaceCount = 0
    private var isOpen = true

    /// Creates or truncates `path` and writes the section header.
    ///
    /// - Parameter application: The writing program, recorded as shb_userappl.
    public init(path: String, application: String = "tcplab") throws(SystemCallError) {
        output = BufferedWriter(try FileDescriptor.openForWriting(path))
        beginBlock(type: 0x0A0D_0D0A)
        append32(0x1A2B_3C4D)  // Byte-order magic.
        append16(1); append16(0)  // Version 1.0.
        append32(0xFFFF_FFFF); append32(0xFFFF_FFFF)  // Section length not given.
        appendOption(code: 4, string: application)  // shb_userappl
        try endBlock(withOptions: true)
    }

    deinit { try? close() }

    /// Describes an interface and returns its index for ``write(_:interface:comment:)``.
    @discardableResult
    public func addInterface(_ interface: CaptureInterface) throws(SystemCallError) -> Int {
        beginBlock(type: 1)
        append16(UInt16(truncatingIfNeeded: interface.linkType.rawValue)); append16(0)
        append32(UInt32(truncatingIfNeeded: interface.snapshotLength))
        if let name = interface.name { appendOption(code: 2, string: name) }  // if_name
        appendOption(code: 9, bytes: [9])  // if_tsresol: 10^-9 seconds.
        try endBlock(withOptions: true)
        interfaceCount += 1
        return interfaceCount - 1
    }

    /// Writes one packet on interface `interface`, with `comment` as its opt_comment.
    public func write(_ packet: CapturedPacket, interface: Int, comment: String? = nil) throws(SystemCallError) {
        precondition(interface < interfaceCount, "write(_:interface:) needs an interface added first")
        beginBlock(type: 6)
        let units = UInt64(bitPattern: packet.timestamp.nanoseconds)
        append32(UInt32(interface))
        append32(UInt32(truncatingIfNeeded: units >> 32)); append32(UInt32(truncatingIfNeeded: units))
        append32(UInt32(packet.data.count)); append32(UInt32(truncatingIfNeeded: packet.originalLength))
        block.append(contentsOf: packet.data)
        pad()
        if let comment { appendOption(code: 1, string: comment) }  // opt_comment
        try endBlock(withOptions: comment != nil)
    }

    /// Writes what is buffered and closes the file.
    public func close() throws(SystemCallError) {
        guard isOpen else { return }
        isOpen = false
        defer { try? output.destination.close() }
        try output.flush()
    }

    // MARK: Block assembly

    private func beginBlock(type: UInt32) {
        block.removeAll(keepingCapacity: true)
        append32(type)
        append32(0)  // Total length, filled in by endBlock.
    }

    private func endBlock(withOptions: Bool) throws(SystemCallError) {
        if withOptions { append16(0); append16(0) }  // opt_endofopt
        let length = UInt32(block.count + 4)
        withUnsafeBytes(of: length) { bytes in
            for (index, byte) in bytes.enumerated() { block[4 + index] = byte }
        }
        append32(length)
        try output.write(bytes: block)
    }

    private func appendOption(code: UInt16, string: String) {
        appendOption(code: code, bytes: Array(string.utf8))
    }

    private func appendOption(code: UInt16, bytes: [UInt8]) {
        append16(code)
        append16(UInt16(bytes.count))
        block.append(contentsOf: bytes)
        pad()
    }

    private func pad() {
        while block.count % 4 != 0 { block.append(0) }
    }

    private func append16(_ value: UInt16) { withUnsafeBytes(of: value) { block.append(contentsOf: $0) } }
    private func append32(_ value: UInt32) { withUnsafeBytes(of: value) { block.append(contentsOf: $0) } }
}
