import Foundation
import TCPLabEngine
import TCPLabReport
import XCTest

/// FINs that cross: FIN-WAIT-1, CLOSING, TIME-WAIT on both ends
/// (Labs/simultaneous-close.yaml).
final class SimultaneousCloseLabTests: LabTestCase {
    override class var labName: String { "simultaneous-close" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The kernel listed each end in FIN-WAIT-1, then CLOSING, then TIME-WAIT.
    func testKernelShowsFinWait1ClosingTimeWaitOnBothEnds() throws {
        let result = lab
        for socket in ["client", "conn"] {
            let seen = result.steps.filter { $0.actor == "lab" && $0.action.contains(" \(socket) is ") && $0.status == .passed }
            XCTAssertEqual(seen.map { $0.action.components(separatedBy: " is ").last ?? "" }, ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"], socket)
        }
    }

    /// The FINs crossed: neither FIN acknowledges the other, and the capture's state
    /// columns take each end through CLOSING.
    func testFINsCrossOnTheWire() throws {
        let result = lab
        // Captured: the client's FIN, then the server's; each ack stops short of the other FIN.
        let clientFIN = try XCTUnwrap(result.segments(from: "client", flags: "F").first)
        let serverFIN = try XCTUnwrap(result.segments(from: "server", flags: "F").first)
        XCTAssertLessThanOrEqual(serverFIN.ack, clientFIN.seq)
        XCTAssertLessThanOrEqual(clientFIN.ack, serverFIN.seq)
        XCTAssertTrue(result.segments.contains { $0.clientState == "CLOSING" })
        XCTAssertTrue(result.segments.contains { $0.serverState == "CLOSING" })
        XCTAssertEqual(result.segments.last?.clientState, "TIME-WAIT")
        XCTAssertEqual(result.segments.last?.serverState, "TIME-WAIT")
        XCTAssertTrue(result.segments(label: "retransmission").isEmpty)
    }

    /// The lab's rate limit stays in its namespace: the host's lo keeps its MTU and has
    /// no tbf queue.
    func testShapingStaysInTheLabNamespace() throws {
        let mtu = try String(contentsOfFile: "/sys/class/net/lo/mtu", encoding: .utf8)
        XCTAssertNotEqual(mtu.trimmingCharacters(in: .whitespacesAndNewlines), "1500")
        try TestEnvironment.requireTool("tc")
        let qdisc = try ChildProcess.run(["tc", "qdisc", "show", "dev", "lo"])
        XCTAssertFalse(qdisc.output.contains("tbf"), qdisc.output)
    }
}
