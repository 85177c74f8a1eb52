import TCPLabPacket
import XCTest

/// The TCP header as tshark shows it: cut by the snap length but still holding ports and
/// flags, with no flags, with every flag, and with the reserved bits set.
final class TCPHeaderDecodingTests: XCTestCase {
    private typealias F = SyntheticFrame

    /// A SYN with 20 bytes of options whose header the snap length cut after `kept` bytes.
    private func cutSYN(keeping kept: Int) -> DecodedPacket {
        let options: [UInt8] = [2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]
        let frame = F.ethernet(type: 0x0800, F.ipv4(F.tcpHeader(window: 5840, options: options)))
        return PacketDecoder.decode(Array(frame.prefix(14 + 20 + kept)), linkType: .ethernet, originalLength: frame.count)
    }

    /// Cut inside the options: the segment is there, with the options that were captured
    /// whole, and marked cut; a cut option is not "malformed".
    func testHeaderCutInsideTheOptionsStillGivesTheSegment() throws {
        guard case .tcp(let segment) = cutSYN(keeping: 34) else { return XCTFail("\(cutSYN(keeping: 34))") }
        XCTAssertTrue(segment.headerCut)
        XCTAssertEqual(segment.flags, .syn)
        XCTAssertEqual(segment.window, 5840)
        XCTAssertEqual(segment.headerLength, 40)
        XCTAssertEqual(segment.options.maximumSegmentSize, 1460)
        XCTAssertTrue(segment.options.sackPermitted)
        XCTAssertNil(segment.options.timestamp, "cut off")
        XCTAssertFalse(segment.options.isMalformed)
    }

    /// Cut after the flags but before the window: still a segment (the window reads 0).
    func testHeaderCutAfterTheFlagsStillGivesTheSegment() throws {
        guard case .tcp(let segment) = cutSYN(keeping: 14) else { return XCTFail("\(cutSYN(keeping: 14))") }
        XCTAssertTrue(segment.headerCut)
        XCTAssertEqual(segment.source.port, 40000)
        XCTAssertEqual(segment.sequenceNumber, 1000)
        XCTAssertEqual(segment.window, 0)
    }

    /// Cut before the flags: nothing to show; counted as a cut header.
    func testHeaderCutBeforeTheFlagsIsSkipped() {
        XCTAssertEqual(cutSYN(keeping: 13), .skipped(.headerCut))
        XCTAssertEqual(cutSYN(keeping: 0), .skipped(.headerCut))
    }

    /// A whole header is not marked cut.
    func testWholeHeaderIsNotMarkedCut() throws {
        guard case .tcp(let segment) = cutSYN(keeping: 40) else { return XCTFail() }
        XCTAssertFalse(segment.headerCut)
        XCTAssertNotNil(segment.options.timestamp)
        XCTAssertEqual(segment.options.windowScale, 7)
    }

    /// A segment with no flag at all (a "null scan") decodes, and reads as tshark writes it.
    func testSegmentWithNoFlagsDecodes() throws {
        let frame = F.ethernet(type: 0x0800, F.ipv4(F.tcpHeader(flags: 0)))
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet) else { return XCTFail() }
        XCTAssertEqual(segment.flags, [])
        XCTAssertEqual(segment.flags.letters, "")
        XCTAssertEqual(segment.flags.tsharkString, "············")
        XCTAssertEqual(segment.flags.description, "none")
    }

    /// Every one of the 12 bits set (a "Christmas tree" and then some): all kept, reserved
    /// bits included, as in tshark's "RRRACEUAPRSF".
    func testSegmentWithEveryFlagKeepsAllTwelveBits() throws {
        let frame = F.ethernet(type: 0x0800, F.ipv4(F.tcpHeader(flags: 0x0FFF)))
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet) else { return XCTFail() }
        XCTAssertEqual(segment.flags.rawValue, 0x0FFF)
        XCTAssertTrue(segment.flags.contains([.syn, .ack, .fin, .rst, .psh, .urg, .ece, .cwr, .ae, .reserved]))
        XCTAssertEqual(segment.flags.tsharkString, "RRRACEUAPRSF")
        XCTAssertEqual(segment.flags.letters, "SAFRPUECN")
        XCTAssertEqual(segment.headerLength, 20, "the data offset is not taken for flags")
    }

    /// zeek's rst-inject capture: RST+ACK with the AE bit and reserved bits set.
    func testReservedAndAEBitsReadAsTsharkShowsThem() throws {
        let frame = F.ethernet(type: 0x0800, F.ipv4(F.tcpHeader(flags: 0x0F14)))
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet) else { return XCTFail() }
        XCTAssertEqual(segment.flags.tsharkString, "RRRA···A·R··")
        XCTAssertEqual(TCPFlags(letters: "ARN"), [.ack, .rst, .ae])
    }

    /// A data offset below 5 words is impossible, cut or not.
    func testDataOffsetBelowTwentyBytesIsMalformed() {
        var header = F.tcpHeader()
        header[12] = 0x40
        XCTAssertEqual(PacketDecoder.decode(F.ethernet(type: 0x0800, F.ipv4(header)), linkType: .ethernet), .skipped(.malformed))
    }
}
