import TCPLabEngine
import XCTest

/// A server that exits and starts again (Labs/server-restart.yaml).
final class ServerRestartLabTests: LabTestCase {
    override class var labName: String { "server-restart" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The client learns of the server's exit as end of stream, and must use a new socket.
    func testClientSeesEndOfStreamAndNeedsANewSocket() throws {
        let result = lab
        XCTAssertEqual(result.steps("client", "recv").first?.observed.hasPrefix("0 (end of stream"), true)
        XCTAssertEqual(result.steps("client", "connect 127.0.0.1:8080").last?.observed.hasPrefix("EISCONN"), true)
    }

    /// The restarted server binds its port at once only when both generations set SO_REUSEADDR.
    func testRestartedServerBindsOnlyWithReuseAddress() throws {
        let result = lab
        XCTAssertEqual(result.step("new", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
        XCTAssertEqual(result.step("new2", "bind")?.observed, "ok")
        // Captured: the restarted server answers the client's new SYN.
        XCTAssertEqual(result.segments(from: "new2", flags: "SA").count, 1)
    }
}
