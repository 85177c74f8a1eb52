import TCPLabAnalysis
import TCPLabEngine
import TCPLabKernel
import TCPLabReport
import XCTest

/// SO_LINGER with a timeout (Labs/linger-timeout.yaml).
final class LingerTimeoutLabTests: LabTestCase {
    override class var labName: String { "linger-timeout" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A lingering close() returns when the FIN is acknowledged, not when the data is: the
    /// data's ACK came at once, the FIN's (delayed) ACK later, and close() ended with it.
    func testLingeringCloseWaitsForTheAckOfTheFin() throws {
        let result = lab
        let close = try XCTUnwrap(result.step("quick", "close"))
        let data = try XCTUnwrap(result.segments(from: "quick", label: "data").first)
        let dataAck = try XCTUnwrap(result.segments(from: "server", label: "pure ACK").first { $0.stream == data.stream })
        let finAck = try XCTUnwrap(result.segments(from: "server", label: "ACK of FIN").first { $0.stream == data.stream })
        XCTAssertLessThan(dataAck.time - data.time, 0.01)
        let duration = try XCTUnwrap(close.duration)
        XCTAssertEqual(duration, finAck.time - data.time, accuracy: 0.015)
    }

    /// When the linger time runs out close() returns 0 after it, and nothing is reset: the
    /// orphan stays in FIN-WAIT-1 probing the zero window, and every byte arrives later.
    func testExpiredLingerNeitherFailsNorResets() throws {
        let result = lab
        let close = try XCTUnwrap(result.step("client", "close"))
        XCTAssertEqual(close.observed.hasPrefix("ok"), true, close.observed)
        XCTAssertEqual(try XCTUnwrap(close.duration), 1, accuracy: 0.2)
        XCTAssertEqual(result.segments(flags: "R").count, 0)
        let orphan = try XCTUnwrap(result.kernelSockets(named: "client").first { $0.socket.state == .finWait1 })
        XCTAssertEqual(orphan.socket.timer, .persist)
        XCTAssertGreaterThan(orphan.socket.sendQueue, 0)
        XCTAssertEqual(result.step("conn2", "recv all")?.status, .passed)
    }
}
