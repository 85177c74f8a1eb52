import TCPLabPacket
import TCPLabSystem

/// Reads packets from a pcap or pcapng file, one at a time, front to back.
///
/// Memory stays at about two 1 MiB chunks, whatever the file's size or claims: packets are
/// slices of the current chunk, a pcap record longer than 256 KiB or a pcapng packet or
/// interface block longer than 16 MiB is a corrupt length, and other pcapng blocks are
/// streamed past. Every field is read through ``ByteReader`` and every number from the file
/// is used with checked arithmetic (pcapng timestamps outside Int64 nanoseconds are an
/// error). Formats: classic pcap in microseconds or nanoseconds and either byte
/// order; pcapng with any number of sections and interfaces, Enhanced, Simple and the
/// obsolete Packet Blocks, per-interface timestamp resolution and offset, and packet comments.
///
/// When the file is damaged, ``next()`` returns every packet before the damage and then
/// throws; ``CaptureFileError/framesRead`` says how many came before.
public final class CaptureFileReader {
    /// The file's format, known once it is open.
    public let format: CaptureFileFormat
    /// The interfaces described so far (in the current pcapng section).
    public var interfaces: [CaptureInterface] { state.interfaces }
    /// How many packets ``next()`` has returned.
    public var framesRead: Int { state.framesRead }

    private let descriptor: FileDescriptor
    /// All the reader's mutable state, in one value that each call takes once: each of a
    /// class's stored properties is checked for exclusive access at run time on every use
    /// (a dozen checks a record, when these were the class's own); the members of a struct
    /// are checked by the compiler.
    ///
    /// Unchecked at run time as well (the one check a record was a tenth of reading it):
    /// no method's accesses overlap, and reading calls nothing outside the reader.
    @exclusivity(unchecked) var state: State

    /// What ``CaptureFileReader`` reads with and knows so far.
    struct State {
        /// The file's format.
        let format: CaptureFileFormat
        /// The file's bytes, read in chunks.
        var source: ByteSource
        /// The byte order of the file (pcap) or the current section (pcapng).
        var bigEndian: Bool
        /// The interfaces described so far (in the current pcapng section).
        var interfaces: [CaptureInterface] = []
        /// How many packets ``next()`` has returned.
        var framesRead = 0
        /// The time of the latest packet, for pcapng Simple Packet Blocks, which have none.
        var lastTimestamp = CaptureTimestamp(nanoseconds: 0)
        /// False once the file is closed.
        var isOpen = true
        /// A pcap file's one interface's link type, kept apart from ``interfaces`` so that a
        /// record copies no ``CaptureInterface`` (its name is a reference to count).
        var pcapLinkType = LinkType(rawValue: 0)
        /// Whether a pcap file's timestamps count nanoseconds rather than microseconds.
        var pcapNanoseconds = false
    }

    /// Opens `path` and reads its file header.
    public init(path: String) throws(CaptureFileError) {
        let descriptor: FileDescriptor
        let format: CaptureFileFormat
        let bigEndian: Bool
        do {
            descriptor = try FileDescriptor.openForReading(path)
        } catch {
            throw .system(error)
        }
        do {
            if try descriptor.isDirectory() { throw CaptureFileError.isDirectory }
            // A small file gets a chunk its size (plus one byte, to see the end in one
            // read), not the 1 MiB that suits a large one.
            let size = try descriptor.regularFileSize()
            var source = ByteSource(
                descriptor: descriptor, chunkSize: size.map { min($0 &+ 1, ByteSource.largestChunk) } ?? ByteSource.largestChunk)
            guard try source.require(4), let magicBytes = source.peek(4) else {
                throw source.available == 0
                    ? CaptureFileError.empty
                    : CaptureFileError.notACaptureFile(firstBytes: Array(source.buffered))
            }
            let magic = magicBytes.getInteger(at: 0, endianness: .little, as: UInt32.self)
            switch magic {
            case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1:
                let big = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
                format = .pcap(nanosecondResolution: magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1, bigEndian: big)
                bigEndian = big
            case 0x0A0D_0D0A:
                format = .pcapng
                bigEndian = false  // Set by each Section Header Block.
            default:
                throw CaptureFileError.notACaptureFile(firstBytes: Array(source.buffered.prefix(4)))
            }
            // The header is read before the reader exists, so a bad one closes the file once (here).
            var state = State(format: format, source: source, bigEndian: bigEndian)
            if case .pcap = format { try state.readPcapHeader() }
            self.format = format
            self.descriptor = descriptor
            self.state = state
        } catch let error as CaptureFileError {
            try? descriptor.close()
            throw error
        } catch let error as SystemCallError {
            try? descriptor.close()
            throw .system(error)
        } catch {
            try? descriptor.close()
            throw .malformed(afterFrames: 0, offset: 0, detail: "\(error)")
        }
    }

    deinit { close() }

    /// Closes the file; further ``next()`` calls return nil.
    public func close() {
        guard state.isOpen else { return }
        state.isOpen = false
        try? descriptor.close()
    }

    /// The next packet, or nil at the end of the file.
    public func next() throws(CaptureFileError) -> CapturedPacket? {
        try state.next()
    }

    /// The largest record a pcap file may hold, whatever snap length it claims: tshark's
    /// WTAP_MAX_PACKET_SIZE_STANDARD (262144, also libpcap's MAXIMUM_SNAPLEN). A longer
    /// record length is a corrupt length, not a reason to allocate.
    static let largestPacket = 262_144
}

