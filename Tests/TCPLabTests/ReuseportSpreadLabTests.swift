import TCPLabEngine
import TCPLabReport
import XCTest

/// SO_REUSEPORT listeners and what happens to a closing listener's queue
/// (Labs/reuseport-spread.yaml).
final class ReuseportSpreadLabTests: LabTestCase {
    override class var labName: String { "reuseport-spread" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The kernel spreads connections across the group: both listeners' queues hold some,
    /// and together they hold all twenty (all on one listener has a chance of 2^-19 with a
    /// uniform hash, which is why the lab connects twenty, not ten: 2^-9 failed ~0.2%).
    func testConnectionsSpreadAcrossBothListeners() throws {
        let result = lab
        let three = try XCTUnwrap(result.kernelSockets(named: "three").first?.socket.receiveQueue)
        let four = try XCTUnwrap(result.kernelSockets(named: "four").last?.socket.receiveQueue)
        XCTAssertGreaterThan(three, 0)
        XCTAssertGreaterThan(four, 0)
        XCTAssertEqual(three + four, 20)
    }

    /// By default, closing a listener resets exactly the connections in its own queue, one
    /// RST to each of its three clients, though another listener of the group is there.
    func testClosingAListenerResetsItsQueueByDefault() throws {
        let result = lab
        let resets = result.segments(flags: "R")
        XCTAssertEqual(resets.map(\.to).sorted(), ["c1", "c2", "c3"])
        XCTAssertEqual(result.step("lab", "check two is LISTEN, Recv-Q 0")?.status, .passed)
        XCTAssertEqual(result.step("c1", "recv")?.observed.hasPrefix("ECONNRESET"), true)
    }

    /// With tcp_migrate_req 1 the closing listener's queue moves to the other: it holds all
    /// twenty, TCPMigrateReqSuccess counts the moved ones, and no client of 8081 is reset.
    func testMigrateReqMovesTheQueueInstead() throws {
        let result = lab
        let three = try XCTUnwrap(result.kernelSockets(named: "three").first?.socket.receiveQueue)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPMigrateReqSuccess" }?.change, Int64(three))
        XCTAssertEqual(result.step("lab", "check four is LISTEN, Recv-Q 20")?.status, .passed)
        XCTAssertTrue(result.segments(flags: "R").allSatisfy { !$0.to.hasPrefix("d") })
    }
}
