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
        // Captured: the restarted server answers the client's new SYN.
        XCTAssertEqual(result.segments(from: "new2", flags: "SA").count, 1)
    }

    /// The exited server's end of a connection waits in FIN-WAIT-2 until the client closes
    /// too; only then does it hold TIME-WAIT.
    func testServersEndWaitsInFinWait2UntilTheClientCloses() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check conn is FIN-WAIT-2")?.observed, "FIN-WAIT-2")
        XCTAssertEqual(result.step("lab", "wait until conn is TIME-WAIT")?.status, .passed)
    }

    /// "A socket connects once" holds only for a socket that is connected: after a refused
    /// connect, Linux lets the same socket connect again, to the same address, once a
    /// server listens there.
    func testSocketWhoseConnectWasRefusedConnectsOnceTheServerListens() throws {
        let connects = lab.steps("client2", "connect 127.0.0.1:8082").map(\.observed)
        XCTAssertEqual(connects.count, 3, "refused, then connected; the third follows the AF_UNSPEC")
        XCTAssertEqual(connects.first?.hasPrefix("ECONNREFUSED"), true)
        XCTAssertEqual(connects.dropFirst().first, "ok")
        XCTAssertEqual(lab.segments(from: "late", flags: "SA").count, 2)
    }

    /// connect() with an AF_UNSPEC address dissolves a connected socket's connection: it
    /// returns 0, the kernel aborts the connection with RST (not FIN), both ends are gone,
    /// the peer's recv() fails ECONNRESET, the dissolving socket itself has ECONNRESET
    /// pending, and the same socket connects again.
    func testConnectWithAFUnspecAbortsTheConnectionAndLetsTheSocketConnectAgain() throws {
        let result = lab
        XCTAssertEqual(result.step("client2", "connect AF_UNSPEC")?.observed, "ok")
        let resets = result.segments.filter { $0.from == "client2" && $0.flags.contains("R") }
        XCTAssertEqual(resets.count, 1)
        XCTAssertEqual(resets.first?.flags, "AR")
        XCTAssertTrue(result.segments.filter { $0.from == "client2" && $0.flags.contains("F") }.isEmpty, "no FIN: an abort")
        XCTAssertEqual(result.step("lab", "check client2 is CLOSED")?.status, .passed)
        XCTAssertEqual(result.step("lab", "check conn4 is CLOSED")?.status, .passed)
        XCTAssertEqual(result.step("client2", "getsockopt SO_ERROR")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.step("conn4", "recv")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.steps("client2", "connect 127.0.0.1:8082").last?.observed, "ok")
        XCTAssertEqual(result.step("lab", "check conn5 is ESTABLISHED")?.observed, "ESTABLISHED")
    }
}
