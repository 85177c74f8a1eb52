import TCPLabCapture
import TCPLabPacket
import XCTest

/// IP fragmentation splits a datagram too large for a link into fragments that only the
/// receiver puts back together (RFC 791 section 3.2; RFC 8200 section 4.5 for IPv6). A
/// fragment alone holds no TCP segment, or only the start of one: the segment exists at the
/// frame whose fragment completes its datagram, which is where tshark shows it.
final class FragmentReassemblyTests: XCTestCase {
    private let client = Endpoint(address: IPAddress("192.0.2.1")!, port: 40000)
    private let server = Endpoint(address: IPAddress("198.51.100.2")!, port: 80)
    private let start: Int64 = 1_700_000_000_000_000_000

    /// A 3,000-byte segment's datagram, cut in three.
    private func segmentInThree(from: Endpoint? = nil, to: Endpoint? = nil) -> [[UInt8]] {
        let frame = SyntheticFrame.tcp(from: from ?? client, to: to ?? server, seq: 1000, ack: 1, flags: [.ack, .psh], payload: 3000)
        return SyntheticFrame.fragments(of: frame, sizes: [1480, 1480, 0])
    }

    private func decode(_ frames: [[UInt8]], with reassembler: FragmentReassembler, timeStep: Int64 = 1_000_000) -> [DecodedPacket] {
        frames.enumerated().map { index, frame in
            PacketDecoder.decode(frame[...], linkType: .ethernet, reassembling: reassembler, time: start + Int64(index) * timeStep)
        }
    }

    /// Fragments arriving out of order (last, first, middle) still make one segment, at the
    /// frame of the fragment that completed the datagram; the other frames are fragments.
    func testFragmentsOutOfOrderMakeOneSegmentAtTheFrameThatCompletesIt() throws {
        let pieces = segmentInThree()
        let decoded = decode([pieces[2], pieces[0], pieces[1]], with: FragmentReassembler())
        XCTAssertEqual(decoded[0], .skipped(.fragment))
        XCTAssertEqual(decoded[1], .skipped(.fragment))
        guard case .tcp(let segment) = decoded[2] else { return XCTFail("no segment: \(decoded[2])") }
        XCTAssertEqual(segment.source, client)
        XCTAssertEqual(segment.destination, server)
        XCTAssertEqual(segment.sequenceNumber, 1000)
        XCTAssertEqual(segment.payloadLength, 3000)
        XCTAssertNil(segment.payloadOffset, "the payload is in the reassembled datagram, not in any one frame")
    }

    /// IPv6 fragments, each behind a Fragment header, are put back together the same way.
    func testIPv6FragmentsMakeOneSegment() throws {
        let client6 = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let server6 = Endpoint(address: IPAddress("2001:db8::2")!, port: 443)
        let decoded = decode(segmentInThree(from: client6, to: server6), with: FragmentReassembler())
        XCTAssertEqual(Array(decoded[0 ..< 2]), [.skipped(.fragment), .skipped(.fragment)])
        guard case .tcp(let segment) = decoded[2] else { return XCTFail("no segment: \(decoded[2])") }
        XCTAssertEqual(segment.destination, server6)
        XCTAssertEqual(segment.payloadLength, 3000)
    }

    /// Decoded one by one, without a reassembler, every fragment stays a fragment.
    func testWithoutAReassemblerEveryFragmentIsPassedOver() {
        for piece in segmentInThree() {
            XCTAssertEqual(PacketDecoder.decode(piece, linkType: .ethernet), .skipped(.fragment))
        }
    }

    /// Fragments of two datagrams interleaved (same addresses, other identifications) each
    /// complete their own.
    func testInterleavedDatagramsAreKeptApartByIdentification() throws {
        let first = SyntheticFrame.fragments(
            of: SyntheticFrame.tcp(from: client, to: server, seq: 1000, ack: 1, flags: .ack, payload: 2000), sizes: [1480, 0], identification: 1)
        let second = SyntheticFrame.fragments(
            of: SyntheticFrame.tcp(from: client, to: server, seq: 3000, ack: 1, flags: .ack, payload: 1600), sizes: [1480, 0], identification: 2)
        let decoded = decode([first[0], second[0], second[1], first[1]], with: FragmentReassembler())
        guard case .tcp(let a) = decoded[2], case .tcp(let b) = decoded[3] else { return XCTFail("\(decoded)") }
        XCTAssertEqual([a.sequenceNumber, b.sequenceNumber], [3000, 1000])
        XCTAssertEqual([a.payloadLength, b.payloadLength], [1600, 2000])
    }

