import TCPLabEngine
import TCPLabReport
import XCTest

/// `tcplab run` measures time on the wire itself: `gap` bounds the seconds between two
/// segments, `gaps` the ratio of each gap between matching segments to the one before.
final class CaptureTimingTests: XCTestCase {
    /// A client whose SYNs go into a black hole, retrying once by TCP_SYNCNT.
    private func lab(_ capture: String) throws -> Lab {
        try LabFile.parse("""
            title: A lab
            summary: One line.
            teaches: Something.
            actors:
              client: connects to a black hole
            steps:
              - firewall: |
                  add table inet lab
                  add chain inet lab input { type filter hook input priority 0; policy accept; }
                  add rule inet lab input tcp dport 8080 drop
              - client: socket
              - client: setsockopt TCP_SYNCNT 1
              - client: connect 127.0.0.1:8080
                within: 10s
                expect: ETIMEDOUT
            capture:
            \(capture)
            lesson: What happened.

            """, name: "test", source: "my.yaml")
    }

    /// `gap` and `gaps` are read with their patterns and bounds; a missing part, or another
    /// key beside them, is a file:line: error.
    func testGapAndGapsAreReadAndRefusedWhenIncomplete() throws {
        let parsed = try lab("""
              - gap: {from: {from: client, flags: S}, to: {from: client, label: SYN retransmission}, seconds: "0.9..1.2"}
              - gaps: {segment: {from: client, flags: S}, ratio: "1.6..2.4"}
            """)
        XCTAssertEqual(parsed.capture.map(\.description), [
            "capture: 0.9–1.2 s from client → any S to client → any [SYN retransmission]",
            "capture: each gap between client → any S is 1.6–2.4 × the one before",
        ])
        XCTAssertThrowsError(try lab("  - gap: {from: {from: client}, seconds: 1}")) { error in
            XCTAssertEqual("\(error)", "my.yaml:17: 'gap' needs from, to (segments) and seconds (\"0.9..1.2\")")
        }
        XCTAssertThrowsError(try lab("  - {gaps: {segment: {from: client}, ratio: 2}, count: 1}")) { error in
            XCTAssertEqual((error as? LabFileError)?.line, 17)
            XCTAssertEqual((error as? LabFileError)?.message.hasPrefix("'gap' and 'gaps' stand alone"), true, "\(error)")
        }
    }

    /// This kernel's first SYN retries wait the same 1 s each (tcp_syn_linear_timeouts), so
    /// the measured gap is about 1 s and the gaps do not double: a doubling bound fails, a
    /// bound around 1 passes.
    func testLinearSynRetriesHaveOneSecondGapsThatDoNotDouble() throws {
        try TestEnvironment.requireRoot()
        let result = LabRunner(kernelLog: false).run(try lab("""
              - gap: {from: {from: client, label: handshake 1/3}, to: {from: client, label: SYN retransmission}, seconds: "0.9..1.3"}
              - gaps: {segment: {from: client, flags: S}, ratio: "0.8..1.25"}
              - gaps: {segment: {from: client, flags: S}, ratio: "1.6..2.4"}
              - gaps: {segment: {from: client, flags: R}, ratio: "0..100"}
            """), capturePath: nil)
        XCTAssertTrue(result.steps.allSatisfy { $0.status == .passed }, "\(result.steps.map(\.observed))")
        XCTAssertEqual(result.capture.map(\.passed), [true, true, false, false], "\(result.capture.map(\.observed))")
        XCTAssertEqual(result.capture.last?.observed, "0 matching; two gaps need three segments")
        XCTAssertEqual(result.capture.first?.observed.hasSuffix(" s (frames 1 to 2)"), true, result.capture.first?.observed ?? "")
    }
}
