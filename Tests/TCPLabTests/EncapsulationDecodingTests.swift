import TCPLabPacket
import XCTest

/// TCP inside tunnels: the decoder unwraps every layer and gives the innermost segment, with
/// the inner addresses and ports, as tshark does. Frames are built by hand; no root, no tshark.
final class EncapsulationDecodingTests: XCTestCase {
    private typealias F = SyntheticFrame

    /// Decodes `frame` and checks it is the inner SYN from 10.0.0.1:40000 to 10.0.0.2:80 (or
    /// its IPv6 twin).
    private func assertInnerSYN(
        _ frame: [UInt8], linkType: LinkType = .ethernet, ipv6: Bool = false, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: linkType) else {
            return XCTFail("no segment: \(PacketDecoder.decode(frame, linkType: linkType))", file: file, line: line)
        }
        let source = ipv6 ? "[2001:db8::1]:40000" : "10.0.0.1:40000"
        let destination = ipv6 ? "[2001:db8::2]:80" : "10.0.0.2:80"
        XCTAssertEqual(segment.source.description, source, file: file, line: line)
        XCTAssertEqual(segment.destination.description, destination, file: file, line: line)
        XCTAssertEqual(segment.flags, .syn, file: file, line: line)
        XCTAssertEqual(segment.sequenceNumber, 1000, file: file, line: line)
        XCTAssertEqual(segment.payloadLength, 0, file: file, line: line)
        XCTAssertFalse(segment.headerCut, file: file, line: line)
    }

    /// The outer IPv4 header of a tunnel, between two other hosts.
    private func outer(_ nextProtocol: UInt8, _ payload: [UInt8]) -> [UInt8] {
        F.ethernet(type: 0x0800, F.ipv4(from: [192, 0, 2, 1], to: [192, 0, 2, 2], protocol: nextProtocol, payload))
    }

    func testVXLANCarriesAnEthernetFrameWithTheInnerSegment() {
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0x12, 0x67, 0]  // VNI 4711.
        assertInnerSYN(outer(17, F.udp(to: 4789, vxlan + F.ethernet(type: 0x0800, F.innerIPv4SYN))))
    }

    /// GENEVE's option length counts 4-byte words; the protocol type names the payload.
    func testGENEVESkipsItsOptions() {
        let geneve: [UInt8] = [0x02, 0, 0x65, 0x58, 0, 0, 1, 0] + [UInt8](repeating: 0xAB, count: 8)
        assertInnerSYN(outer(17, F.udp(to: 6081, geneve + F.ethernet(type: 0x0800, F.innerIPv4SYN))))
    }

    /// GRE with none, and with all, of the optional checksum, key and sequence fields.
    func testGREWithAndWithoutOptionalFields() {
        assertInnerSYN(outer(47, [0, 0, 0x08, 0x00] + F.innerIPv4SYN))
        let allFields: [UInt8] = [0xB0, 0, 0x08, 0x00] + [UInt8](repeating: 0x11, count: 12)
        assertInnerSYN(outer(47, allFields + F.innerIPv4SYN))
    }

    func testGRETransparentEthernetBridging() {
        assertInnerSYN(outer(47, [0x20, 0, 0x65, 0x58, 0, 0, 0, 7] + F.ethernet(type: 0x0800, F.innerIPv4SYN)))
    }

    func testGREOverUDPPort4754() {
        assertInnerSYN(outer(17, F.udp(from: 60000, to: 4754, [0, 0, 0x08, 0x00] + F.innerIPv4SYN)))
    }

    /// ERSPAN type II (GRE 0x88BE with a sequence number, 8-byte header), type I (the same
    /// protocol type, no sequence number, no header) and type III (0x22EB, 12 bytes, and 8
    /// more when the O flag is set).
    func testERSPANTypesOneTwoAndThree() {
        let inner = F.ethernet(type: 0x0800, F.innerIPv4SYN)
        assertInnerSYN(outer(47, [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1] + [0x10, 0x01, 0, 0x05, 0, 0, 0, 0] + inner))
        assertInnerSYN(outer(47, [0, 0, 0x88, 0xBE] + inner))
        let typeIII: [UInt8] = [0x20, 0x01, 0, 0x05] + [0, 0, 0, 9] + [0, 0, 0, 0]
        assertInnerSYN(outer(47, [0x10, 0, 0x22, 0xEB, 0, 0, 0, 1] + typeIII + inner))
        let typeIIIWithPlatform: [UInt8] = [0x20, 0x01, 0, 0x05] + [0, 0, 0, 9] + [0, 0, 0, 1] + [UInt8](repeating: 0xCC, count: 8)
        assertInnerSYN(outer(47, [0x10, 0, 0x22, 0xEB, 0, 0, 0, 1] + typeIIIWithPlatform + inner))
    }

    /// GTP-U with the optional fields and one extension header (PDU session container), then IPv6.
    func testGTPUserWithAnExtensionHeaderCarriesIPv6() {
        let inner = F.innerIPv6SYN
        let optional: [UInt8] = [0, 1, 0, 0x85]  // Sequence number, N-PDU number, next: PDU session container.
        let extensionHeader: [UInt8] = [1, 0x10, 0x09, 0]  // One 4-byte word; next type 0: done.
        let body = optional + extensionHeader + inner
        let gtp: [UInt8] = [0x34, 0xFF] + F.net16(UInt16(body.count)) + [0, 0, 0, 1] + body
        assertInnerSYN(outer(17, F.udp(from: 2152, to: 2152, gtp)), ipv6: true)
    }

    /// GTP-U messages other than G-PDU (an echo request here) carry no user packet.
    func testGTPEchoRequestIsNotTCP() {
        let echo: [UInt8] = [0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]
        XCTAssertEqual(PacketDecoder.decode(outer(17, F.udp(from: 2152, to: 2152, echo)), linkType: .ethernet), .skipped(.notTCP))
    }

    func testIPInIPFourInFourSixInFourFourInSix() {
        assertInnerSYN(outer(4, F.innerIPv4SYN))
        assertInnerSYN(outer(41, F.innerIPv6SYN), ipv6: true)
        assertInnerSYN(F.ethernet(type: 0x86DD, F.ipv6(sourceLast: 9, destinationLast: 10, nextHeader: 4, F.innerIPv4SYN)))
    }

    /// A two-label stack before IPv4; the IPv6 explicit-null label; an Ethernet pseudowire
    /// with its control word.
    func testMPLSLabelStacks() {
        let label = { (value: UInt32, bottom: Bool) -> [UInt8] in F.net32(value << 12 | (bottom ? 0x100 : 0) | 64) }
        assertInnerSYN(F.ethernet(type: 0x8847, label(100, false) + label(200, true) + F.innerIPv4SYN))
        assertInnerSYN(F.ethernet(type: 0x8847, label(2, true) + F.innerIPv6SYN), ipv6: true)
        let pseudowire = label(300, true) + [0, 0, 0, 0] + F.ethernet(type: 0x0800, F.innerIPv4SYN)
        assertInnerSYN(F.ethernet(type: 0x8847, pseudowire))
    }

    /// PPPoE session data behind two VLAN tags, IPv4 and IPv6 PPP protocols.
    func testPPPoESessionsCarryIPv4AndIPv6() {
        let session = { (pppProtocol: UInt16, packet: [UInt8]) -> [UInt8] in
            [0x11, 0x00, 0x12, 0x34] + F.net16(UInt16(packet.count + 2)) + F.net16(pppProtocol) + packet
        }
        assertInnerSYN(F.ethernet(type: 0x8864, vlans: [10, 20], session(0x0021, F.innerIPv4SYN)))
        assertInnerSYN(F.ethernet(type: 0x8864, session(0x0057, F.innerIPv6SYN)), ipv6: true)
    }

    /// The PPPoE length, not the frame, says where the packet ends; an IP total length past
    /// it counts only to it, as tshark computes tcp.len.
    func testPPPoELengthShorterThanTheIPLengthBoundsThePayload() throws {
        let packet = F.ipv4(F.tcpHeader(payload: 6))
        let frame = F.ethernet(type: 0x8864, [0x11, 0x00, 0x12, 0x34] + F.net16(UInt16(packet.count + 2 - 6)) + F.net16(0x0021) + packet)
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet) else { return XCTFail() }
        XCTAssertEqual(segment.payloadLength, 0)
    }

    /// L2TP version 2 data with the length and sequence fields, then PPP with its address and
    /// control bytes.
    func testL2TPCarriesPPP() {
        let l2tp: [UInt8] = [0x48, 0x02, 0, 0] + [0, 1, 0, 2] + [0, 0, 0, 0] + [0xFF, 0x03, 0x00, 0x57] + F.innerIPv6SYN
        assertInnerSYN(outer(17, F.udp(from: 1701, to: 1701, l2tp)), ipv6: true)
    }

    /// IPsec AH in tunnel mode (an inner IPv4 header) and in transport mode (TCP straight after).
    func testAuthenticationHeaderInTunnelAndTransportMode() throws {
        let ah = { (next: UInt8) -> [UInt8] in [next, 4, 0, 0, 0, 0, 0x10, 0] + [0, 0, 0, 1] + [UInt8](repeating: 0x5A, count: 12) }
        assertInnerSYN(outer(51, ah(4) + F.innerIPv4SYN))
        guard case .tcp(let segment) = PacketDecoder.decode(outer(51, ah(6) + F.tcpHeader()), linkType: .ethernet) else {
            return XCTFail()
        }
        XCTAssertEqual(segment.source.description, "192.0.2.1:40000")
    }

    /// IPComp (RFC 3173) as in libpcap's AH+IPComp capture: AH, then IPComp whose payload is
    /// an IPv4 packet compressed with DEFLATE; tshark inflates it, and so does the decoder.
    /// Here: fixed Huffman codes (zlib's output for the inner SYN) and a stored block.
    func testIPCompPayloadIsInflated() {
        let fixed: [UInt8] = [
            0x73, 0x65, 0x60, 0xD0, 0x60, 0x60, 0x70, 0x60, 0x70, 0x60, 0x63, 0x60, 0xE0, 0x62, 0x60, 0x60, 0x04, 0x62, 0xA6,
            0x39, 0x0E, 0x0C, 0x01, 0x0C, 0x0C, 0xCC, 0x2F, 0x18, 0x80, 0x20, 0x80, 0x49, 0x01, 0x44, 0x31, 0x00, 0x00,
        ]
        let ah: [UInt8] = [108, 4, 0, 0, 0, 0, 0x10, 0] + [0, 0, 0, 1] + [UInt8](repeating: 0x5A, count: 12)
        assertInnerSYN(outer(51, ah + [4, 0, 0xEE, 0xD1] + fixed))
        let packet = F.innerIPv4SYN
        let stored: [UInt8] = [0x01] + F.le16(UInt16(packet.count)) + F.le16(~UInt16(packet.count)) + packet
        assertInnerSYN(outer(108, [4, 0, 0, 2] + stored))
    }

    /// Dynamic Huffman codes (zlib's output for a 100-byte PSH+ACK segment).
    func testIPCompWithDynamicHuffmanCodes() throws {
        let dynamic: [UInt8] = [
            0x3D, 0x8C, 0xBB, 0x11, 0x80, 0x30, 0x0C, 0x43, 0x1F, 0x70, 0x47, 0xC1, 0x04, 0x94, 0x8C, 0x92, 0x86, 0x3E, 0x2B,
            0x58, 0x59, 0x87, 0x11, 0x18, 0x90, 0x31, 0xB0, 0x08, 0x20, 0xFF, 0x24, 0xCB, 0xE7, 0x1D, 0x0E, 0x28, 0x94, 0x19,
            0x16, 0x18, 0xB2, 0xC6, 0xB3, 0x50, 0x61, 0xBA, 0x48, 0xD4, 0x75, 0xF3, 0x20, 0xA4, 0x08, 0xB9, 0xE7, 0x8C, 0x8F,
            0xBF, 0xC4, 0xD1, 0x22, 0x5A, 0xAA, 0x66, 0xB7, 0x4B, 0x59, 0xBF, 0xD0, 0x63, 0xEA, 0xFF, 0xE0, 0x54, 0x97, 0x7D,
            0xE5, 0xD3, 0x1B,
        ]
        guard case .tcp(let segment) = PacketDecoder.decode(outer(108, [4, 0, 0, 2] + dynamic), linkType: .ethernet) else {
            return XCTFail("\(PacketDecoder.decode(outer(108, [4, 0, 0, 2] + dynamic), linkType: .ethernet))")
        }
        XCTAssertEqual(segment.source.description, "10.0.0.1:40000")
        XCTAssertEqual(segment.flags, [.psh, .ack])
        XCTAssertEqual(segment.payloadLength, 100)
    }

    /// Data that is not DEFLATE, or that would inflate past the largest IP packet (a
    /// "zip bomb": one byte, then copies of it 258 at a time), is "not TCP", in bounded time
    /// and memory.
    func testIPCompThatDoesNotInflateIsNotTCP() {
        XCTAssertEqual(PacketDecoder.decode(outer(108, [4, 0, 0, 2, 0xFF, 0xFF, 0xFF]), linkType: .ethernet), .skipped(.notTCP))
        func bomb(copies: Int) -> [UInt8] {
            var bits: [Bool] = [true, true, false]  // Final block, fixed codes (type 1, low bit first).
            func code(_ value: Int, _ count: Int) { for shift in (0..<count).reversed() { bits.append(value >> shift & 1 == 1) } }
            code(0x30 + 0x45, 8)  // The literal 0x45.
            for _ in 0..<copies { code(0xC5, 8); code(0, 5) }  // Length 258 (symbol 285), distance 1.
            code(0, 7)  // End of block.
            var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
            for (index, bit) in bits.enumerated() where bit { bytes[index / 8] |= 1 << UInt8(index % 8) }
            return bytes
        }
        // 51,601 bytes inflate: TCP (next header 6) made of 0x45 bytes, whose data offset is impossible.
        XCTAssertEqual(PacketDecoder.decode(outer(108, [6, 0, 0, 2] + bomb(copies: 200)), linkType: .ethernet), .skipped(.malformed))
        // 77,401 bytes would be more than any IP packet holds: not inflated.
        XCTAssertEqual(PacketDecoder.decode(outer(108, [6, 0, 0, 2] + bomb(copies: 300)), linkType: .ethernet), .skipped(.notTCP))
    }

    /// Aruba access points tunnel 802.11 QoS data frames in GRE (0x8200); LLC/SNAP then IPv4.
    func testArubaGRECarriesIEEE80211() {
        let wlan: [UInt8] = [0x88, 0x01, 0, 0] + [UInt8](repeating: 0x02, count: 18) + [0x10, 0] + [0, 0]
        let snap: [UInt8] = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00]
        assertInnerSYN(outer(47, [0, 0, 0x82, 0x00] + wlan + snap + F.innerIPv4SYN))
    }

    /// A VXLAN tunnel inside GRE inside ERSPAN: three IPv4 headers, as in arkime's capture.
    func testTunnelsNest() {
        let vxlan = F.ipv4(from: [172, 16, 0, 1], to: [172, 16, 0, 2], protocol: 17,
                           F.udp(to: 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + F.ethernet(type: 0x0800, F.innerIPv4SYN)))
        assertInnerSYN(outer(47, [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1] + [0x10, 0x01, 0, 0x05, 0, 0, 0, 0] + F.ethernet(type: 0x0800, vxlan)))
    }

    /// A hostile frame nesting IP in IP past the limit is passed over, not followed forever.
    func testNestingPastTheLimitIsPassedOver() {
        var packet = F.innerIPv4SYN
        for _ in 0..<PacketDecoder.maximumLayers { packet = F.ipv4(protocol: 4, packet) }
        XCTAssertEqual(PacketDecoder.decode(F.ethernet(type: 0x0800, packet), linkType: .ethernet), .skipped(.tooDeep))
        var tags = F.innerIPv4SYN
        tags = F.ethernet(type: 0x0800, vlans: [UInt16](repeating: 5, count: 40), tags)
        XCTAssertEqual(PacketDecoder.decode(tags, linkType: .ethernet), .skipped(.tooDeep))
    }

    /// UDP that is no tunnel, and GRE carrying a protocol not in the table, are "not TCP".
    func testUnknownPayloadsAreNotTCP() {
        XCTAssertEqual(PacketDecoder.decode(outer(17, F.udp(to: 53, [1, 2, 3, 4])), linkType: .ethernet), .skipped(.notTCP))
        XCTAssertEqual(PacketDecoder.decode(outer(47, [0, 0, 0x12, 0x34, 1, 2]), linkType: .ethernet), .skipped(.notTCP))
        XCTAssertEqual(PacketDecoder.decode(outer(50, [0, 0, 0, 1]), linkType: .ethernet), .skipped(.notTCP))  // ESP.
    }

    /// The table the decoder follows is the one documented: every entry leads somewhere, and
    /// no number announces two layers.
    func testEveryAnnouncementInTheTableIsFollowed() {
        var seen = Set<Encapsulation.Announcement>()
        for (announcement, layer) in Encapsulation.announcements {
            XCTAssertTrue(seen.insert(announcement).inserted, "\(announcement) twice")
            XCTAssertEqual(Encapsulation(announcedBy: announcement), layer)
        }
    }
}
