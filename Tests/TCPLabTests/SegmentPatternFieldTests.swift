import TCPLabCapture
import TCPLabEngine
import TCPLabPacket
import TCPLabReport
import XCTest

/// Segment patterns check a segment's window, length, sequence and acknowledgment numbers
/// and options, as the analysis shows them, in capture expectations and in waits.
final class SegmentPatternFieldTests: XCTestCase {
    private func lab(_ capture: String) throws -> Lab {
        try LabFile.parse("""
            title: A lab
            summary: One line.
            teaches: Something.
            actors:
              server: listens
              client: connects
            steps:
              - server: socket
              - server: bind 127.0.0.1:8080
              - server: listen 4
              - client: socket
              - client: connect 127.0.0.1:8080
              - server: accept
                as: conn
              - client: send "hello"
              - wait: {segment: {from: client, len: 5, seq: 1, ack: 1}}
            capture:
            \(capture)
            lesson: What happened.

            """, name: "test", source: "my.yaml")
    }

    /// `payload` names the text a segment's payload starts with (as the capture holds it),
    /// shown back as a lab file would write it; an empty one is refused with its line.
    func testPayloadIsReadAndDescribed() throws {
        let parsed = try lab("  - {segment: {from: client, payload: \"GET /\\n\"}, count: 1}")
        XCTAssertEqual(parsed.capture.first?.description, "capture: 1 × client → any payload \"GET /\\n\"")
        XCTAssertThrowsError(try lab("  - {segment: {from: client, payload: \"\"}, count: 1}")) { error in
            XCTAssertTrue("\(error)".hasPrefix("my.yaml:18:"), "\(error)")
        }
    }

