import TCPLabAnalysis
import TCPLabEngine
import TCPLabReport
import XCTest

/// How `tcplab coverage --run` counts the rows nothing on the wire shows.
final class StateCoverageTests: XCTestCase {
    private func result(_ name: String, kernel checks: [TransitionCheck]) -> LabResult {
        LabResult(
            name: name, title: name, summary: "", source: "", teaches: "", lesson: "", passed: true, seconds: 0, steps: [],
            capture: [], kernel: [], counters: [], captureFile: nil, packetsCaptured: 0, packetsDropped: 0, segments: [],
            error: nil, interrupted: false, kernelAgreement: checks)
    }

    private func kernelCheck(_ from: String, _ to: String, explained: Bool) -> TransitionCheck {
        TransitionCheck(
            seenBy: "kernel", socket: "c", ends: "192.0.2.2:8080 ↔ 192.0.2.1:40004", from: from, to: to, frame: nil,
            verdict: explained ? "explained by the lab's close() with SO_LINGER {1, 0}" : "and the wire shows no such transition",
            agrees: explained, confirmed: explained)
    }

    /// A kernel move the lab's call explains counts for the one row with that move and no
    /// wire evidence: LAST-ACK → CLOSED is last-ack/abort (the other LAST-ACK → CLOSED rows
    /// show on the wire).
    func testExplainedKernelMoveCountsForItsOnlyWirelessRow() {
        let coverage = StateCoverage.measure(results: [result("lab", kernel: [kernelCheck("LAST-ACK", "CLOSED", explained: true)])])
        let row = coverage.rows.first { $0.transition.id == "last-ack/abort" }
        XCTAssertEqual(row?.labs, ["lab"])
        XCTAssertEqual(row?.confirmedIn, ["lab"])
        XCTAssertNil(row?.gap)
        XCTAssertEqual(coverage.rows.first { $0.transition.id == "last-ack/rst" }?.labs, [])
    }

    /// A move two wireless rows share (SYN-SENT → CLOSED: close() or the user timeout) and a
    /// move nothing explains count for no row.
    func testAmbiguousOrUnexplainedKernelMovesCountForNothing() {
        let coverage = StateCoverage.measure(results: [result("lab", kernel: [
            kernelCheck("SYN-SENT", "CLOSED", explained: true), kernelCheck("CLOSING", "CLOSED", explained: false),
        ])])
        XCTAssertEqual(coverage.covered, 0)
        XCTAssertEqual(coverage.confirmed, 0)
        XCTAssertEqual(coverage.rows.first { $0.transition.id == "closing/abort" }?.gap, .kernelOnly)
    }

    /// Linux's departures the labs measured are in the table: ABORT sends nothing in
    /// CLOSING and LAST-ACK, and TIME-WAIT cannot be aborted, with the reason.
    func testTableRecordsTheAbortsLinuxTakesAndTheOneItCannot() throws {
        for id in ["closing/abort", "last-ack/abort"] {
            let row = try XCTUnwrap(TransitionTable.row(id))
            XCTAssertEqual(row.evidence, .none, id)
            XCTAssertTrue(row.onLinux, id)
        }
        let timeWait = try XCTUnwrap(TransitionTable.row("time-wait/abort"))
        XCTAssertFalse(timeWait.onLinux)
        XCTAssertTrue(timeWait.linux?.contains("TCP_CLOSE") == true)
    }
}
