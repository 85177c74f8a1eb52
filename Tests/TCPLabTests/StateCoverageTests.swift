import TCPLabAnalysis
import TCPLabEngine
import TCPLabReport
import XCTest

/// How `tcplab coverage --run` counts the rows nothing on the wire shows.
final class StateCoverageTests: XCTestCase {
    private func result(_ name: String, kernel checks: [TransitionCheck], steps: [StepResult] = []) -> LabResult {
        LabResult(
            name: name, title: name, summary: "", source: "", teaches: "", lesson: "", passed: true, seconds: 0, steps: steps,
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

    /// SYN-SENT → CLOSED is close() or the user timeout; a call of that socket that failed
    /// with ETIMEDOUT says it was the timeout.
    func testATimedOutCallNamesTheTimeoutRow() {
        let timedOut = StepResult(
            line: 9, actor: "c", action: "connect 192.0.2.9:80", expected: "ETIMEDOUT", observed: "ETIMEDOUT (Connection timed out)",
            status: .passed, time: 3, note: nil)
        let coverage = StateCoverage.measure(results: [result("lab", kernel: [kernelCheck("SYN-SENT", "CLOSED", explained: true)], steps: [timedOut])])
        XCTAssertEqual(coverage.rows.first { $0.transition.id == "syn-sent/user-timeout" }?.confirmedIn, ["lab"])
        XCTAssertEqual(coverage.rows.first { $0.transition.id == "syn-sent/close" }?.labs, [])
    }

    /// Linux's departures the labs measured are in the table: ABORT sends nothing in
    /// CLOSING and LAST-ACK, and close() with SO_LINGER {1, 0} cannot reach TIME-WAIT,
    /// with the reason.
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

    /// Data that reaches a socket closed in FIN-WAIT-1 (its FIN not yet acknowledged) is
    /// answered with an RST without ACK whose sequence number is the data's acknowledgment
    /// number (RFC 9293 section 3.10.7.1). That number is the receiver's RCV.NXT as far as
    /// the sender knows, so the RST is exact: the server takes fin-wait-1/data-after-close
    /// and the client, in CLOSE-WAIT after the FIN, close-wait/rst.
    func testResetAnsweringDataAfterCloseIsExactWithoutACK() {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.send(.server, [.syn, .ack])
        connection.send(.client, .ack)
        connection.send(.server, [.fin, .ack])
        connection.send(.client, [.psh, .ack], bytes: 4, ack: connection.serverISN &+ 1)
        connection.send(.server, .rst, seq: connection.serverISN &+ 1)
        let analyzer = TCPAnalyzer()
        var segments: [AnnotatedSegment] = []
        for (index, packet) in connection.packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
        }
        analyzer.finish()
        while let event = analyzer.nextEvent() {
            if case .segment(let segment, _) = event { segments.append(segment) }
        }
        let rows = StateCoverage.rowsReached(by: segments)
        XCTAssertEqual(rows["fin-wait-1/data-after-close"], [6])
        XCTAssertEqual(rows["close-wait/rst"], [6], "\(rows.keys.sorted())")
        XCTAssertEqual(segments.last.map { "\($0.clientState)/\($0.serverState)" }, "CLOSED/CLOSED")
    }
}
