import TCPLabEngine
import TCPLabReport
import XCTest

/// Connecting where nothing listens, and closing a listener with a full queue
/// (Labs/connection-refused.yaml).
final class ConnectionRefusedLabTests: LabTestCase {
    override class var labName: String { "connection-refused" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A SYN to a closed port is answered by RST/ACK with window 0, and connect() fails
    /// with ECONNREFUSED at once, with no retransmission.
    func testSYNToAClosedPortIsAnsweredByRSTWithWindowZero() throws {
        let result = lab
        XCTAssertEqual(result.step("client", "connect")?.observed.hasPrefix("ECONNREFUSED"), true)
        // Captured: one SYN, and the kernel's RST/ACK in answer.
        XCTAssertEqual(result.segments(from: "client", flags: "S").count, 1)
        let reset = try XCTUnwrap(result.segments(to: "client", flags: "RA").first)
        XCTAssertEqual(reset.window, 0)
        XCTAssertTrue(reset.labels.contains("RST (connection refused)"))
        XCTAssertEqual(reset.clientState, "CLOSED")
    }

    /// Closing a listener resets the connections still waiting in its accept queue.
    func testClosingAListenerResetsItsQueuedConnections() throws {
        let result = lab
        for client in ["early1", "early2"] {
            XCTAssertEqual(result.segments(from: "server", to: client, flags: "R").count, 1, client)
            XCTAssertEqual(result.step(client, "recv")?.observed.hasPrefix("ECONNRESET"), true, client)
        }
    }
}
