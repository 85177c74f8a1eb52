import TCPLabEngine
import TCPLabReport
import XCTest

/// The handshake's third segment never comes (Labs/lost-final-ack.yaml).
final class LostFinalAckLabTests: LabTestCase {
    override class var labName: String { "lost-final-ack" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The listener sends its SYN-ACK again after about 1 s and 2 s more: the timer starts
    /// at 1 s and doubles (tcp_synack_retries 2 in the lab).
    func testSYNACKIsSentAgainAfterOneThenTwoSeconds() throws {
        let result = lab
        let synacks = result.segments(from: "server", flags: "SA")
        XCTAssertEqual(synacks.count, 3)
        guard synacks.count == 3 else { return }
        XCTAssertEqual(synacks[1].time - synacks[0].time, 1, accuracy: 0.25)
        XCTAssertEqual(synacks[2].time - synacks[1].time, 2, accuracy: 0.25)
        XCTAssertEqual(synacks.dropFirst().filter { $0.labels.contains("SYN-ACK retransmission") }.count, 2)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPSynRetrans" }?.change, 2)
    }

    /// accept() finds nothing while only the request exists, and returns the connection
    /// once the peer's data has completed the handshake.
    func testAcceptReturnsOnlyAfterTheFirstData() throws {
        let result = lab
        XCTAssertEqual(result.step("server", "accept as early")?.observed.hasPrefix("no connection to accept"), true)
        XCTAssertEqual(result.step("server", "accept as conn")?.observed, "ok")
        XCTAssertEqual(result.step("conn", "recv")?.observed, #"5 bytes: "hello""#)
    }

    /// The data segment completes the handshake: the capture labels it so, and the peer
    /// sent no bare ACK.
    func testDataCompletesTheHandshake() throws {
        let result = lab
        let data = try XCTUnwrap(result.segments(from: "peer", label: "data").first)
        XCTAssertTrue(data.labels.contains("handshake 3/3"), "\(data.labels)")
        XCTAssertEqual(result.segments(from: "peer").filter { $0.flags == "A" }.count, 0)
    }
}
