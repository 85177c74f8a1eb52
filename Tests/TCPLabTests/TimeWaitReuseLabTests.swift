import TCPLabEngine
import TCPLabReport
import XCTest

/// TIME-WAIT on the server and SO_REUSEADDR (Labs/time-wait-reuse.yaml).
final class TimeWaitReuseLabTests: LabTestCase {
    override class var labName: String { "time-wait-reuse" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The server sent the first FIN, so its end holds TIME-WAIT, about 60 s, while the
    /// client's end went LAST-ACK and then disappeared.
    func testServerThatClosesFirstHoldsTimeWait() throws {
        let result = lab
        // Captured: stream 0's first FIN is the server's (active close), the client's answers it.
        let fins = result.segments.filter { $0.stream == 0 && $0.flags.contains("F") }
        XCTAssertEqual(fins.map(\.from), ["server", "client"])
        // The client's FIN, sent in CLOSE-WAIT, puts it in LAST-ACK until the server's ACK.
        XCTAssertEqual(fins.last?.clientState, "LAST-ACK")
        XCTAssertEqual(fins.last?.serverState, "TIME-WAIT")
        let check = try XCTUnwrap(result.kernel.first { $0.moment.hasPrefix("check") })
        let held = try XCTUnwrap(check.sockets.first { $0.name == "conn" }?.socket)
        XCTAssertEqual(held.state, .timeWait)
        XCTAssertEqual(Double(held.expiresMilliseconds) / 1000, 60, accuracy: 5)
        XCTAssertNil(check.sockets.first { $0.name == "client" }, "the client's end is gone (CLOSED)")
    }

    /// Neither socket set SO_REUSEADDR: bind fails with EADDRINUSE.
    func testRebindWithoutReuseAddressFailsWithEADDRINUSE() throws {
        XCTAssertEqual(lab.step("plain", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
    }

    /// Only the new socket set SO_REUSEADDR: still EADDRINUSE, because the TIME-WAIT
    /// socket inherited "no" from the old listener.
    func testReuseAddressOnTheNewSocketAloneIsNotEnough() throws {
        XCTAssertEqual(lab.step("reuser", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
    }

    /// Both generations set SO_REUSEADDR: the bind succeeds and a client connects.
    func testReuseAddressOnBothSocketsAllowsTheRebind() throws {
        let result = lab
        XCTAssertEqual(result.step("restarted", "bind")?.observed, "ok")
        XCTAssertEqual(result.step("restarted", "accept")?.observed, "ok")
        XCTAssertEqual(result.kernelSockets(named: "conn3").first?.socket.state, .established)
    }

    /// TIME-WAIT lasts Linux's fixed 60 s even with tcp_fin_timeout at 5 s: that sysctl,
    /// often suggested to shorten TIME-WAIT, bounds only an orphaned FIN-WAIT-2.
    func testTcpFinTimeoutDoesNotShortenTimeWait() throws {
        let result = lab
        XCTAssertEqual(result.step("setup", "sysctl net.ipv4.tcp_fin_timeout")?.status, .passed)
        let observed = try XCTUnwrap(result.step("lab", "check conn is TIME-WAIT")?.observed)
        let seconds = try XCTUnwrap(Double(observed.split(separator: " ").dropLast().last ?? ""), observed)
        XCTAssertGreaterThan(seconds, 55, "TIME-WAIT ended early: \(observed)")
    }
}
