import TCPLabEngine
import TCPLabReport
import XCTest

/// Ephemeral ports, TIME-WAIT and who pays for it (Labs/port-exhaustion.yaml).
final class PortExhaustionLabTests: LabTestCase {
    override class var labName: String { "port-exhaustion" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// Two connections closed by the client hold both ports of the range in TIME-WAIT
    /// towards 8080, and the next connect fails EADDRNOTAVAIL without sending a SYN.
    func testClientClosedConnectionsUseUpTheRange() throws {
        let result = lab
        let check = try XCTUnwrap(result.kernel.first { $0.moment.hasPrefix("check") })
        let waiting = check.sockets.map(\.socket).filter { $0.state == .timeWait }
        XCTAssertEqual(waiting.map(\.local.port).sorted(), [40000, 40001])
        XCTAssertTrue(waiting.allSatisfy { $0.remote.port == 8080 })
        XCTAssertEqual(result.steps("next", "connect 127.0.0.1:8080").first?.observed.hasPrefix("EADDRNOTAVAIL"), true)
        // Captured: the only SYNs from next are the ones that succeeded (8081, then 8080).
        XCTAssertEqual(result.segments(from: "next", flags: "S").filter { !$0.flags.contains("A") }.map(\.to), ["server2", "server"])
    }

    /// TIME-WAIT holds a four-tuple, not a port: the same ports connect to 8081.
    func testPortsAreHeldPerDestination() throws {
        let result = lab
        XCTAssertEqual(result.step("next", "connect 127.0.0.1:8081")?.observed, "ok")
        let last = try XCTUnwrap(result.kernel.last)
        let conn2 = try XCTUnwrap(last.sockets.first { $0.name == "conn2" })
        XCTAssertTrue((40000...40001).contains(conn2.socket.remote.port))
    }

    /// When the server closes first, the client's end is gone at once: three rounds from a
    /// two-port range all connect, and the only new TIME-WAIT is the server's.
    func testServerClosingFirstLeavesTheClientNothing() throws {
        let result = lab
        XCTAssertEqual(result.steps("short", "connect").map(\.observed), ["ok", "ok", "ok"])
        let checks = result.kernel.filter { $0.moment.hasPrefix("check") }
        let after = try XCTUnwrap(checks.last).sockets.map(\.socket).filter { $0.state == .timeWait }
        XCTAssertEqual(after.filter { $0.local.port == 8082 }.count, 1)
        XCTAssertEqual(after.filter { $0.remote.port == 8082 }.count, 0)
    }

    /// tcp_tw_reuse gives a TIME-WAIT port back only after tcp_tw_reuse_delay (1 s):
    /// refused right after, accepted once the youngest TIME-WAIT is older.
    func testTimeWaitReuseWaitsForTheDelay() throws {
        let result = lab
        let attempts = result.steps("next", "connect 127.0.0.1:8080")
        XCTAssertEqual(attempts.count, 3)
        XCTAssertTrue(attempts[1].observed.hasPrefix("EADDRNOTAVAIL"))
        XCTAssertEqual(attempts[2].observed, "ok")
        XCTAssertGreaterThanOrEqual(attempts[2].time - attempts[1].time, 1.0)
    }
}
