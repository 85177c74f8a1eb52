import TCPLabEngine
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

    /// The fields are read as numbers or bounds, the options as names, and shown in words.
    func testFieldsAndOptionsAreReadAndDescribed() throws {
        let parsed = try lab("  - {segment: {from: server, flags: SA, window: \">= 1\", len: 0, seq: 0, ack: 1, options: [mss, timestamps]}, count: 1}")
        XCTAssertEqual(parsed.capture.first?.description, "capture: 1 × server → any SA window ≥ 1 len 0 seq 0 ack 1 options mss, timestamps")
    }

    /// An unknown option and a value that is no number are file:line: errors naming what is allowed.
    func testUnknownOptionAndBadNumberAreRefusedWithTheirLine() {
        XCTAssertThrowsError(try lab("  - {segment: {from: server, options: [nop]}, count: 1}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:18: unknown option 'nop'; options: mss, wscale, sack-permitted, timestamps")
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
