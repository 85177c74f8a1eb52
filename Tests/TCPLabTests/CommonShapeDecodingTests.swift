import TCPLabPacket
import XCTest

/// The decoder's short cut for the commonest frame (a link header announcing IPv4, a 20-byte
/// IPv4 header that is no fragment, a TCP header captured whole) must give exactly what the
/// layer-by-layer walk gives, and leave every other frame to the walk. These tests build
/// such frames for every link type the short cut knows, then change each header byte and
/// cut each frame at every length, and compare the two ways on all of them (the capture
/// fuzz target makes the same comparison on every input it tries).
final class CommonShapeDecodingTests: XCTestCase {
    private let client = Endpoint(address: IPAddress("192.0.2.1")!, port: 40000)
    private let server = Endpoint(address: IPAddress("198.51.100.2")!, port: 443)

    /// Ethernet frames: a plain ACK with data, a SYN with Linux's options, a segment with
    /// NOP, NOP, timestamps (the short cut reads those 12 bytes itself), and one with SACK.
    private var ethernetFrames: [[UInt8]] {
        [
            SyntheticFrame.tcp(from: client, to: server, seq: 123_456, ack: 654_321, flags: [.psh, .ack], window: 501, payload: 37),
            SyntheticFrame.tcp(from: client, to: server, seq: 1, ack: 0, flags: .syn, window: 64240, options: [
                .maximumSegmentSize(1460), .sackPermitted, .timestamps(value: 2_000_000_001, echoReply: 0),
                .noOperation, .windowScale(7),
            ]),
            SyntheticFrame.tcp(from: server, to: client, seq: 9, ack: 10, flags: .ack, window: 3, payload: 5, options: [
                .noOperation, .noOperation, .timestamps(value: 0xDEAD_BEEF, echoReply: 0x0102_0304),
            ]),
            SyntheticFrame.tcp(from: server, to: client, seq: 9, ack: 10, flags: .ack, options: [
                .noOperation, .noOperation, .sack([(left: 100, right: 200)]),
            ]),
        ]
    }

    /// The same frames under each link header the short cut reads: (link type, frame).
    private var framesOfEveryLinkType: [(LinkType, [UInt8])] {
        ethernetFrames.flatMap { ethernet -> [(LinkType, [UInt8])] in
            let ip = Array(ethernet.dropFirst(14))
            var sll = [UInt8](repeating: 0, count: 16)
            sll[14] = 0x08
            var sll2 = [UInt8](repeating: 0, count: 20)
            sll2[0] = 0x08
            return [
                (.ethernet, ethernet),
                (.linuxSLL, sll + ip),
                (.linuxSLL2, sll2 + ip),
                (.null, [2, 0, 0, 0] + ip),  // Written on a little-endian host.
                (.null, [0, 0, 0, 2] + ip),  // And on a big-endian one.
                (.loop, [0, 0, 0, 2] + ip),
                (.raw, ip),
                (.rawBSD12, ip),
                (.rawBSD14, ip),
                (.ipv4, ip),
                (.ipv6, ip),  // Raw IP whichever its name: the version decides, as in tshark.
            ]
        }
    }

    /// Decodes `frame` every way and checks they agree: the public decode is the walk's
    /// answer, and the short cut, where it answers, gives the same segment.
    @discardableResult
    private func checkAgreement(
        _ frame: ArraySlice<UInt8>, _ linkType: LinkType, originalLength: Int?, file: StaticString = #filePath, line: UInt = #line
    ) -> Bool {
        let walked = PacketDecoder.decodeLayerByLayer(frame, linkType: linkType, originalLength: originalLength)
        let decoded = PacketDecoder.decode(frame, linkType: linkType, originalLength: originalLength)
        XCTAssertEqual(decoded, walked, "link type \(linkType), frame \(Array(frame)), original length \(String(describing: originalLength))", file: file, line: line)
        guard let common = PacketDecoder.decodeCommonShape(frame, linkType: linkType, originalLength: originalLength) else { return false }
        XCTAssertEqual(DecodedPacket.tcp(common), walked, "link type \(linkType), frame \(Array(frame))", file: file, line: line)
        return true
    }

    /// Every frame of the common shape is taken by the short cut (so the comparisons below
    /// test it, not only the walk), and gives what the walk gives.
    func testShortCutTakesEveryCommonFrameAndAgreesWithTheWalk() {
        for (linkType, frame) in framesOfEveryLinkType {
            XCTAssertTrue(checkAgreement(frame[...], linkType, originalLength: nil), "the short cut passed over a common \(linkType) frame")
        }
    }