    /// A decoded segment knows where its payload starts in the frame, so the captured bytes
    /// can be read back (a snap length that cut them gives fewer).
    func testASegmentsPayloadIsReadFromItsFrame() throws {
        let frame = SyntheticFrame.tcp(from: 40000, to: 8080, seq: 1, ack: 1, flags: [.psh, .ack], payload: 5)
        let packet = CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: 0), linkType: .ethernet, data: frame[...])
        guard case .tcp(let segment) = packet.decode() else { return XCTFail("not decoded as TCP") }
        XCTAssertEqual(segment.payloadOffset, 14 + 20 + 20)
        XCTAssertEqual(packet.capturedPayload(of: segment).map(Array.init), [UInt8](repeating: 0x2E, count: 5))
        let cut = CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: 0), linkType: .ethernet, data: frame.dropLast(2))
        XCTAssertEqual(cut.capturedPayload(of: segment)?.count, 3)
    }

    /// The fields are read as numbers or bounds, the options as names, and shown in words.
    func testFieldsAndOptionsAreReadAndDescribed() throws {
        let parsed = try lab("  - {segment: {from: server, flags: SA, window: \">= 1\", len: 0, seq: 0, ack: 1, options: [mss, timestamps]}, count: 1}")
        XCTAssertEqual(parsed.capture.first?.description, "capture: 1 × server → any SA window ≥ 1 len 0 seq 0 ack 1 options mss, timestamps")
    }

    /// An option's value (`mss: 1000`, `wscale: 7`) is a number or bound like the other
    /// fields, and `without-options` names options that must be absent.
    func testOptionValuesAndAbsentOptionsAreReadAndDescribed() throws {
        let parsed = try lab("  - {segment: {from: client, flags: S, mss: 1000, wscale: \"<= 7\", without-options: [timestamps, sack]}, count: 1}")
        XCTAssertEqual(parsed.capture.first?.description, "capture: 1 × client → any S mss 1000 wscale ≤ 7 without options timestamps, sack")
    }

    /// A check reads the options the connection settled by their names, or none; another
    /// name is refused with its line and the names allowed.
    func testNegotiatedOptionsAreReadByNameOrNone() throws {
        func check(_ facts: String) throws -> String? {
            let lab = try LabFile.parse("""
                title: A lab
                summary: One line.
                teaches: Something.
                actors:
                  client: connects
                steps:
                  - client: socket
                  - check: {socket: client, \(facts)}
                lesson: What happened.

                """, name: "test", source: "my.yaml")
            guard case .check(let check) = lab.steps.last?.action else { return nil }
            return check.description
        }
        XCTAssertEqual(try check("negotiated: [timestamps, wscale], snd-wscale: 7, rcv-wscale: 10, mss: 1448"),
                       "client has options in use: wscale, timestamps, snd-wscale 7, rcv-wscale 10, mss 1448")
        XCTAssertEqual(try check("negotiated: none"), "client has options in use: none")
        XCTAssertThrowsError(try check("negotiated: [ecn]")) { error in
            XCTAssertEqual("\(error)", "my.yaml:8: 'negotiated' lists options from wscale, sack-permitted, timestamps, or none; not 'ecn'")
        }
    }

    /// `loopback` takes an MTU in range and gso on or off, and not an MTU that shaping
    /// sets too.
    func testLoopbackSetupIsChecked() throws {
        func parse(_ setup: String) throws -> Lab {
            try LabFile.parse("""
                title: A lab
                summary: One line.
                teaches: Something.
                setup:
                \(setup)
                actors:
                  client: connects
                steps:
                  - client: socket
                lesson: What happened.

                """, name: "test", source: "my.yaml")
        }
        let lab = try parse("  loopback: {mtu: 1500, gso: off}")
        XCTAssertEqual(lab.loopback?.mtu, 1500)
        XCTAssertEqual(lab.loopback?.segmentationOffload, false)
        XCTAssertThrowsError(try parse("  loopback: {gso: maybe}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:5: gso is on or off")
        }
        XCTAssertThrowsError(try parse("  loopback: {mtu: 100}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:5: mtu is a number of bytes from 576 to 65536")
        }
        XCTAssertThrowsError(try parse("  shaping: {rate: 1mbit, burst: 2000, latency: 1s}\n  loopback: {mtu: 1500}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:6: shaping sets lo's MTU already: give mtu in one of them")
        }
    }

    /// An unknown option and a value that is no number are file:line: errors naming what is allowed.
    func testUnknownOptionAndBadNumberAreRefusedWithTheirLine() {
        XCTAssertThrowsError(try lab("  - {segment: {from: server, options: [nop]}, count: 1}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:18: unknown option 'nop'; options: mss, wscale, sack-permitted, timestamps, sack")
        }
        XCTAssertThrowsError(try lab("  - {segment: {from: server, window: big}, count: 1}")) { error in
            XCTAssertEqual((error as? LabFileError)?.line, 18)
            XCTAssertEqual((error as? LabFileError)?.message.hasPrefix("'big' is not a number or bound"), true, "\(error)")
        }
    }

    /// On a real run the wait finds the 5-byte data segment by its numbers; the SYN-ACK
    /// carries the options the SYN offered, and a window the segment does not have fails
    /// the expectation instead of passing it.
    func testRealRunMatchesNumbersAndOptions() throws {
        try TestEnvironment.requireRoot()
        let result = LabRunner(kernelLog: false).run(try lab("""
              - {segment: {from: server, flags: SA, seq: 0, ack: 1, len: 0, options: [mss, wscale, sack-permitted, timestamps]}, count: 1}
              - {segment: {from: client, len: 5, seq: 1, window: ">= 1"}, count: 1}
              - {segment: {from: client, len: 5, window: 0}, count: 0}
              - {segment: {from: client, flags: S, window: "0..10"}, count: 1}
            """), capturePath: nil)
        XCTAssertTrue(result.steps.allSatisfy { $0.status == .passed }, "\(result.steps.map(\.observed))")
        XCTAssertEqual(result.capture.map(\.passed), [true, true, true, false], "\(result.capture.map(\.observed))")
        XCTAssertEqual(result.capture.last?.observed, "0 matching")
    }
}
