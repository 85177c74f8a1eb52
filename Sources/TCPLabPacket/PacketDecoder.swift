/// Decodes captured frames (link header, IPv4 or IPv6, TCP) into ``TCPSegment`` values.
///
/// Link types: Ethernet with any number of 802.1Q / 802.1ad tags, Linux cooked capture
/// (SLL and SLL2), BSD null and OpenBSD loop, and raw IP. IPv6 extension headers are
/// skipped (RFC 8200 section 4). The decoder never reads past the captured bytes.
public enum PacketDecoder {
    /// Decodes one frame.
    ///
    /// - Parameters:
    ///   - frame: The captured bytes, starting with the link-layer header.
    ///   - linkType: The capture interface's link type.
    ///   - originalLength: The frame's length on the wire; more than `frame.count` when the
    ///     snap length cut it. Used to tell a cut header from a malformed one.
    public static func decode(_ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        let wasCut = (originalLength ?? frame.count) > frame.count
        return frame.withUnsafeBytes { decode($0, linkType: linkType, wasCut: wasCut) }
    }

    /// The same, for a whole array.
    public static func decode(_ frame: [UInt8], linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        decode(frame[...], linkType: linkType, originalLength: originalLength)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wasCut: Bool) -> DecodedPacket {
        let short: DecodedPacket = .skipped(wasCut ? .headerCut : .malformed)
        var offset: Int
        var etherType: UInt16?
        switch linkType {
        case .ethernet:
            guard bytes.count >= 14 else { return short }
            offset = 12
            var type = bytes.loadBigEndianUInt16(at: offset)
            // 802.1Q, 802.1ad and the older QinQ tag: 4 bytes each, the type follows.
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                offset += 4
                guard bytes.count >= offset + 2 else { return short }
                type = bytes.loadBigEndianUInt16(at: offset)
            }
            offset += 2
            etherType = type
        case .linuxSLL:
            guard bytes.count >= 16 else { return short }
            etherType = bytes.loadBigEndianUInt16(at: 14)
            offset = 16
        case .linuxSLL2:
            guard bytes.count >= 20 else { return short }
            etherType = bytes.loadBigEndianUInt16(at: 0)
            offset = 20
        case .null, .loop:
            guard bytes.count >= 4 else { return short }
            // The family is in the writer's byte order for NULL, network order for LOOP;
            // IPv6 is 24, 28 or 30 depending on the BSD that wrote it.
            let family = bytes.loadUnaligned(as: UInt32.self)
            let candidates = linkType == .loop ? [UInt32(bigEndian: family)] : [family, family.byteSwapped]
            if candidates.contains(2) {
                etherType = 0x0800
            } else if candidates.contains(where: { $0 == 24 || $0 == 28 || $0 == 30 }) {
                etherType = 0x86DD
            } else {
                return .skipped(.notIP)
            }
            offset = 4
        case .raw, .rawBSD12, .rawBSD14, .ipv4, .ipv6:
            offset = 0
            etherType = nil
        default:
            return .skipped(.unsupportedLinkType)
        }
        let network = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        switch etherType {
        case 0x0800: return decodeIPv4(network, wasCut: wasCut)
        case 0x86DD: return decodeIPv6(network, wasCut: wasCut)
        case nil:
            guard let first = network.first else { return short }
            switch first >> 4 {
            case 4: return decodeIPv4(network, wasCut: wasCut)
            case 6: return decodeIPv6(network, wasCut: wasCut)
            default: return .skipped(.malformed)
            }
        default:
            return .skipped(.notIP)
        }
    }

    static func decodeIPv4(_ bytes: UnsafeRawBufferPointer, wasCut: Bool) -> DecodedPacket {
        guard bytes.count >= 20 else { return .skipped(wasCut ? .headerCut : .malformed) }
        let versionAndLength = bytes[0]
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard versionAndLength >> 4 == 4, headerLength >= 20 else { return .skipped(.malformed) }
        guard bytes.count >= headerLength else { return .skipped(wasCut ? .headerCut : .malformed) }
        var totalLength = Int(bytes.loadBigEndianUInt16(at: 2))
        // With segmentation offload a sender's capture shows 0; trust the frame then.
        if totalLength == 0 && !wasCut { totalLength = bytes.count }
        guard totalLength >= headerLength else { return .skipped(.malformed) }
        let fragment = bytes.loadBigEndianUInt16(at: 6)
        if fragment & 0x3FFF != 0 { return .skipped(.fragment) }  // MF set or offset > 0.
        guard bytes[9] == 6 else { return .skipped(.notTCP) }
        let source = IPAddress.v4(bytes.loadBigEndianUInt32(at: 12))
        let destination = IPAddress.v4(bytes.loadBigEndianUInt32(at: 16))
        return decodeTCP(
            UnsafeRawBufferPointer(rebasing: bytes[headerLength...]),
            declaredLength: totalLength - headerLength, source: source, destination: destination, wasCut: wasCut)
    }

    static func decodeIPv6(_ bytes: UnsafeRawBufferPointer, wasCut: Bool) -> DecodedPacket {
        guard bytes.count >= 40 else { return .skipped(wasCut ? .headerCut : .malformed) }
        guard bytes[0] >> 4 == 6 else { return .skipped(.malformed) }
        var remaining = Int(bytes.loadBigEndianUInt16(at: 4))
        if remaining == 0 && !wasCut { remaining = bytes.count - 40 }  // Jumbogram or offload.
        let source = IPAddress.v6(high: bytes.loadBigEndianUInt64(at: 8), low: bytes.loadBigEndianUInt64(at: 16))
        let destination = IPAddress.v6(high: bytes.loadBigEndianUInt64(at: 24), low: bytes.loadBigEndianUInt64(at: 32))
        var nextHeader = bytes[6]
        var offset = 40
        // Walk the extension headers (RFC 8200 section 4) to the upper-layer header.
        while true {
            switch nextHeader {
            case 6:
                return decodeTCP(
                    UnsafeRawBufferPointer(rebasing: bytes[offset...]),
                    declaredLength: remaining, source: source, destination: destination, wasCut: wasCut)
            case 0, 43, 60, 135, 139, 140:  // Hop-by-hop, routing, destination, mobility, HIP, shim6.
                guard bytes.count >= offset + 2 else { return .skipped(wasCut ? .headerCut : .malformed) }
                let length = (Int(bytes[offset + 1]) + 1) * 8
                guard remaining >= length else { return .skipped(.malformed) }
                nextHeader = bytes[offset]
                offset += length
                remaining -= length
            case 44:  // Fragment header: only the first fragment starts with the TCP header.
                return .skipped(.fragment)
            case 51:  // Authentication header: length in 4-byte units, minus 2.
                guard bytes.count >= offset + 2 else { return .skipped(wasCut ? .headerCut : .malformed) }
                let length = (Int(bytes[offset + 1]) + 2) * 4
                guard remaining >= length else { return .skipped(.malformed) }
                nextHeader = bytes[offset]
                offset += length
                remaining -= length
            default:
                return .skipped(.notTCP)
            }
        }
    }

    static func decodeTCP(
        _ bytes: UnsafeRawBufferPointer, declaredLength: Int, source: IPAddress, destination: IPAddress, wasCut: Bool
    ) -> DecodedPacket {
        guard bytes.count >= 20 else { return .skipped(wasCut ? .headerCut : .malformed) }
        let headerLength = Int(bytes[12] >> 4) * 4
        guard headerLength >= 20, declaredLength >= headerLength else { return .skipped(.malformed) }
        guard bytes.count >= headerLength else { return .skipped(wasCut ? .headerCut : .malformed) }
        let options = headerLength > 20
            ? TCPOptions(parsing: UnsafeRawBufferPointer(rebasing: bytes[20..<headerLength]))
            : TCPOptions()
        return .tcp(TCPSegment(
            source: Endpoint(address: source, port: bytes.loadBigEndianUInt16(at: 0)),
            destination: Endpoint(address: destination, port: bytes.loadBigEndianUInt16(at: 2)),
            sequenceNumber: bytes.loadBigEndianUInt32(at: 4),
            acknowledgmentNumber: bytes.loadBigEndianUInt32(at: 8),
            flags: TCPFlags(rawValue: bytes.loadBigEndianUInt16(at: 12) & 0x01FF),
            window: bytes.loadBigEndianUInt16(at: 14),
            headerLength: headerLength,
            payloadLength: declaredLength - headerLength,
            options: options))
    }
}
