import TCPLabEngine
import TCPLabReport
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
        // Captured: the restarted server answers the client's new SYN (and client2's).
        XCTAssertEqual(result.segments(from: "new2", flags: "SA").count, 2)
    }

    /// The exited server's end of a connection waits in FIN-WAIT-2 until the client closes
    /// too; only then does it hold TIME-WAIT.
    func testServersEndWaitsInFinWait2UntilTheClientCloses() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check conn is FIN-WAIT-2")?.observed, "FIN-WAIT-2")
        XCTAssertEqual(result.step("lab", "wait until conn is TIME-WAIT")?.status, .passed)
    }

    /// "A socket connects once" holds only for a socket that has connected: after a refused
    /// connect, Linux lets the same socket connect again.
    func testSocketWhoseConnectFailedMayConnectAgain() throws {
        let connects = lab.steps("client2", "connect")
        XCTAssertEqual(connects.count, 2)
        XCTAssertEqual(connects.first?.observed.hasPrefix("ECONNREFUSED"), true)
        XCTAssertEqual(connects.last?.observed, "ok")
    }
}