extension CaptureFileReader.State {
    /// The next packet, or nil at the end of the file (or once it is closed).
    @inline(__always)
    mutating func next() throws(CaptureFileError) -> CapturedPacket? {
        guard isOpen else { return nil }
        // A pcap record's errors are typed already: returned from outside the `do` below,
        // its packet is not copied out of a temporary (a retain and a release a frame).
        if case .pcap = format { return try nextPcapRecord() }  // Counts the record itself.
        do {
            guard let packet = try nextPcapngPacket() else { return nil }
            framesRead += 1
            lastTimestamp = packet.timestamp
            return packet
        } catch let error as CaptureFileError {
            throw error
        } catch let error as SystemCallError {
            throw .system(error)
        } catch {
            throw .malformed(afterFrames: framesRead, offset: source.offset, detail: "\(error)")
        }
    }

    /// The byte order of the current file or section, for ``ByteReader``.
    var endianness: ByteReader.Endianness { bigEndian ? .big : .little }

    // MARK: Classic pcap

    mutating func readPcapHeader() throws {
        guard try source.require(24), let header = source.take(24) else {
            throw CaptureFileError.truncated(afterFrames: 0, offset: source.offset)
        }
        guard let major = header.getInteger(at: 4, endianness: endianness, as: UInt16.self),
            let minor = header.getInteger(at: 6, endianness: endianness, as: UInt16.self),
            let snapshotLength = header.getInteger(at: 16, endianness: endianness, as: UInt32.self),
            let linkTypeAndFCS = header.getInteger(at: 20, endianness: endianness, as: UInt32.self)
        else { throw CaptureFileError.truncated(afterFrames: 0, offset: 0) }
        guard major == 2 else { throw CaptureFileError.unsupportedVersion(major: Int(major), minor: Int(minor)) }
        // The upper bits may carry FCS information; the link type is the low 16.
        var interface = CaptureInterface(linkType: LinkType(rawValue: linkTypeAndFCS & 0xFFFF), snapshotLength: Int(snapshotLength))
        if case .pcap(true, _) = format { interface.resolutionExponent = 9 }
        interfaces = [interface]
        pcapLinkType = interface.linkType
        pcapNanoseconds = interface.resolutionExponent == 9
    }

    /// The next pcap record, counted in ``framesRead``; nil at the end of the file.
    @inline(__always)
    private mutating func nextPcapRecord() throws(CaptureFileError) -> CapturedPacket? {
        guard try require(16) else {
            if source.available == 0 { return nil }
            throw CaptureFileError.truncated(afterFrames: framesRead, offset: source.offset)
        }
        let recordOffset = source.offset
        // The four 32-bit fields in two loads: in the file's byte order, the first field of
        // each pair is the low half of a little-endian load and the high half of a big-endian one.
        guard let (times, lengths) = source.twoWords(bigEndian: bigEndian) else {
            throw CaptureFileError.truncated(afterFrames: framesRead, offset: recordOffset)
        }
        let (seconds, fraction) = Self.split(times, bigEndian: bigEndian)
        let (capturedLength, originalLength) = Self.split(lengths, bigEndian: bigEndian)
        guard capturedLength <= CaptureFileReader.largestPacket else {
            throw CaptureFileError.badLength(
                afterFrames: framesRead, offset: recordOffset + 8,
                detail: "a record of \(capturedLength) bytes; no packet is longer than \(CaptureFileReader.largestPacket)")
        }
        let recordLength = 16 + Int(capturedLength)  // At most 16 + 262144.
        guard try require(recordLength) else {
            throw CaptureFileError.truncated(afterFrames: framesRead, offset: recordOffset)
        }
        guard let data = source.slice(at: 16, count: Int(capturedLength)), source.skip(recordLength) else {
            throw CaptureFileError.truncated(afterFrames: framesRead, offset: recordOffset)
        }
        // Both fit: 2^32 seconds are 4.3e18 ns (Int64 holds 9.2e18), 2^32 microseconds 4.3e15 ns.
        let nanoseconds = pcapNanoseconds ? Int64(fraction) : Int64(fraction) * 1000
        let timestamp = CaptureTimestamp(nanoseconds: Int64(seconds) * 1_000_000_000 + nanoseconds)
        framesRead += 1
        lastTimestamp = timestamp
        return CapturedPacket(
            timestamp: timestamp, linkType: pcapLinkType, interfaceIndex: 0,
            originalLength: max(Int(originalLength), Int(capturedLength)), data: data, comment: nil)
    }

    /// ``ByteSource/require(_:)``, its error typed as the reader's.
    @inline(__always)
    private mutating func require(_ count: Int) throws(CaptureFileError) -> Bool {
        do { return try source.require(count) } catch { throw .system(error) }
    }

    /// Two 32-bit fields that lie one after the other in the file, from one 64-bit load made
    /// in the file's byte order: (first, second).
    @inline(__always)
    static func split(_ pair: UInt64, bigEndian: Bool) -> (UInt32, UInt32) {
        let high = UInt32(truncatingIfNeeded: pair &>> 32)
        let low = UInt32(truncatingIfNeeded: pair)
        return bigEndian ? (high, low) : (low, high)
    }
}
