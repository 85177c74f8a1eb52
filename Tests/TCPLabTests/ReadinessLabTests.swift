import TCPLabEngine
import TCPLabReport
import XCTest

/// What poll() reports at each lifecycle event (Labs/readiness.yaml).
final class ReadinessLabTests: LabTestCase {
    override class var labName: String { "readiness" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A listener is readable when a connection waits for accept(); a finished
    /// non-blocking connect is writable with SO_ERROR 0.
    func testPendingAcceptIsPOLLINAndFinishedConnectIsPOLLOUT() throws {
        let result = lab
        XCTAssertEqual(result.steps("server", "poll").map(\.observed), ["none", "POLLIN"])
        XCTAssertEqual(result.step("client", "poll")?.observed, "POLLOUT")
        XCTAssertEqual(result.step("client", "getsockopt SO_ERROR")?.observed, "ok")
    }

    /// Data makes a socket readable; the peer's FIN does too, with POLLRDHUP.
    func testFINIsPOLLINWithPOLLRDHUP() throws {
        let polls = lab.steps("conn", "poll").map(\.observed)
        XCTAssertEqual(polls.prefix(3), ["POLLOUT", "POLLIN POLLOUT", "POLLIN POLLOUT POLLRDHUP"])
    }

    /// After a reset, and after a refused connect, poll reports every event, POLLERR and
    /// POLLHUP included; only SO_ERROR tells a refused connect from a finished one.
    func testResetAndRefusedConnectReportErrorAndHangUp() throws {
        let result = lab
        let everything = "POLLIN POLLOUT POLLRDHUP POLLERR POLLHUP"
        XCTAssertEqual(result.step("conn2", "poll")?.observed, everything)
        XCTAssertEqual(result.step("client3", "poll")?.observed, everything)
        XCTAssertEqual(result.step("client3", "getsockopt SO_ERROR")?.observed.hasPrefix("ECONNREFUSED"), true)
    }

    /// POLLHUP does not mean a reset: once both directions are shut down in order (the
    /// peer's FIN in, our own shutdown out), poll reports POLLHUP with no POLLERR.
    func testBothDirectionsShutDownInOrderReportPOLLHUPWithoutPOLLERR() throws {
        let polls = lab.steps("conn", "poll")
        XCTAssertEqual(polls.count, 4)
        XCTAssertEqual(polls.last?.observed, "POLLIN POLLOUT POLLRDHUP POLLHUP")
    }
}
