import TCPLabEngine
import TCPLabReport
import XCTest

/// A FIN that arrives before the data it follows (Labs/fin-before-data.yaml).
final class FinBeforeDataLabTests: LabTestCase {
    override class var labName: String { "fin-before-data" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The early FIN is answered with a duplicate ACK at byte 1 carrying a SACK block for
    /// what is held: bytes 6-10 and the FIN.
    func testEarlyFINIsHeldAndSACKed() throws {
        let result = lab
        let answer = try XCTUnwrap(result.step("peer", "expect A seq=1 ack=1 sack"))
        XCTAssertTrue(answer.observed.contains("ack=1 ") && answer.observed.contains("sack=6-12"), answer.observed)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPOFOQueue" }?.change, 1)
    }

    /// While the gap is open there is no end of stream: recv has nothing, poll shows no
    /// POLLIN or POLLRDHUP, and the kernel keeps the socket ESTABLISHED.
    func testNoEndOfStreamBeforeTheGapIsFilled() throws {
        let result = lab
        XCTAssertEqual(result.step("conn", "recv nonblocking")?.observed.hasPrefix("EAGAIN"), true)
        XCTAssertEqual(result.step("conn", "poll")?.observed, "POLLOUT")
        XCTAssertEqual(result.step("lab", "check conn is ESTABLISHED")?.status, .passed)
    }

    /// Filling the gap acknowledges all of it, FIN included, and recv returns the data in
    /// order, then 0.
    func testRecvReturnsTheDataThenZero() throws {
        let result = lab
        XCTAssertEqual(result.step("peer", "expect A seq=1 ack=12")?.status, .passed)
        let receives = result.steps("conn", "recv").filter { !$0.action.contains("nonblocking") }
        XCTAssertEqual(receives.map(\.observed), [#"10 bytes: "helloworld""#, "0 (end of stream: the peer's FIN)"])
        XCTAssertEqual(result.step("lab", "check conn is CLOSE-WAIT")?.status, .passed)
    }
}
