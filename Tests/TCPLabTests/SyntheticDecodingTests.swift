import TCPLabCapture
import TCPLabPacket
import XCTest

/// What the decoder reads from a frame's bytes, on frames built by hand
/// (``SyntheticFrame``): no root, no network, no tshark. Checksums are not verified, as
/// neither tshark nor tcpdump does by default (a capture on the sending host holds
/// segments whose checksum the network card fills in later).
final class SyntheticDecodingTests: XCTestCase {
    private let client = Endpoint(address: IPAddress("192.0.2.1")!, port: 40000)
    private let server = Endpoint(address: IPAddress("198.51.100.2")!, port: 443)

    private func segment(_ frame: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> TCPSegment? {
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet) else {
            XCTFail("not decoded as TCP: \(PacketDecoder.decode(frame, linkType: .ethernet))", file: file, line: line)
            return nil
        }
        return segment
    }

    /// An IPv4 frame gives both endpoints, the numbers, the flags and the window as sent,
    /// and the payload length from the IP total length less the two headers.
    func testIPv4FrameGivesEndpointsNumbersFlagsAndPayloadLength() throws {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 123_456, ack: 654_321, flags: [.psh, .ack], window: 501, payload: 37)
        let decoded = try XCTUnwrap(segment(frame))
        XCTAssertEqual(decoded.source, client)
        XCTAssertEqual(decoded.destination, server)
        XCTAssertEqual(decoded.sequenceNumber, 123_456)
        XCTAssertEqual(decoded.acknowledgmentNumber, 654_321)
        XCTAssertEqual(decoded.flags, [.psh, .ack])
        XCTAssertEqual(decoded.window, 501)
        XCTAssertEqual(decoded.headerLength, 20)
        XCTAssertEqual(decoded.payloadLength, 37)
        XCTAssertEqual(decoded.sequenceLength, 37)
    }

    /// An IPv6 frame decodes to the same segment, with 128-bit addresses written in RFC
    /// 5952's short form inside brackets.
    func testIPv6FrameGivesTheSameSegmentWithItsAddresses() throws {
        let from = Endpoint(address: IPAddress("2001:db8::1")!, port: 40000)
        let to = Endpoint(address: IPAddress("2001:db8:0:0:0:0:0:2")!, port: 443)
        let decoded = try XCTUnwrap(segment(SyntheticFrame.tcp(from: from, to: to, seq: 1, ack: 2, flags: [.fin, .ack], payload: 3)))
        XCTAssertEqual(decoded.source.description, "[2001:db8::1]:40000")
        XCTAssertEqual(decoded.destination.description, "[2001:db8::2]:443")
        XCTAssertEqual(decoded.flags, [.fin, .ack])
        XCTAssertEqual(decoded.payloadLength, 3)
        XCTAssertEqual(decoded.sequenceLength, 4, "a FIN takes one sequence number after the payload")
    }

    /// The options a Linux SYN carries (MSS, SACK permitted, timestamps, window scale, with
    /// NOP padding) are read by kind, and the data offset counts them in the header.
    func testSYNOptionsAreReadByKind() throws {
        let frame = SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 0, flags: .syn, window: 64240, options: [
            .maximumSegmentSize(1460), .sackPermitted, .timestamps(value: 2_000_000_001, echoReply: 0),
            .noOperation, .windowScale(7),
        ])
        let decoded = try XCTUnwrap(segment(frame))
        XCTAssertEqual(decoded.headerLength, 40)
        XCTAssertEqual(decoded.payloadLength, 0)
        XCTAssertEqual(decoded.sequenceLength, 1, "a SYN takes one sequence number")
        XCTAssertEqual(decoded.options.maximumSegmentSize, 1460)
        XCTAssertTrue(decoded.options.sackPermitted)
        XCTAssertEqual(decoded.options.timestamp, TCPOptions.Timestamp(value: 2_000_000_001, echoReply: 0))
        XCTAssertEqual(decoded.options.windowScale, 7)
        XCTAssertFalse(decoded.options.isMalformed)
    }

    /// A duplicate ACK reports what arrived beyond a hole as SACK blocks (RFC 2018): left
    /// edge, and right edge one past the last byte.
    func testSACKBlocksGiveTheRangesBeyondAHole() throws {
        let frame = SyntheticFrame.tcp(from: server, to: client, seq: 9, ack: 1001, flags: .ack, options: [
            .noOperation, .noOperation, .sack([(left: 2001, right: 3001), (left: 4001, right: 5001)]),
        ])
        let decoded = try XCTUnwrap(segment(frame))
        XCTAssertEqual(decoded.options.sackBlocks, [
            TCPOptions.SACKBlock(left: 2001, right: 3001), TCPOptions.SACKBlock(left: 4001, right: 5001),
        ])
    }

    /// Ethernet pads a short frame to 60 bytes; the padding is not payload, because the
    /// payload length comes from the IP header, not from the frame's size.
    func testEthernetPaddingIsNotPayload() throws {
        let bare = SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 1, flags: .ack)
        XCTAssertEqual(bare.count, 54)
        let decoded = try XCTUnwrap(segment(bare + [0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(decoded.payloadLength, 0)
    }

    /// Frames that carry no TCP segment are skipped, each with its reason: ARP is not IP,
    /// UDP is not TCP, and an IPv4 fragment cannot be read alone (only the first fragment
    /// holds the TCP header, and not even it the whole segment).
    func testFramesWithoutASegmentAreSkippedWithTheReason() {
        let tcp = SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 1, flags: .ack, payload: 8)
        var arp = tcp
        arp[12] = 0x08; arp[13] = 0x06
        var udp = tcp
        udp[14 + 9] = 17
        var fragment = tcp
        fragment[14 + 6] = 0x20  // More fragments.
        XCTAssertEqual(PacketDecoder.decode(arp, linkType: .ethernet), .skipped(.notIP))
        XCTAssertEqual(PacketDecoder.decode(udp, linkType: .ethernet), .skipped(.notTCP))
        XCTAssertEqual(PacketDecoder.decode(fragment, linkType: .ethernet), .skipped(.fragment))
    }

    /// The same IP packet is found behind each link header tcplab reads: raw IP, Linux
    /// cooked capture (SLL), and BSD loopback (null, the address family first); its payload
    /// starts after that header and the 40 bytes of IPv4 and TCP.
    func testTheSamePacketIsFoundBehindOtherLinkHeaders() throws {
        let ethernet = SyntheticFrame.tcp(from: client, to: server, seq: 7, ack: 8, flags: [.psh, .ack], payload: 5)
        let ip = Array(ethernet[14...])
        let expected = try XCTUnwrap(segment(ethernet))
        XCTAssertEqual(expected.payloadOffset, 14 + 40)
        func behind(_ linkHeader: Int) -> TCPSegment {
            var segment = expected
            segment.payloadOffset = linkHeader + 40
            return segment
        }
        let sll: [UInt8] = [0, 0, 0x03, 0x04, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + ip
        let null: [UInt8] = [2, 0, 0, 0] + ip
        XCTAssertEqual(PacketDecoder.decode(ip, linkType: .raw), .tcp(behind(0)))
        XCTAssertEqual(PacketDecoder.decode(sll, linkType: .linuxSLL), .tcp(behind(16)))
        XCTAssertEqual(PacketDecoder.decode(null, linkType: .null), .tcp(behind(4)))
    }
}