    /// A frame cut at any length, and with the wire longer than the capture or not, decodes
    /// the same either way: the short cut declines a cut TCP header and cuts the payload as
    /// the walk does.
    func testShortCutAgreesWithTheWalkOnFramesCutAtEveryLength() {
        for (linkType, frame) in framesOfEveryLinkType {
            for length in 0...frame.count {
                let cut = frame.prefix(length)
                checkAgreement(cut, linkType, originalLength: nil)
                checkAgreement(cut, linkType, originalLength: frame.count)
                checkAgreement(cut, linkType, originalLength: frame.count + 1000)
            }
        }
    }

    /// Any header byte changed to any of a few telling values (zero, all ones, a flipped
    /// low bit, IPv4's 0x45 and 0x46 with options, TCP's protocol number) leaves the two ways
    /// in agreement: a version, header length, fragment field, protocol, total length or data
    /// offset the short cut does not take goes to the walk.
    func testShortCutAgreesWithTheWalkWhateverHeaderByteChanges() {
        for (linkType, frame) in framesOfEveryLinkType {
            for index in 0..<min(frame.count, 80) {
                for value in Set<UInt8>([0, 0xFF, frame[index] ^ 1, frame[index] ^ 0x80, 0x45, 0x46, 6, 0x14, 0x50, 0xF0]) {
                    var changed = frame
                    changed[index] = value
                    checkAgreement(changed[...], linkType, originalLength: nil)
                    checkAgreement(changed[...], linkType, originalLength: changed.count + 3)
                }
            }
        }
    }

    /// A frame that is a slice of a larger buffer (as the reader hands them out, starting
    /// past the record header) decodes as the same frame on its own would.
    func testShortCutReadsASliceFromItsOwnStart() {
        for (linkType, frame) in framesOfEveryLinkType {
            let buffer: [UInt8] = [0xAA, 0x45, 0x08, 0x00] + frame + [0x55]
            let slice = buffer[4 ..< 4 + frame.count]
            XCTAssertTrue(checkAgreement(slice, linkType, originalLength: nil), "the short cut passed over a \(linkType) frame in a slice")
            XCTAssertEqual(PacketDecoder.decode(slice, linkType: linkType), PacketDecoder.decode(frame, linkType: linkType))
        }
    }

    /// A BSD loopback header (LOOP) holds the address family in network byte order only: a
    /// family written in the host's little-endian order is not AF_INET there, and the short
    /// cut leaves the frame to the walk, which agrees.
    func testLoopbackFamilyInTheWrongByteOrderIsLeftToTheWalk() {
        let ip = Array(ethernetFrames[0].dropFirst(14))
        let frame: [UInt8] = [2, 0, 0, 0] + ip
        XCTAssertNil(PacketDecoder.decodeCommonShape(frame[...], linkType: .loop))
        checkAgreement(frame[...], .loop, originalLength: nil)
    }

    /// Frames the short cut is not for (IPv4 options, a fragment, a zero total length, IPv6,
    /// a VLAN tag) are left to the walk, which still decodes those it can.
    func testShortCutLeavesOtherShapesToTheWalk() {
        let plain = ethernetFrames[0]
        var withIPOptions = Array(plain[..<14]) + [0x46] + Array(plain[15..<34]) + [1, 1, 1, 0] + Array(plain[34...])
        withIPOptions[17] &+= 4  // The total length counts the options.
        var fragment = plain
        fragment[20] = 0x20  // More fragments.
        var zeroTotal = plain
        zeroTotal[16] = 0
        zeroTotal[17] = 0
        let vlan = Array(plain[..<12]) + [0x81, 0x00, 0x00, 0x05] + Array(plain[12...])
        let ipv6 = SyntheticFrame.tcp(
            from: Endpoint(address: IPAddress("2001:db8::1")!, port: 1), to: Endpoint(address: IPAddress("2001:db8::2")!, port: 2),
            seq: 1, ack: 2, flags: .ack)
        for frame in [withIPOptions, fragment, zeroTotal, vlan, ipv6] {
            XCTAssertNil(PacketDecoder.decodeCommonShape(frame[...], linkType: .ethernet), "the short cut took \(frame)")
            checkAgreement(frame[...], .ethernet, originalLength: nil)
        }
        XCTAssertEqual(PacketDecoder.decode(fragment, linkType: .ethernet), .skipped(.fragment))
        guard case .tcp(let segment) = PacketDecoder.decode(withIPOptions, linkType: .ethernet) else {
            return XCTFail("a frame with IPv4 options did not decode")
        }
        XCTAssertEqual(segment.payloadLength, 37)
        guard case .tcp = PacketDecoder.decode(zeroTotal, linkType: .ethernet) else {
            return XCTFail("a frame whose IPv4 total length is 0 (segmentation offload) did not decode")
        }
    }
}
