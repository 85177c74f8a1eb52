import Foundation
import TCPLabCapture
import TCPLabPacket
import XCTest

/// Capture files that lie: lengths, counts and times no honest writer produces. Each gets a
/// clear error or warning with the frames before it kept, in bounded memory, and never a
/// trap. No root, no network, no tshark.
final class HostileCaptureTests: XCTestCase {
    private typealias F = SyntheticFrame
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Every packet `path` holds, then the error that stopped the reading, if any.
    private func readAll(_ path: String) throws -> (packets: [CapturedPacket], error: CaptureFileError?) {
        let reader = try CaptureFileReader(path: path)
        var packets: [CapturedPacket] = []
        do {
            while let packet = try reader.next() { packets.append(packet) }
        } catch {
            return (packets, error)
        }
        return (packets, nil)
    }

    private var syn: [UInt8] { F.ethernet(type: 0x0800, F.innerIPv4SYN) }

    /// The 56-byte frame: an IPv6 hop-by-hop header claiming 48 bytes of which 2
    /// were captured. It stopped `tcplab inspect` with a Swift trap (exit 132); now it is a
    /// malformed frame, counted and passed over.
    func testHopByHopHeaderLongerThanTheCaptureIsMalformedNotATrap() throws {
        var ipv6 = F.ipv6(nextHeader: 0, [6, 5])
        ipv6[4] = 0; ipv6[5] = 100  // The payload length claims 100 bytes.
        let frame = F.ethernet(type: 0x86DD, ipv6)
        XCTAssertEqual(frame.count, 56)
        XCTAssertEqual(PacketDecoder.decode(frame, linkType: .ethernet), .skipped(.malformed))
        let run = try InspectRun.run([try file("hop-by-hop.pcap", F.pcapFile([frame])), "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual((run.objects.last?["skipped"] as? [String: Int])?["malformed header"], 1, run.stdout)
    }

    /// Every prefix of every kind of frame decodes to something, and none traps: the decoder
    /// never reads past what was captured.
    func testEveryTruncationOfATunnelledFrameDecodesWithoutTrapping() {
        let frames: [[UInt8]] = [
            syn,
            F.ethernet(type: 0x86DD, F.ipv6(nextHeader: 0, [6, 0, 0, 0, 0, 0, 0, 0] + F.tcpHeader(options: [2, 4, 5, 0xB4]))),
            F.ethernet(type: 0x0800, F.ipv4(from: [1, 1, 1, 1], to: [2, 2, 2, 2], protocol: 17,
                F.udp(to: 4789, [8, 0, 0, 0, 0, 0, 1, 0] + F.ethernet(type: 0x0800, F.innerIPv4SYN)))),
            F.ethernet(type: 0x0800, F.ipv4(from: [1, 1, 1, 1], to: [2, 2, 2, 2], protocol: 17,
                F.udp(from: 2152, to: 2152, [0x34, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0, 0, 0] + F.innerIPv6SYN))),
            F.ethernet(type: 0x8847, F.net32(100 << 12 | 0x100) + [0, 0, 0, 0] + syn),
            ipComp,
        ]
        for frame in frames {
            for length in 0...frame.count {
                let prefix = Array(frame.prefix(length))
                _ = PacketDecoder.decode(prefix, linkType: .ethernet, originalLength: frame.count)
                _ = PacketDecoder.decode(prefix, linkType: .ethernet)
            }
        }
    }

    /// IPv4 carrying IPComp with the inner SYN compressed by DEFLATE (fixed Huffman codes).
    private var ipComp: [UInt8] {
        let deflated: [UInt8] = [
            0x73, 0x65, 0x60, 0xD0, 0x60, 0x60, 0x70, 0x60, 0x70, 0x60, 0x63, 0x60, 0xE0, 0x62, 0x60, 0x60, 0x04, 0x62, 0xA6,
            0x39, 0x0E, 0x0C, 0x01, 0x0C, 0x0C, 0xCC, 0x2F, 0x18, 0x80, 0x20, 0x80, 0x49, 0x01, 0x44, 0x31, 0x00, 0x00,
        ]
        return F.ethernet(type: 0x0800, F.ipv4(from: [1, 1, 1, 1], to: [2, 2, 2, 2], protocol: 108, [4, 0, 0, 2] + deflated))
    }

    /// Every value of every byte of compressed data inflates, or fails to, without a trap:
    /// the inflater checks its tables, distances and output limit.
    func testEveryByteValueInCompressedDataInflatesWithoutTrapping() {
        let frame = ipComp
        XCTAssertNotEqual(PacketDecoder.decode(frame, linkType: .ethernet), .skipped(.notTCP))
        for position in 38..<frame.count {
            var damaged = frame
            for value in 0...255 {
                damaged[position] = UInt8(value)
                _ = PacketDecoder.decode(damaged, linkType: .ethernet)
            }
        }
    }

    /// Every single-byte value at every position of a tunnelled frame decodes without a trap:
    /// lengths, counts and offsets the bytes make up are all checked.
    func testEveryByteValueAtEveryPositionDecodesWithoutTrapping() {
        let frame = F.ethernet(type: 0x0800, F.ipv4(from: [1, 1, 1, 1], to: [2, 2, 2, 2], protocol: 47,
            [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1, 0x10, 0x01, 0, 5, 0, 0, 0, 0] + F.ethernet(type: 0x86DD, F.ipv6(nextHeader: 0, [6, 0, 0, 0, 0, 0, 0, 0] + F.tcpHeader(options: [8, 10, 0, 0, 0, 1, 0, 0, 0, 2])))))
        var decoded = 0
        for position in frame.indices {
            var damaged = frame
            for value in 0...255 {
                damaged[position] = UInt8(value)
                if case .tcp = PacketDecoder.decode(damaged, linkType: .ethernet) { decoded += 1 }
            }
        }
        XCTAssertGreaterThan(decoded, frame.count * 128, "most single-byte changes still leave a segment")
    }

    /// A pcap record claiming more than 256 KiB is a corrupt length whatever snap length the
    /// file claims (here 4 GiB): the frames before it are kept, nothing huge is allocated,
    /// and `inspect` warns and exits 2.
    func testPcapRecordLongerThanAnyPacketIsACorruptLength() throws {
        var bytes = F.pcapFile(snapshotLength: 0xFFFF_FFFF, [syn, syn])
        let second = 24 + 16 + syn.count
        bytes.replaceSubrange(second + 8 ..< second + 12, with: F.le32(262_145))
        bytes += [UInt8](repeating: 0, count: 300_000)
        let path = try file("long-record.pcap", bytes)
        let (packets, error) = try readAll(path)
        XCTAssertEqual(packets.count, 1)
        guard case .badLength(1, let offset, _)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(offset, second + 8)
        let run = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.segments.count, 1)
        XCTAssertTrue(run.stderr.contains("corrupt length"), run.stderr)
    }

    /// A record of exactly 256 KiB is still a packet.
    func testPcapRecordOfTheLargestSizeIsRead() throws {
        let big = syn + [UInt8](repeating: 0, count: 262_144 - syn.count)
        let (packets, error) = try readAll(try file("largest.pcap", F.pcapFile([big, syn])))
        XCTAssertNil(error)
        XCTAssertEqual(packets.map(\.data.count), [262_144, syn.count])
    }

    /// A packet block claiming nearly 4 GiB is refused before anything is read into memory.
    func testPcapngPacketBlockOfFourGiBIsACorruptLength() throws {
        var block = F.pcapngPacket(units: 0, syn)
        block.replaceSubrange(4..<8, with: F.le32(0xFFFF_FFF0))
        let bytes = F.pcapngSectionHeader + F.pcapngInterface() + F.pcapngPacket(units: 0, syn) + block
        let (packets, error) = try readAll(try file("huge-block.pcapng", bytes))
        XCTAssertEqual(packets.count, 1)
        guard case .badLength(1, _, let detail)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(detail.contains("4294967280"), detail)
    }

    /// A packet block whose captured length exceeds its block is a corrupt length.
    func testPcapngCapturedLengthPastItsBlockIsACorruptLength() throws {
        var block = F.pcapngPacket(units: 0, syn)
        block.replaceSubrange(20..<24, with: F.le32(0x7FFF_FFFF))
        let (packets, error) = try readAll(try file("caplen.pcapng", F.pcapngSectionHeader + F.pcapngInterface() + block))
        XCTAssertEqual(packets.count, 0)
        guard case .badLength(0, _, _)? = error else { return XCTFail("\(String(describing: error))") }
    }

    /// A block the reader does not use (here a custom block) is passed over by streaming:
    /// its length is believed only as far as the file goes, so a lying one ends in "cut short"
    /// after the packets before it, not in an allocation of its length.
    func testUnusedPcapngBlockIsStreamedPastWhateverItsLength() throws {
        let custom = F.le32(0x0000_0BAD) + F.le32(0xFFFF_FFFC) + [UInt8](repeating: 0x77, count: 64)
        let bytes = F.pcapngSectionHeader + F.pcapngInterface() + F.pcapngPacket(units: 0, syn) + custom
        let (packets, error) = try readAll(try file("custom.pcapng", bytes))
        XCTAssertEqual(packets.count, 1)
        guard case .truncated(1, _)? = error else { return XCTFail("\(String(describing: error))") }
        // And an honest large one (2 MiB of name resolution records) is passed over.
        let names = F.pcapngBlock(type: 4, [UInt8](repeating: 0x20, count: 2 << 20))
        let (all, none) = try readAll(try file("names.pcapng", F.pcapngSectionHeader + F.pcapngInterface() + names + F.pcapngPacket(units: 0, syn)))
        XCTAssertNil(none)
        XCTAssertEqual(all.count, 1)
    }

    /// if_tsresol in seconds with a 64-bit time, or if_tsoffset near Int64.max, overflow
    /// nanoseconds: a clear error naming the packet, after the packets before it.
    func testPcapngTimestampsThatOverflowAreAnError() throws {
        let seconds = F.pcapngInterface(options: F.pcapngOption(9, [0]) + F.pcapngOption(0, []))
        let overflow = F.pcapngSectionHeader + seconds + F.pcapngPacket(units: 1_700_000_000, syn) + F.pcapngPacket(units: UInt64.max, syn)
        let (packets, error) = try readAll(try file("resolution.pcapng", overflow))
        XCTAssertEqual(packets.map(\.timestamp.nanoseconds), [1_700_000_000 * 1_000_000_000])
        guard case .timestampOutOfRange(1, _)? = error else { return XCTFail("\(String(describing: error))") }

        let offset = F.pcapngInterface(options: F.pcapngOption(14, F.le64(UInt64(Int64.max))) + F.pcapngOption(0, []))
        let (none, offsetError) = try readAll(try file("offset.pcapng", F.pcapngSectionHeader + offset + F.pcapngPacket(units: 1, syn)))
        XCTAssertEqual(none.count, 0)
        guard case .timestampOutOfRange(0, _)? = offsetError else { return XCTFail("\(String(describing: offsetError))") }
        let run = try InspectRun.run([try file("resolution-run.pcapng", overflow), "--format", "jsonl"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("time is out of range"), run.stderr)
    }

    /// Binary and decimal resolutions finer and coarser than nanoseconds, and a negative
    /// offset, convert exactly.
    func testPcapngTimestampResolutionsAndOffsetConvert() throws {
        let cases: [(resolution: UInt8, offset: Int64, units: UInt64, nanoseconds: Int64)] = [
            (6, 0, 1_500_000, 1_500_000_000),  // Microseconds (the default).
            (12, 0, 1_500_000_000_123, 1_500_000_000),  // Picoseconds: finer, truncated.
            (0x80 | 10, 0, 3 << 10, 3_000_000_000),  // 2^-10 seconds.
            (0x80 | 0, 0, 2, 2_000_000_000),  // 2^0 seconds.
            (0x80 | 70, 0, UInt64.max, 15_624_999),  // 2^-70: all 128 bits of the product matter.
            (9, -10, 12_000_000_000, 2_000_000_000),  // Nanoseconds, 10 s earlier.
            (127, 0, UInt64.max, 0),  // 10^-127: no unit reaches a nanosecond.
        ]
        for entry in cases {
            let interface = F.pcapngInterface(
                options: F.pcapngOption(9, [entry.resolution]) + F.pcapngOption(14, F.le64(UInt64(bitPattern: entry.offset))) + F.pcapngOption(0, []))
            let (packets, error) = try readAll(try file("resolution-\(entry.resolution).pcapng", F.pcapngSectionHeader + interface + F.pcapngPacket(units: entry.units, syn)))
            XCTAssertNil(error, "\(entry)")
            XCTAssertEqual(packets.first?.timestamp.nanoseconds, entry.nanoseconds, "\(entry)")
        }
    }

    /// An option whose length runs past its block is malformed; the packets before it stay.
    func testPcapngOptionLongerThanItsBlockIsMalformed() throws {
        let interface = F.pcapngBlock(type: 1, F.le16(1) + F.le16(0) + F.le32(65535) + F.le16(2) + F.le16(0xFFFF) + [0x6C, 0x6F, 0, 0])
        let (packets, error) = try readAll(try file("option.pcapng", F.pcapngSectionHeader + interface))
        XCTAssertEqual(packets.count, 0)
        guard case .malformed(0, _, let detail)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(detail.contains("option longer than its block"), detail)
    }

    /// Truncating a capture file anywhere ends in the packets before the cut and at most
    /// one error: never a trap, never a packet made of bytes past the end.
    func testEveryTruncationOfACaptureFileIsReadSafely() throws {
        let pcap = F.pcapFile([syn, syn, syn])
        let pcapng = F.pcapngSectionHeader + F.pcapngInterface(options: F.pcapngOption(2, Array("eth0".utf8)) + F.pcapngOption(0, []))
            + F.pcapngPacket(units: 1, syn) + F.pcapngPacket(units: 2, syn)
        for (name, whole) in [("cut.pcap", pcap), ("cut.pcapng", pcapng)] {
            // Every third length (and so every field, cut at some byte of it) keeps the test quick.
            for length in stride(from: 0, to: whole.count, by: 3) {
                let path = try file(name, Array(whole.prefix(length)))
                guard let reader = try? CaptureFileReader(path: path) else { continue }
                var frames = 0
                while let packet = try? reader.next() {
                    XCTAssertEqual(packet.data.count, syn.count)
                    frames += 1
                }
                XCTAssertLessThanOrEqual(frames, 3)
            }
        }
    }
}