    /// A fragment sent again (the same bytes twice) changes nothing; where a later fragment
    /// at the same offset has other bytes, the first ones are kept: here the TCP header's
    /// ports, which a crafted overlap tries to rewrite.
    func testOverlappingFragmentKeepsTheBytesThatCameFirst() throws {
        let pieces = segmentInThree()
        var rewritten = pieces[0]
        rewritten[34] = 0xFF  // The source port's first byte.
        let decoded = decode([pieces[0], pieces[0], rewritten, pieces[1], pieces[2]], with: FragmentReassembler())
        guard case .tcp(let segment) = decoded[4] else { return XCTFail("no segment: \(decoded[4])") }
        XCTAssertEqual(segment.source.port, 40000)
        XCTAssertEqual(decoded[0 ..< 4].filter { $0 == .skipped(.fragment) }.count, 4)
    }

    /// A datagram whose fragments do not all arrive is never decoded, and waits until the
    /// reassembler's timeout (Linux's `ipfrag_time`, 30 s) has passed in capture time.
    func testIncompleteDatagramWaitsOnlyUntilTheTimeout() {
        let reassembler = FragmentReassembler()
        let pieces = segmentInThree()
        XCTAssertEqual(decode([pieces[0]], with: reassembler), [.skipped(.fragment)])
        XCTAssertEqual(reassembler.waitingCount, 1)
        // 31 s later, the datagram is gone: its other fragments now make none.
        let late = pieces[1 ... 2].map { PacketDecoder.decode($0[...], linkType: .ethernet, reassembling: reassembler, time: start + 31_000_000_000) }
        XCTAssertEqual(late, [.skipped(.fragment), .skipped(.fragment)])
        // 29 s later, it is still whole.
        let patient = FragmentReassembler()
        _ = decode([pieces[0]], with: patient)
        let inTime = pieces[1 ... 2].map { PacketDecoder.decode($0[...], linkType: .ethernet, reassembling: patient, time: start + 29_000_000_000) }
        guard case .tcp = inTime[1] else { return XCTFail("not reassembled within the timeout: \(inTime)") }
    }

    /// With more datagrams waiting than the limits allow, the oldest is dropped, so that a
    /// capture of fragments that never complete holds bounded memory.
    func testTheOldestDatagramIsDroppedPastTheLimits() {
        let reassembler = FragmentReassembler(limits: .init(datagrams: 2, bytes: 1 << 20, timeout: 30_000_000_000))
        let datagrams = (1 ... 3).map { id in
            SyntheticFrame.fragments(
                of: SyntheticFrame.tcp(from: client, to: server, seq: 1000 * UInt32(id), ack: 1, flags: .ack, payload: 2000),
                sizes: [1480, 0], identification: UInt32(id))
        }
        _ = decode(datagrams.map { $0[0] }, with: reassembler)
        XCTAssertEqual(reassembler.waitingCount, 2)
        let ends = decode([datagrams[1][1], datagrams[2][1], datagrams[0][1]], with: reassembler)
        for end in ends[0 ..< 2] {
            guard case .tcp = end else { return XCTFail("a datagram within the limits was not reassembled: \(end)") }
        }
        XCTAssertEqual(ends[2], .skipped(.fragment), "the oldest was dropped")

        // Bytes count too: two fragments of 520 bytes overflow a 1,000-byte limit.
        let small = FragmentReassembler(limits: .init(datagrams: 100, bytes: 1000, timeout: 30_000_000_000))
        _ = decode([datagrams[0][1], datagrams[1][1]], with: small)
        XCTAssertEqual(small.waitingCount, 1)
    }

    /// A fragment that would make its datagram longer than IP's 65,535 bytes (the "ping of
    /// death") drops the datagram rather than growing it.
    func testFragmentPastTheLargestDatagramDropsIt() {
        var pieces = segmentInThree()
        // Offset 8,189 units (65,512 bytes) with 1,480 bytes of data ends past 65,535.
        pieces[1][20] = 0x20 | 0x1F
        pieces[1][21] = 0xFD
        let reassembler = FragmentReassembler()
        XCTAssertEqual(decode([pieces[0]], with: reassembler), [.skipped(.fragment)])
        XCTAssertEqual(reassembler.waitingCount, 1)
        XCTAssertEqual(decode([pieces[1]], with: reassembler), [.skipped(.fragment)])
        XCTAssertEqual(reassembler.waitingCount, 0, "the datagram is dropped at once")
    }

    /// A datagram in more fragments than any sender makes (300 of 8 bytes) is dropped: each
    /// fragment's work grows with those before it. In 150 of 16 bytes, it is whole.
    func testDatagramInTooManyFragmentsIsDropped() {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 1000, ack: 1, flags: .ack, payload: 2380)
        let tooMany = SyntheticFrame.fragments(of: frame, sizes: Array(repeating: 8, count: 299) + [8])
        XCTAssertFalse(decode(tooMany, with: FragmentReassembler()).contains { if case .tcp = $0 { true } else { false } })

