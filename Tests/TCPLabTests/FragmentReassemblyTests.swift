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
    /// overlaps bytes already in with other bytes, the first ones are kept: here the TCP
    /// header's ports, which a crafted overlap tries to rewrite.
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

        // Bytes count too: one datagram of 2,000 bytes fills a 2,500-byte limit.
        let small = FragmentReassembler(limits: .init(datagrams: 100, bytes: 2500, timeout: 30_000_000_000))
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
        let decoded = decode(pieces, with: reassembler)
        XCTAssertEqual(decoded, [.skipped(.fragment), .skipped(.fragment), .skipped(.fragment)])
    }

    /// Fragments that leave a datagram in more separate runs than any sender makes (here
    /// every other 8 bytes of 4,800, 300 runs) drop it: each fragment's work grows with them.
    func testDatagramInTooManySeparateRunsIsDropped() {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 1000, ack: 1, flags: .ack, payload: 4780)
        let pieces = SyntheticFrame.fragments(of: frame, sizes: Array(repeating: 8, count: 600) + [0])
        let reassembler = FragmentReassembler()
        let everyOther = stride(from: 0, to: 600, by: 2).map { pieces[$0] }
        let rest = stride(from: 1, to: 600, by: 2).map { pieces[$0] } + [pieces[600]]
        let decoded = decode(everyOther + rest, with: reassembler)
        XCTAssertFalse(decoded.contains { if case .tcp = $0 { true } else { false } })

        // The same fragments in order make the segment.
        guard case .tcp(let segment) = decode(pieces, with: FragmentReassembler()).last else { return XCTFail("not reassembled in order") }
        XCTAssertEqual(segment.payloadLength, 4780)
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
