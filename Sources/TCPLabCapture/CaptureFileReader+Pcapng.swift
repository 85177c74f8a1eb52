import TCPLabPacket

// pcapng (draft-ietf-opsawg-pcapng): a file is sections; each section is a Section Header
// Block, Interface Description Blocks, and packet and other blocks. Every block is
// type, total length, body, and the total length again.
extension CaptureFileReader {
    private enum BlockType {
        static let sectionHeader: UInt32 = 0x0A0D_0D0A
        static let interfaceDescription: UInt32 = 1
        static let obsoletePacket: UInt32 = 2
        static let simplePacket: UInt32 = 3
        static let enhancedPacket: UInt32 = 6
    }

    /// Blocks larger than this are taken as a corrupt length rather than read into memory.
    private static let largestBlock = 256 << 20

    func nextPcapngPacket() throws -> CapturedPacket? {
        while true {
            guard try source.require(8) else {
                if source.available == 0 { return nil }
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: source.offset)
            }
            let blockOffset = source.offset
            var type = source.uint32(at: 0, bigEndian: bigEndian)
            if type == BlockType.sectionHeader {
                // The byte-order magic decides how to read this section, its length included.
                guard try source.require(12) else {
                    throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
                }
                switch source.uint32(at: 8, bigEndian: false) {
                case 0x1A2B_3C4D: bigEndian = false
                case 0x4D3C_2B1A: bigEndian = true
                default:
                    throw CaptureFileError.malformed(
                        afterFrames: framesRead, offset: blockOffset + 8, detail: "a section header with no byte-order magic")
                }
                type = BlockType.sectionHeader
            }
            let length = Int(source.uint32(at: 4, bigEndian: bigEndian))
            guard length >= 12, length % 4 == 0, length <= Self.largestBlock else {
                throw CaptureFileError.badLength(
                    afterFrames: framesRead, offset: blockOffset + 4,
                    detail: "a block length of \(length) bytes; it must be a multiple of 4 and at least 12")
            }
            guard try source.require(length) else {
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
            }
            let trailer = Int(source.uint32(at: length - 4, bigEndian: bigEndian))
            guard trailer == length else {
                throw CaptureFileError.badLength(
                    afterFrames: framesRead, offset: blockOffset + length - 4,
                    detail: "a block that says \(length) bytes at its start and \(trailer) at its end")
            }
            defer { source.skip(length) }
            switch type {
            case BlockType.sectionHeader:
                try readSectionHeader(length: length, at: blockOffset)
            case BlockType.interfaceDescription:
                try readInterfaceDescription(length: length, at: blockOffset)
            case BlockType.enhancedPacket:
                return try readEnhancedPacket(length: length, at: blockOffset)
            case BlockType.simplePacket:
                return try readSimplePacket(length: length, at: blockOffset)
            case BlockType.obsoletePacket:
                return try readObsoletePacket(length: length, at: blockOffset)
            default:
                continue  // Name resolution, statistics, custom and other blocks.
            }
        }
    }

    private func readSectionHeader(length: Int, at offset: Int) throws {
        guard length >= 28 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a section header of \(length) bytes")
        }
        let major = Int(source.uint16(at: 12, bigEndian: bigEndian))
        let minor = Int(source.uint16(at: 14, bigEndian: bigEndian))
        guard major == 1 else { throw CaptureFileError.unsupportedVersion(major: major, minor: minor) }
        interfaces = []  // Interface numbers start again in each section.
    }

    private func readInterfaceDescription(length: Int, at offset: Int) throws {
        guard length >= 20 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "an interface description of \(length) bytes")
        }
        var interface = CaptureInterface(
            linkType: LinkType(rawValue: UInt32(source.uint16(at: 8, bigEndian: bigEndian))),
            snapshotLength: Int(source.uint32(at: 12, bigEndian: bigEndian)))
        try forEachOption(from: 16, to: length - 4, blockOffset: offset) { code, start, count in
            switch code {
            case 2:  // if_name
                interface.name = String(decoding: source.chunk[source.position + start ..< source.position + start + count], as: UTF8.self)
            case 9 where count >= 1:  // if_tsresol
                let value = source.chunk[source.position + start]
                interface.isBinaryResolution = value & 0x80 != 0
                interface.resolutionExponent = Int(value & 0x7F)
            case 14 where count >= 8:  // if_tsoffset
                let high = UInt64(source.uint32(at: start, bigEndian: bigEndian))
                let low = UInt64(source.uint32(at: start + 4, bigEndian: bigEndian))
                interface.offsetSeconds = Int64(bitPattern: bigEndian ? high << 32 | low : low << 32 | high)
            default:
                break
            }
        }
        interfaces.append(interface)
    }

    private func interface(_ index: Int, at offset: Int) throws -> CaptureInterface {
        guard index < interfaces.count else {
            throw CaptureFileError.unknownInterface(index: index, afterFrames: framesRead, offset: offset)
        }
        return interfaces[index]
    }

    private func readEnhancedPacket(length: Int, at offset: Int) throws -> CapturedPacket {
        guard length >= 32 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a packet block of \(length) bytes")
        }
        let index = Int(source.uint32(at: 8, bigEndian: bigEndian))
        let interface = try interface(index, at: offset)
        let units = UInt64(source.uint32(at: 12, bigEndian: bigEndian)) << 32 | UInt64(source.uint32(at: 16, bigEndian: bigEndian))
        let capturedLength = Int(source.uint32(at: 20, bigEndian: bigEndian))
        let originalLength = Int(source.uint32(at: 24, bigEndian: bigEndian))
        let padded = (capturedLength + 3) & ~3
        guard 28 + padded + 4 <= length else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: offset + 20,
                detail: "a packet of \(capturedLength) bytes in a block of \(length)")
        }
        let comment = try readComment(from: 28 + padded, to: length - 4, blockOffset: offset)
        return CapturedPacket(
            timestamp: interface.timestamp(units: units), linkType: interface.linkType, interfaceIndex: index,
            originalLength: max(originalLength, capturedLength),
            data: source.chunk[source.position + 28 ..< source.position + 28 + capturedLength], comment: comment)
    }

    private func readSimplePacket(length: Int, at offset: Int) throws -> CapturedPacket {
        guard length >= 16 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a simple packet block of \(length) bytes")
        }
        let interface = try interface(0, at: offset)
        let originalLength = Int(source.uint32(at: 8, bigEndian: bigEndian))
        var capturedLength = min(originalLength, length - 16)
        if interface.snapshotLength > 0 { capturedLength = min(capturedLength, interface.snapshotLength) }
        // A simple packet block has no timestamp; it takes the previous packet's time.
        return CapturedPacket(
            timestamp: lastTimestamp, linkType: interface.linkType, interfaceIndex: 0, originalLength: originalLength,
            data: source.chunk[source.position + 12 ..< source.position + 12 + capturedLength])
    }

    private func readObsoletePacket(length: Int, at offset: Int) throws -> CapturedPacket {
        guard length >= 32 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a packet block of \(length) bytes")
        }
        let index = Int(source.uint16(at: 8, bigEndian: bigEndian))
        let interface = try interface(index, at: offset)
        let units = UInt64(source.uint32(at: 12, bigEndian: bigEndian)) << 32 | UInt64(source.uint32(at: 16, bigEndian: bigEndian))
        let capturedLength = Int(source.uint32(at: 20, bigEndian: bigEndian))
        let originalLength = Int(source.uint32(at: 24, bigEndian: bigEndian))
        let padded = (capturedLength + 3) & ~3
        guard 28 + padded + 4 <= length else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: offset + 20, detail: "a packet of \(capturedLength) bytes in a block of \(length)")
        }
        let comment = try readComment(from: 28 + padded, to: length - 4, blockOffset: offset)
        return CapturedPacket(
            timestamp: interface.timestamp(units: units), linkType: interface.linkType, interfaceIndex: index,
            originalLength: max(originalLength, capturedLength),
            data: source.chunk[source.position + 28 ..< source.position + 28 + capturedLength], comment: comment)
    }

    private func readComment(from start: Int, to end: Int, blockOffset: Int) throws -> String? {
        guard end > start else { return nil }
        var comment: String?
        try forEachOption(from: start, to: end, blockOffset: blockOffset) { code, optionStart, count in
            if code == 1, comment == nil {  // opt_comment
                comment = String(decoding: source.chunk[source.position + optionStart ..< source.position + optionStart + count], as: UTF8.self)
            }
        }
        return comment
    }

    /// Calls `body` with each option's code, start (relative to the block) and length.
    private func forEachOption(from start: Int, to end: Int, blockOffset: Int, _ body: (UInt16, Int, Int) throws -> Void) throws {
        var cursor = start
        while cursor + 4 <= end {
            let code = source.uint16(at: cursor, bigEndian: bigEndian)
            let count = Int(source.uint16(at: cursor + 2, bigEndian: bigEndian))
            if code == 0 { break }  // opt_endofopt
            guard cursor + 4 + count <= end else {
                throw CaptureFileError.malformed(
                    afterFrames: framesRead, offset: blockOffset + cursor, detail: "an option longer than its block")
            }
            try body(code, cursor + 4, count)
            cursor += 4 + ((count + 3) & ~3)
        }
    }
}