        let fewer = SyntheticFrame.fragments(of: frame, sizes: Array(repeating: 16, count: 149) + [16])
        guard case .tcp(let segment) = decode(fewer, with: FragmentReassembler()).last else { return XCTFail("not reassembled") }
        XCTAssertEqual(segment.payloadLength, 2380)
    }

    /// Where fragments overlap with different bytes, the one with the lower offset wins, as
    /// tshark reads it, whichever came first: here a fragment at offset 8 that rewrites the
    /// acknowledgment number (bytes 8 to 11 of the TCP header) arrives before the first.
    func testOverlapIsWonByTheLowerOffset() throws {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 1000, ack: 1, flags: .ack, payload: 3000)
        let pieces = SyntheticFrame.fragments(of: frame, sizes: [1480, 1480, 0])
        var overlapping = Array(pieces[0][..<34]) + Array(pieces[0][42 ..< 34 + 16])
        overlapping[16] = 0; overlapping[17] = 20 + 8  // Total length: 8 bytes of data.
        overlapping[20] = 0x20; overlapping[21] = 1  // More fragments, offset 1 (8 bytes).
        overlapping[34 + 3] = 99  // The acknowledgment's last byte.
        let decoded = decode([overlapping, pieces[0], pieces[1], pieces[2]], with: FragmentReassembler())
        guard case .tcp(let segment) = decoded[3] else { return XCTFail("no segment: \(decoded)") }
        XCTAssertEqual(segment.acknowledgmentNumber, 1)
    }

    /// The first last fragment sets the datagram's length; a later one that says otherwise,
    /// and bytes past the length, are ignored, as tshark reads them.
    func testFirstLastFragmentSetsTheLength() throws {
        let pieces = segmentInThree()
        var early = pieces[1]
        early[20] &= 0xDF  // More Fragments cleared: a last fragment ending at 2,960.
        let decoded = decode([early, pieces[2], pieces[0]], with: FragmentReassembler())
        XCTAssertEqual(Array(decoded[0 ..< 2]), [.skipped(.fragment), .skipped(.fragment)])
        guard case .tcp(let segment) = decoded[2] else { return XCTFail("no segment: \(decoded)") }
        XCTAssertEqual(segment.payloadLength, 2940, "2,960 bytes less the TCP header")
    }

    /// A fragment with no data brings nothing: an empty last fragment does not end a datagram
    /// (tshark ignores it, Linux drops the datagram).
    func testEmptyLastFragmentEndsNothing() {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 1000, ack: 1, flags: .ack, payload: 1460)
        let pieces = SyntheticFrame.fragments(of: frame, sizes: [1480, 0])
        XCTAssertEqual(pieces[1].count, 34, "an empty last fragment")
        XCTAssertEqual(decode(pieces, with: FragmentReassembler()), [.skipped(.fragment), .skipped(.fragment)])
    }

    /// The same IPv4 addresses and identification on two VLANs are two hosts' datagrams, as
    /// tshark keys them: fragments from both do not make one. tshark keys IPv6 fragments
    /// without the VLAN, and so does tcplab.
    func testIPv4FragmentsOnOtherVLANsAreOtherDatagrams() throws {
        func tagged(_ frame: [UInt8], vlan: UInt8) -> [UInt8] { Array(frame[..<12]) + [0x81, 0x00, 0, vlan] + Array(frame[12...]) }
        let pieces = segmentInThree()
        let split = decode([tagged(pieces[0], vlan: 10), tagged(pieces[1], vlan: 20), tagged(pieces[2], vlan: 10)], with: FragmentReassembler())
        XCTAssertEqual(split, [.skipped(.fragment), .skipped(.fragment), .skipped(.fragment)])
        let together = decode(pieces.map { tagged($0, vlan: 10) }, with: FragmentReassembler())
        guard case .tcp = together[2] else { return XCTFail("not reassembled on one VLAN: \(together)") }

        let client6 = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let server6 = Endpoint(address: IPAddress("2001:db8::2")!, port: 443)
        let pieces6 = segmentInThree(from: client6, to: server6)
        let across = decode([tagged(pieces6[0], vlan: 10), tagged(pieces6[1], vlan: 20), tagged(pieces6[2], vlan: 10)], with: FragmentReassembler())
        guard case .tcp = across[2] else { return XCTFail("IPv6 fragments kept apart by VLAN: \(across)") }
    }

    /// A fragment sent again counts once against the limits: a datagram whose first fragment
    /// came three times still fits 3,000 bytes, and completes.
    func testFragmentSentAgainCountsOnce() throws {
        let pieces = segmentInThree()
        let reassembler = FragmentReassembler(limits: .init(datagrams: 10, bytes: 3000, timeout: 30_000_000_000))
        let decoded = decode([pieces[0], pieces[0], pieces[0], pieces[1], pieces[2]], with: reassembler)
        guard case .tcp = decoded[4] else { return XCTFail("evicted by its own repeats: \(decoded)") }
    }

    /// A datagram dropped for too many fragments gives its bytes back: another datagram that
    /// fits the limits then still completes.
    func testDroppedDatagramGivesItsBytesBack() throws {
        let reassembler = FragmentReassembler(limits: .init(datagrams: 10, bytes: 3000, timeout: 30_000_000_000))
        let many = SyntheticFrame.fragments(
            of: SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 1, flags: .ack, payload: 2380),
            sizes: Array(repeating: 8, count: 299) + [8], identification: 7)
        _ = decode(Array(many[0 ..< 257]), with: reassembler)
        XCTAssertEqual(reassembler.waitingCount, 0, "dropped at its 257th fragment")
        let decoded = decode(segmentInThree(), with: reassembler)
        guard case .tcp = decoded[2] else { return XCTFail("evicted by a dropped datagram's bytes: \(decoded)") }
    }

    /// A capture's clock may go back: a datagram is still dropped once its own first fragment
    /// is more than 30 s older than the fragment that would complete it.
    func testTimeoutHoldsWhenTheClockGoesBack() {
        let reassembler = FragmentReassembler()
        let other = SyntheticFrame.fragments(
            of: SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 1, flags: .ack, payload: 2000), sizes: [1480, 0], identification: 9)
        let pieces = segmentInThree()
        func at(_ seconds: Int64, _ frame: [UInt8]) -> DecodedPacket {
            PacketDecoder.decode(frame[...], linkType: .ethernet, reassembling: reassembler, time: start + seconds * 1_000_000_000)
        }
        _ = at(200, other[0])
        _ = at(100, pieces[0])
        _ = at(140, pieces[1])
        XCTAssertEqual(at(140, pieces[2]), .skipped(.fragment))
    }

    /// An IPv6 fragment whose Payload Length is 0 says nothing of its length (a jumbogram or
    /// an offloaded packet cannot be a fragment): it is not used, as tshark takes it for
    /// malformed.
    func testIPv6FragmentWithoutPayloadLengthIsNotUsed() {
        let client6 = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let server6 = Endpoint(address: IPAddress("2001:db8::2")!, port: 443)
        var pieces = segmentInThree(from: client6, to: server6)
        pieces[2][18] = 0
        pieces[2][19] = 0
        XCTAssertEqual(decode(pieces, with: FragmentReassembler()).last, .skipped(.fragment))
    }

    /// After IPv6's Fragment header, the fragmentable part may begin with more extension
    /// headers (RFC 8200 section 4.5): here Destination Options, then TCP.
    func testIPv6ExtensionHeaderAfterTheFragmentHeaderIsWalked() throws {
        let client6 = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let server6 = Endpoint(address: IPAddress("2001:db8::2")!, port: 443)
        var frame = SyntheticFrame.tcp(from: client6, to: server6, seq: 1000, ack: 1, flags: .ack, payload: 2000)
        frame.insert(contentsOf: [6, 0, 1, 4, 0, 0, 0, 0], at: 54)  // Next header TCP; PadN of 4.
        frame[20] = 60  // Destination Options.
        let length = Int(frame[18]) << 8 | Int(frame[19]) + 8
        frame[18] = UInt8(length >> 8); frame[19] = UInt8(length & 0xFF)
        let decoded = decode(SyntheticFrame.fragments(of: frame, sizes: [1448, 0]), with: FragmentReassembler())
        guard case .tcp(let segment) = decoded[1] else { return XCTFail("no segment: \(decoded)") }
        XCTAssertEqual(segment.payloadLength, 2000)
    }

    /// A fragment whose IP header claims more bytes than the frame holds is not used, even
    /// when no snap length cut it: its data is not all there.
    func testFragmentShorterThanItsHeaderSaysIsNotUsed() {
        let pieces = segmentInThree()
        let short = Array(pieces[2].dropLast(10))
        XCTAssertEqual(decode([pieces[0], pieces[1], short], with: FragmentReassembler()).last, .skipped(.fragment))
    }

    /// A fragment the snap length cut cannot complete its datagram: its bytes are not all
    /// in the capture.
    func testFragmentCutBySnapLengthCannotCompleteItsDatagram() {
        let pieces = segmentInThree()
        let reassembler = FragmentReassembler()
        _ = decode([pieces[0], pieces[2]], with: reassembler)
        let cut = Array(pieces[1].prefix(200))
        let decoded = PacketDecoder.decode(cut[...], linkType: .ethernet, originalLength: pieces[1].count, reassembling: reassembler, time: start)
        XCTAssertEqual(decoded, .skipped(.fragment))
    }
}
