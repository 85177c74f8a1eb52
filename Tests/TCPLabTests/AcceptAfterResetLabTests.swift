import TCPLabEngine
import TCPLabReport
import XCTest

/// A connection reset while it waits in the accept queue (Labs/accept-after-reset.yaml).
final class AcceptAfterResetLabTests: LabTestCase {
    override class var labName: String { "accept-after-reset" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// accept() returns a connection that was reset in the queue.
    func testAcceptReturnsAConnectionResetInTheQueue() throws {
        let result = lab
        // Captured: the client's RST comes before the server's accept() call.
        let reset = try XCTUnwrap(result.segments(from: "client", flags: "R").first)
        let accepted = try XCTUnwrap(result.step("server", "accept"))
        XCTAssertEqual(accepted.observed, "ok")
        XCTAssertLessThan(reset.time, accepted.time)
    }

    /// recv gives the bytes sent before the reset, then ECONNRESET, then 0.
    func testRecvGivesTheDataThenECONNRESETThenZero() throws {
        let observed = lab.steps("conn", "recv").map(\.observed)
        XCTAssertEqual(observed.count, 3)
        XCTAssertEqual(observed.first, #"5 bytes: "hello""#)
        XCTAssertEqual(observed.dropFirst().first?.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(observed.last?.hasPrefix("0"), true)
    }
}
