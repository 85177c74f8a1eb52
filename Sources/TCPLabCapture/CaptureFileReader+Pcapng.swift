import TCPLabPacket

// pcapng (draft-ietf-opsawg-pcapng): a file is sections; each section is a Section Header
// Block, Interface Description Blocks, and packet and other blocks. Every block is
// type, total length, body, and the total length again.
extension CaptureFileReader.State {
    private enum BlockType {
        static let sectionHeader: UInt32 = 0x0A0D_0D0A
        static let interfaceDescription: UInt32 = 1
        static let obsoletePacket: UInt32 = 2
        static let simplePacket: UInt32 = 3
        static let enhancedPacket: UInt32 = 6
    }

    /// The longest block read into memory: a packet block holds at most
    /// ``CaptureFileReader/largestPacket`` bytes of packet, so 16 MiB leaves ample room for
    /// options and comments while a lying length costs no more than that. Blocks the reader
    /// does not use are passed over by streaming, whatever length they declare.
    static let largestBlock = 16 << 20

    /// The most interfaces one section may describe: the obsolete Packet Block numbers them in
    /// 16 bits, and each costs memory for the rest of the section.
    static let largestInterfaceCount = 1 << 16

    mutating func nextPcapngPacket() throws -> CapturedPacket? {
        while true {
            guard try source.require(8) else {
                if source.available == 0 { return nil }
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: source.offset)
            }
            let blockOffset = source.offset
            // The block's first fields are read through views that end with each statement:
            // one held while the source refills would make the refill copy its buffer.
            // The section header's type reads the same in either byte order.
            guard let type = source.peek(8)?.getInteger(at: 0, endianness: endianness, as: UInt32.self) else {
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
            }
            if type == BlockType.sectionHeader {
                // The byte-order magic decides how to read this section, its length included.
                guard try source.require(12), let magic = source.peek(12)?.getInteger(at: 8, endianness: .little, as: UInt32.self) else {
                    throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
                }
                switch magic {
                case 0x1A2B_3C4D: bigEndian = false
                case 0x4D3C_2B1A: bigEndian = true
                default:
                    throw CaptureFileError.malformed(
                        afterFrames: framesRead, offset: blockOffset + 8, detail: "a section header with no byte-order magic")
                }
            }
            guard let declared = source.peek(8)?.getInteger(at: 4, endianness: endianness, as: UInt32.self) else {
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
            }
            let length = Int(declared)
            guard length >= 12, length % 4 == 0 else {
                throw CaptureFileError.badLength(
                    afterFrames: framesRead, offset: blockOffset + 4,
                    detail: "a block length of \(length) bytes; it must be a multiple of 4 and at least 12")
            }
            switch type {
            case BlockType.sectionHeader, BlockType.interfaceDescription, BlockType.enhancedPacket,
                BlockType.simplePacket, BlockType.obsoletePacket:
                break
            default:
                // Name resolution, statistics, custom and other blocks: passed over without
                // holding them, then the trailing length is checked as for any block.
                guard try source.discard(length - 4), try source.require(4),
                    let trailer = source.take(4)?.getInteger(at: 0, endianness: endianness, as: UInt32.self)
                else { throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset) }
                try checkTrailer(trailer, of: declared, at: blockOffset)
                continue
            }
            guard length <= Self.largestBlock else {
                throw CaptureFileError.badLength(
                    afterFrames: framesRead, offset: blockOffset + 4,
                    detail: "a block of \(length) bytes; tcplab reads packet and interface blocks of up to \(Self.largestBlock >> 20) MiB")
            }
            guard try source.require(length), let block = source.take(length) else {
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
            }
            guard let trailer = block.getInteger(at: length - 4, endianness: endianness, as: UInt32.self) else {
                throw CaptureFileError.truncated(afterFrames: framesRead, offset: blockOffset)
            }
            try checkTrailer(trailer, of: declared, at: blockOffset)
            switch type {
            case BlockType.sectionHeader:
                try readSectionHeader(block, at: blockOffset)
            case BlockType.interfaceDescription:
                try readInterfaceDescription(block, at: blockOffset)
            case BlockType.enhancedPacket:
                return try readPacket(block, at: blockOffset, interfaceIDSize: 4)
            case BlockType.obsoletePacket:
                return try readPacket(block, at: blockOffset, interfaceIDSize: 2)
            default:
                return try readSimplePacket(block, at: blockOffset)
            }
        }
    }

    private func checkTrailer(_ trailer: UInt32, of declared: UInt32, at blockOffset: Int) throws {
        guard trailer == declared else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: blockOffset + Int(declared) - 4,
                detail: "a block that says \(declared) bytes at its start and \(trailer) at its end")
        }
    }

    /// A field every block of this type has; the block's length was checked first, so a
    /// missing one means that check was wrong, reported as a corrupt length all the same.
    private func field<T: FixedWidthInteger>(_ block: ByteReader, at offset: Int, _ blockOffset: Int, as: T.Type = T.self) throws -> T {
        guard let value = block.getInteger(at: offset, endianness: endianness, as: T.self) else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: blockOffset + 4, detail: "a block of \(block.count) bytes, too short for its type")
        }
        return value
    }

    private mutating func readSectionHeader(_ block: ByteReader, at offset: Int) throws {
        guard block.count >= 28 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a section header of \(block.count) bytes")
        }
        let major: UInt16 = try field(block, at: 12, offset)
        let minor: UInt16 = try field(block, at: 14, offset)
        guard major == 1 else { throw CaptureFileError.unsupportedVersion(major: Int(major), minor: Int(minor)) }
        interfaces = []  // Interface numbers start again in each section.
    }

    private mutating func readInterfaceDescription(_ block: ByteReader, at offset: Int) throws {
        guard block.count >= 20 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "an interface description of \(block.count) bytes")
        }
        guard interfaces.count < Self.largestInterfaceCount else {
            throw CaptureFileError.malformed(
                afterFrames: framesRead, offset: offset, detail: "more than \(Self.largestInterfaceCount) interfaces in one section")
        }
        let linkType: UInt16 = try field(block, at: 8, offset)
        let snapshotLength: UInt32 = try field(block, at: 12, offset)
        var interface = CaptureInterface(linkType: LinkType(rawValue: UInt32(linkType)), snapshotLength: Int(snapshotLength))
        try forEachOption(in: block, from: 16, blockOffset: offset) { code, value in
            switch code {
            case 2:  // if_name; a name longer than any interface's is cut, so interfaces stay small.
                interface.name = String(decoding: value.readableBytesView.prefix(256), as: UTF8.self)
            case 9:  // if_tsresol
                guard let resolution = value.getInteger(at: 0, as: UInt8.self) else { break }
                interface.isBinaryResolution = resolution & 0x80 != 0
                interface.resolutionExponent = Int(resolution & 0x7F)
            case 14:  // if_tsoffset, signed seconds.
                guard let seconds = value.getInteger(at: 0, endianness: endianness, as: Int64.self) else { break }
                interface.offsetSeconds = seconds
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

    /// An Enhanced Packet Block (a 32-bit interface ID) or the obsolete Packet Block (16-bit
    /// interface ID, 16-bit drop count): the same layout after that.
    private func readPacket(_ block: ByteReader, at offset: Int, interfaceIDSize: Int) throws -> CapturedPacket {
        guard block.count >= 32 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a packet block of \(block.count) bytes")
        }
        let index = interfaceIDSize == 4 ? Int(try field(block, at: 8, offset, as: UInt32.self)) : Int(try field(block, at: 8, offset, as: UInt16.self))
        let interface = try interface(index, at: offset)
        let unitsHigh: UInt32 = try field(block, at: 12, offset)
        let unitsLow: UInt32 = try field(block, at: 16, offset)
        let capturedLength = Int(try field(block, at: 20, offset, as: UInt32.self))
        let originalLength = Int(try field(block, at: 24, offset, as: UInt32.self))
        guard capturedLength <= CaptureFileReader.largestPacket, let data = block.getBytes(at: 28, length: capturedLength) else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: offset + 20,
                detail: "a packet of \(capturedLength) bytes in a block of \(block.count)")
        }
        guard let timestamp = interface.timestamp(units: UInt64(unitsHigh) << 32 | UInt64(unitsLow)) else {
            throw CaptureFileError.timestampOutOfRange(afterFrames: framesRead, offset: offset + 12)
        }
        // Options follow the packet, padded to 4 bytes.
        let optionsStart = 28 + (capturedLength + 3) & ~3
        var comment: String?
        if optionsStart < block.count - 4 {
            try forEachOption(in: block, from: optionsStart, blockOffset: offset) { code, value in
                if code == 1, comment == nil {  // opt_comment
                    comment = String(decoding: value.readableBytesView, as: UTF8.self)
                }
            }
        }
        return CapturedPacket(
            timestamp: timestamp, linkType: interface.linkType, interfaceIndex: index,
            originalLength: max(originalLength, capturedLength), data: data, comment: comment)
    }

    private func readSimplePacket(_ block: ByteReader, at offset: Int) throws -> CapturedPacket {
        guard block.count >= 16 else {
            throw CaptureFileError.badLength(afterFrames: framesRead, offset: offset + 4, detail: "a simple packet block of \(block.count) bytes")
        }
        let interface = try interface(0, at: offset)
        let originalLength = Int(try field(block, at: 8, offset, as: UInt32.self))
        var capturedLength = min(originalLength, block.count - 16)
        if interface.snapshotLength > 0 { capturedLength = min(capturedLength, interface.snapshotLength) }
        guard let data = block.getBytes(at: 12, length: capturedLength) else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: offset + 8, detail: "a packet of \(capturedLength) bytes in a block of \(block.count)")
        }
        // A simple packet block has no timestamp; it takes the previous packet's time.
        return CapturedPacket(
            timestamp: lastTimestamp, linkType: interface.linkType, interfaceIndex: 0, originalLength: originalLength, data: data)
    }

    /// Calls `body` with each option's code and value, from `start` to the block's trailing length.
    private func forEachOption(in block: ByteReader, from start: Int, blockOffset: Int, _ body: (UInt16, ByteReader) throws -> Void) throws {
        guard var options = block.getSlice(at: start, length: block.count - 4 - start) else { return }
        while options.readableBytes >= 4 {
            let optionOffset = options.readerIndex
            guard let code = options.readInteger(endianness: endianness, as: UInt16.self),
                let count = options.readInteger(endianness: endianness, as: UInt16.self)
            else { return }
            if code == 0 { return }  // opt_endofopt
            guard let value = options.readSlice(length: Int(count)) else {
                throw CaptureFileError.malformed(
                    afterFrames: framesRead, offset: blockOffset + start + optionOffset, detail: "an option longer than its block")
            }
            try body(code, value)
            // Values are padded to 4 bytes; the last one's padding may be missing.
            let padding = (4 - Int(count) % 4) % 4
            if !options.moveReaderIndex(forwardBy: padding) { return }
        }
    }
}
