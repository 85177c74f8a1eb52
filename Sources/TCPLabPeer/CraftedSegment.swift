import TCPLabPacket

/// A TCP segment built by hand, with the IPv4 or IPv6 header that carries it: the bytes
/// the scripted peer writes into the TUN device.
///
/// Stands for the headers of RFC 791 (IPv4), RFC 8200 (IPv6) and RFC 9293 section 3.1
/// (TCP), with the checksums over the pseudo-header (RFC 9293 3.1, RFC 8200 8.1) the
/// kernel verifies on every segment it receives.
public struct CraftedSegment: Sendable {
    /// The header fields, as the decoder would read them back (its payload length is the
    /// payload's).
    public var header: TCPSegment
    /// The payload.
    public var payload: [UInt8]

    /// A segment with these header fields (both ends IPv4, or both IPv6) and payload.
    public init(header: TCPSegment, payload: [UInt8] = []) {
        self.header = header
        self.header.payloadLength = payload.count
        self.payload = payload
    }

    /// The option bytes, laid out as Linux lays out a SYN's (MSS, SACK-permitted with
    /// timestamps, window scale), padded with NOPs to a multiple of four.
    var optionBytes: [UInt8] {
        var bytes: [UInt8] = []
        let options = header.options
        if let mss = options.maximumSegmentSize { bytes += [2, 4] + Self.bigEndian(mss) }
        switch (options.sackPermitted, options.timestamp) {
        case (true, let ts?): bytes += [4, 2, 8, 10] + Self.bigEndian(ts.value) + Self.bigEndian(ts.echoReply)
        case (false, let ts?): bytes += [1, 1, 8, 10] + Self.bigEndian(ts.value) + Self.bigEndian(ts.echoReply)
        case (true, nil): bytes += [1, 1, 4, 2]
        case (false, nil): break
        }
        if let shift = options.windowScale { bytes += [1, 3, 3, shift] }
        while bytes.count % 4 != 0 { bytes.append(1) }
        return bytes
    }

    /// The TCP header and payload, with the checksum field zero.
    private var tcpBytes: [UInt8] {
        let options = optionBytes
        let headerLength = 20 + options.count
        var bytes = Self.bigEndian(header.source.port) + Self.bigEndian(header.destination.port)
        bytes += Self.bigEndian(header.sequenceNumber) + Self.bigEndian(header.acknowledgmentNumber)
        bytes += Self.bigEndian(UInt16(headerLength / 4) << 12 | (header.flags.rawValue & 0x01FF))
        bytes += Self.bigEndian(header.window) + [0, 0, 0, 0]  // Checksum, urgent pointer.
        return bytes + options + payload
    }

    /// The whole IP packet, checksums filled in. IPv4 sets DF and TTL 64; IPv6 hop limit 64.
    public func packet(identification: UInt16 = 0) -> [UInt8] {
        var tcp = tcpBytes
        let length = UInt32(tcp.count)
        var pseudo: [UInt8]
        var ip: [UInt8]
        switch (header.source.address, header.destination.address) {
        case (.v4(let from), .v4(let to)):
            pseudo = Self.bigEndian(from) + Self.bigEndian(to) + [0, 6] + Self.bigEndian(UInt16(truncatingIfNeeded: length))
            ip = [0x45, 0] + Self.bigEndian(UInt16(truncatingIfNeeded: 20 + length)) + Self.bigEndian(identification)
            ip += [0x40, 0, 64, 6, 0, 0] + Self.bigEndian(from) + Self.bigEndian(to)
            let sum = Self.checksum(ip)
            ip[10] = UInt8(sum >> 8)
            ip[11] = UInt8(sum & 0xFF)
        case (.v6(let fromHigh, let fromLow), .v6(let toHigh, let toLow)):
            let addresses = Self.bigEndian(fromHigh) + Self.bigEndian(fromLow) + Self.bigEndian(toHigh) + Self.bigEndian(toLow)
            pseudo = addresses + Self.bigEndian(length) + [0, 0, 0, 6]
            ip = [0x60, 0, 0, 0] + Self.bigEndian(UInt16(truncatingIfNeeded: length)) + [6, 64] + addresses
        default:
            preconditionFailure("a segment's two ends are both IPv4 or both IPv6; the lab file reader checks it")
        }
        let sum = Self.checksum(pseudo + tcp)
        tcp[16] = UInt8(sum >> 8)
        tcp[17] = UInt8(sum & 0xFF)
        return ip + tcp
    }

    /// The Internet checksum (RFC 1071): the one's complement of the one's complement sum
    /// of the 16-bit words, an odd last byte padded with zero.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum &+= UInt32(bytes[index]) << 8 }
        // Packets are at most 64 KiB, so the sum fits and two folds end the carries.
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        return ~UInt16(truncatingIfNeeded: sum)
    }

    static func bigEndian<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
        (0..<Value.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
