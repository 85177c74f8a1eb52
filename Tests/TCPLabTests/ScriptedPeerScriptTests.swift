import Foundation
import TCPLabEngine
import TCPLabPacket
import TCPLabPeer
import XCTest

/// A scripted peer's lines read like the ladder, and the segments they make are ones the
/// kernel accepts: right checksums, options laid out as Linux lays them out.
final class ScriptedPeerScriptTests: XCTestCase {
    private let header = """
        title: A lab
        summary: One line.
        teaches: Something.
        actors:
          server: listens
          peer:
            description: tcplab
            peer: 192.0.2.1:40000
            to: 192.0.2.2:8080
        lesson: What happened.

        """

    private func parseError(_ text: String) -> String? {
        do {
            _ = try PeerStep(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    /// A send line gives flags, numbers relative or absolute, the window, options and a payload.
    func testSendLineReadsFlagsNumbersOptionsAndPayload() throws {
        let step = try PeerStep(parsing: #"send  SA seq=0 ack=@4000000000 win=1024 mss=1460 wscale=7 sackok ts=100,0 "hi\n""#)
        guard case .send(let segment) = step.action else { return XCTFail("not a send: \(step)") }
        XCTAssertEqual(segment.flags, [.syn, .ack])
        XCTAssertEqual(segment.sequence, .relative(0))
        XCTAssertEqual(segment.acknowledgment, .absolute(4_000_000_000))
        XCTAssertEqual(segment.window, 1024)
        XCTAssertEqual(segment.maximumSegmentSize, 1460)
        XCTAssertEqual(segment.windowScale, 7)
        XCTAssertTrue(segment.sackPermitted)
        XCTAssertEqual(segment.timestamps, .values(value: 100, echoReply: 0))
        XCTAssertEqual(segment.payload, Array("hi\n".utf8))
        XCTAssertEqual(step.text, #"send SA seq=0 ack=@4000000000 win=1024 mss=1460 wscale=7 sackok ts=100,0 "hi\n""#)
        guard case .send(let bulk) = try PeerStep(parsing: "send PA seq=1 100 bytes").action else { return XCTFail("not a send") }
        XCTAssertEqual(bulk.payload.count, 100)
    }

    /// An expect line is a pattern with a time bound; "expect nothing" waits for silence.
    func testExpectLineIsAPatternWithATimeBound() throws {
        let step = try PeerStep(parsing: "expect SA ack=1 win=1..65535 len=0 mss wscale=7 nots within 1.5s")
        guard case .expect(let pattern, let within) = step.action else { return XCTFail("not an expect") }
        XCTAssertEqual(pattern.flags, [.syn, .ack])
        XCTAssertEqual(pattern.acknowledgment, .relative(1))
        XCTAssertEqual(pattern.window, 1...65535)
        XCTAssertEqual(pattern.length, 0...0)
        XCTAssertEqual(pattern.maximumSegmentSize, .present)
        XCTAssertEqual(pattern.windowScale, .equal(7))
        XCTAssertEqual(pattern.timestamps, false)
        XCTAssertEqual(within, .milliseconds(1500))
        guard case .expectNothing(let quiet) = try PeerStep(parsing: "expect nothing within 300ms").action else { return XCTFail("not nothing") }
        XCTAssertEqual(quiet, .milliseconds(300))
    }

    /// Mistakes are explained with the words the vocabulary has.
    func testMistakesNameWhatIsAllowed() {
        XCTAssertEqual(parseError("send SX"), "'X' in 'SX' is not a flag letter; flags are S (SYN), A (ACK), F (FIN), R (RST), P (PSH), U (URG), E (ECE), C (CWR)")
        XCTAssertEqual(parseError("send S len=3")?.hasPrefix("unknown word 'len=3' in send; send takes seq, ack, win, mss, wscale, sackok, ts"), true)
        XCTAssertEqual(parseError("expect A sack=1"), "'sack' takes no value")
        XCTAssertEqual(parseError("send S wscale=15"), "wscale takes a number from 0 to 14, not '15'")
        XCTAssertEqual(parseError("expect A within soon"), "'within' takes a time like 1s or 500ms, at most 600s; not 'soon'")
        XCTAssertEqual(parseError("expect A within 1s ack=1"), "'within TIME' comes last in an expect line")
        XCTAssertEqual(parseError("expect A \"x\""), "expect takes no payload; check its length with len=N")
        XCTAssertEqual(parseError("send S seq=x")?.hasPrefix("seq takes a number relative to the initial sequence number"), true)
        XCTAssertEqual(parseError("connect")?.hasPrefix("unknown peer step 'connect'"), true)
    }

    /// A peer in a lab file: its steps parse, and mistakes carry the file's line.
    func testPeerStepsInALabFileCarryTheirLine() throws {
        let lab = try LabFile.parse(header + "steps:\n  - peer: send S seq=0\n  - peer: expect SA ack=1 within 1s\n    note: the answer\n", name: "t", source: "t.yaml")
        XCTAssertTrue(lab.hasPeer)
        XCTAssertEqual(lab.actors.last?.peer?.address.description, "192.0.2.1:40000")
        XCTAssertEqual(lab.actors.last?.peer?.to?.description, "192.0.2.2:8080")
        XCTAssertEqual(lab.steps.count, 2)
        do {
            _ = try LabFile.parse(header + "steps:\n  - peer: send Q\n", name: "t", source: "t.yaml")
            XCTFail("accepted flag Q")
        } catch {
            XCTAssertEqual(error.line, 12)
            XCTAssertTrue(error.message.hasPrefix("'Q' in 'Q' is not a flag letter"), error.message)
        }
    }

    /// A peer's address is one the TUN device routes, its `to` the kernel's end; a peer
    /// makes no socket calls and is not a socket to wait on.
    func testPeerAddressesAndUseAreChecked() {
        func refusal(_ text: String) -> String? {
            do {
                _ = try LabFile.parse(text, name: "t", source: "t.yaml")
                return nil
            } catch {
                return error.message
            }
        }
        let wrongAddress = header.replacingOccurrences(of: "peer: 192.0.2.1:40000", with: "peer: 10.0.0.1:40000")
        XCTAssertEqual(refusal(wrongAddress + "steps: []\n")?.hasPrefix("a peer's address is 192.0.2.1:40000 or [2001:db8::1]:40000"), true)
        let wrongTo = header.replacingOccurrences(of: "to: 192.0.2.2:8080", with: "to: 127.0.0.1:8080")
        XCTAssertEqual(refusal(wrongTo + "steps: []\n")?.hasPrefix("a peer talks to the kernel's end of the TUN device"), true)
        XCTAssertEqual(refusal(header + "steps:\n  - peer: socket\n")?.hasPrefix("unknown peer step 'socket'"), true)
        XCTAssertEqual(refusal(header + "steps:\n  - peer: send S\n    expect: ok\n"), "'expect' belongs to a socket call, not to 'peer'")
        XCTAssertEqual(refusal(header + "steps:\n  - wait: {socket: peer, state: LISTEN}\n")?.hasPrefix("no socket named 'peer'"), true)
        let twoPeers = header.replacingOccurrences(of: "lesson:", with: "  other:\n    description: another\n    peer: 192.0.2.1:40000\nlesson:")
        XCTAssertEqual(refusal(twoPeers + "steps: []\n"), "peers 'peer' and 'other' both have 192.0.2.1:40000: give each its own port")
    }

    /// A crafted IPv4 segment carries valid IP and TCP checksums, and decodes back to the
    /// fields and options it was made from.
    func testCraftedIPv4SegmentHasValidChecksumsAndDecodesBack() throws {
        var options = TCPOptions()
        options.maximumSegmentSize = 1460
        options.sackPermitted = true
        options.timestamp = TCPOptions.Timestamp(value: 7, echoReply: 9)
        options.windowScale = 7
        let segment = CraftedSegment(header: TCPSegment(
            source: Endpoint(address: IPAddress("192.0.2.1")!, port: 40000), destination: Endpoint(address: IPAddress("192.0.2.2")!, port: 8080),
            sequenceNumber: 0xFFFF_FFF0, acknowledgmentNumber: 1, flags: [.syn, .ack], window: 65535, options: options), payload: Array("odd".utf8))
        let packet = segment.packet(identification: 42)
        XCTAssertEqual(packet.count, 20 + 40 + 3, "20-byte IP header, 20-byte TCP header, 20 bytes of options, 3 of payload")
        XCTAssertEqual(CraftedSegment.checksum(Array(packet[0..<20])), 0, "the IP header sums to all ones")
        let pseudo = Array(packet[12..<20]) + [0, 6, 0, UInt8(packet.count - 20)]
        XCTAssertEqual(CraftedSegment.checksum(pseudo + Array(packet[20...])), 0, "the TCP segment and pseudo-header sum to all ones")
        guard case .tcp(let decoded) = PacketDecoder.decode(packet, linkType: .raw) else { return XCTFail("does not decode") }
        XCTAssertEqual(decoded.sequenceNumber, 0xFFFF_FFF0)
        XCTAssertEqual(decoded.flags, [.syn, .ack])
        XCTAssertEqual(decoded.payloadLength, 3)
        XCTAssertEqual(decoded.options, options)
        XCTAssertEqual(Array(packet[40..<60]), [2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 1, 3, 3, 7], "Linux's SYN layout")
    }

    /// An IPv6 segment's checksum covers the IPv6 pseudo-header (RFC 8200 8.1).
    func testCraftedIPv6SegmentHasAValidChecksum() throws {
        let segment = CraftedSegment(header: TCPSegment(
            source: Endpoint(address: IPAddress("2001:db8::1")!, port: 40000), destination: Endpoint(address: IPAddress("2001:db8::2")!, port: 8080),
            sequenceNumber: 5, acknowledgmentNumber: 0, flags: .syn, window: 1000))
        let packet = segment.packet()
        XCTAssertEqual(packet.count, 60)
        let length = UInt8(packet.count - 40)
        let pseudo = Array(packet[8..<40]) + [0, 0, 0, length, 0, 0, 0, 6]
        XCTAssertEqual(CraftedSegment.checksum(pseudo + Array(packet[40...])), 0)
        guard case .tcp(let decoded) = PacketDecoder.decode(packet, linkType: .raw) else { return XCTFail("does not decode") }
        XCTAssertEqual(decoded.source.description, "[2001:db8::1]:40000")
    }

    /// Labs/README.md shows the vocabulary's tables as the code has them.
    func testLabGuideShowsTheVocabularyTables() throws {
        let guide = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Labs/README.md"), encoding: .utf8)
        XCTAssertTrue(guide.contains(PeerVocabulary.markdown), "paste PeerVocabulary.markdown into Labs/README.md:\n\(PeerVocabulary.markdown)")
    }

    /// An expect matches S, A, F and R exactly and P only when written; its numbers count
    /// from the kernel's SYN (seq) and the peer's initial sequence number (ack).
    func testExpectMatchesFlagsExactlyAndNumbersRelatively() throws {
        let peer = Endpoint(address: IPAddress("192.0.2.1")!, port: 40000)
        let kernel = Endpoint(address: IPAddress("192.0.2.2")!, port: 8080)
        var connection = ScriptedPeer.Connection(actor: "peer", local: peer, remote: kernel, initialSequence: 1000)
        func pattern(_ line: String) throws -> PeerPattern {
            let step = try PeerStep(parsing: line)
            guard case .expect(let pattern, _) = step.action else { throw PeerSyntaxError("not an expect") }
            return pattern
        }
        var options = TCPOptions()
        options.maximumSegmentSize = 1460
        let synack = TCPSegment(source: kernel, destination: peer, sequenceNumber: 4_294_967_000, acknowledgmentNumber: 1001, flags: [.syn, .ack], window: 64240, options: options)
        XCTAssertTrue(connection.receives(synack))
        connection.take(synack)
        XCTAssertTrue(connection.matches(synack, try pattern("expect SA seq=0 ack=1 mss=1460 win=64240 len=0")))
        XCTAssertFalse(connection.matches(synack, try pattern("expect A ack=1")), "SYN is not written, so it must be clear")
        XCTAssertFalse(connection.matches(synack, try pattern("expect SA ack=2")))
        XCTAssertFalse(connection.matches(synack, try pattern("expect SA wscale")), "no window scale option")
        XCTAssertTrue(connection.matches(synack, try pattern("expect SA seq=@4294967000")))
        // Data crossing the wrap of the sequence space: relative 1 is absolute 4294967001.
        let data = TCPSegment(source: kernel, destination: peer, sequenceNumber: 4_294_967_001, acknowledgmentNumber: 1001, flags: [.ack, .psh], window: 500, payloadLength: 300)
        connection.take(data)
        XCTAssertTrue(connection.matches(data, try pattern("expect A seq=1 ack=1 len=300")), "PSH is not checked unless written")
        XCTAssertTrue(connection.matches(data, try pattern("expect PA len=1..1000")))
        XCTAssertFalse(connection.matches(data, try pattern("expect FA seq=1")))
        XCTAssertEqual(connection.kernelNext, 4_294_967_001 &+ 300, "one past the kernel's last byte, across the wrap")
    }
}
