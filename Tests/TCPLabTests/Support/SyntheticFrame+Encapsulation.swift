import TCPLabPacket

/// Layer by layer builders for hand-made frames: a TCP header, then whatever wraps it (IP,
/// tunnels, link), so each encapsulation can be checked without a capture or privileges.
/// Lengths are filled in; checksums are left 0, as nothing here verifies them.
extension SyntheticFrame {
    /// A TCP header (20 bytes plus `options`, padded to 4) followed by `payload` bytes.
    static func tcpHeader(
        from source: UInt16 = 40000, to destination: UInt16 = 80, seq: UInt32 = 1000, ack: UInt32 = 0,
        flags: UInt16 = TCPFlags.syn.rawValue, window: UInt16 = 8192, options: [UInt8] = [], payload: Int = 0
    ) -> [UInt8] {
        let padded = options + [UInt8](repeating: 0, count: (4 - options.count % 4) % 4)
        let words = UInt16(5 + padded.count / 4)
        var header = net16(source) + net16(destination) + net32(seq) + net32(ack)
        header += net16(words << 12 | flags & 0x0FFF) + net16(window) + [0, 0, 0, 0]
        return header + padded + [UInt8](repeating: 0x2E, count: payload)
    }

    /// An IPv4 header (no options) for `payload`, protocol `nextProtocol` (6: TCP).
    static func ipv4(from source: [UInt8] = [10, 0, 0, 1], to destination: [UInt8] = [10, 0, 0, 2], protocol nextProtocol: UInt8 = 6, _ payload: [UInt8]) -> [UInt8] {
        [0x45, 0] + net16(UInt16(20 + payload.count)) + [0, 0, 0x40, 0, 64, nextProtocol, 0, 0] + source + destination + payload
    }

    /// An IPv6 header for `payload`, next header `nextHeader` (6: TCP); addresses end in `sourceLast` and `destinationLast`.
    static func ipv6(sourceLast: UInt8 = 1, destinationLast: UInt8 = 2, nextHeader: UInt8 = 6, _ payload: [UInt8]) -> [UInt8] {
        let prefix: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11)
        return [0x60, 0, 0, 0] + net16(UInt16(payload.count)) + [nextHeader, 64]
            + prefix + [sourceLast] + prefix + [destinationLast] + payload
    }

    /// A UDP header for `payload`.
    static func udp(from source: UInt16 = 50000, to destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        net16(source) + net16(destination) + net16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// An Ethernet II header of EtherType `type`, with `vlans` 802.1Q tags before it.
    static func ethernet(type: UInt16, vlans: [UInt16] = [], _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]
        for vlan in vlans { frame += net16(0x8100) + net16(vlan) }
        return frame + net16(type) + payload
    }

    /// The inner segment every encapsulation test carries: 10.0.0.1:40000 to 10.0.0.2:80, SYN, seq 1000.
    static var innerIPv4SYN: [UInt8] { ipv4(tcpHeader()) }

    /// The same over IPv6, 2001:db8::1 to 2001:db8::2.
    static var innerIPv6SYN: [UInt8] { ipv6(tcpHeader()) }

    /// A classic pcap file (microseconds, little-endian) holding `frames` as records.
    static func pcapFile(linkType: UInt32 = 1, snapshotLength: UInt32 = 65535, _ frames: [[UInt8]]) -> [UInt8] {
        var file = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snapshotLength) + le32(linkType)
        for (index, frame) in frames.enumerated() {
            file += le32(1_700_000_000) + le32(UInt32(index)) + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
        }
        return file
    }

    /// A little-endian pcapng block: type, length, `body` padded to 4, length again.
    static func pcapngBlock(type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        return le32(type) + le32(length) + padded + le32(length)
    }

    /// A little-endian pcapng Section Header Block, version 1.0, section length unknown.
    static var pcapngSectionHeader: [UInt8] {
        pcapngBlock(type: 0x0A0D_0D0A, le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8))
    }

    /// A pcapng Interface Description Block for Ethernet, with raw option bytes.
    static func pcapngInterface(options: [UInt8] = []) -> [UInt8] {
        pcapngBlock(type: 1, le16(1) + le16(0) + le32(65535) + options)
    }

    /// A pcapng option: code, length, value padded to 4.
    static func pcapngOption(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        le16(code) + le16(UInt16(value.count)) + value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    /// A pcapng Enhanced Packet Block on interface 0 with a 64-bit time in the interface's units.
    static func pcapngPacket(units: UInt64, _ frame: [UInt8]) -> [UInt8] {
        pcapngBlock(type: 6, le32(0) + le32(UInt32(units >> 32)) + le32(UInt32(units & 0xFFFF_FFFF))
            + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame)
    }

    static func net16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func net32(_ v: UInt32) -> [UInt8] { net16(UInt16(v >> 16)) + net16(UInt16(v & 0xFFFF)) }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
    static func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32)) }
}
