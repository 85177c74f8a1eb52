import TCPLabEngine
import TCPLabReport
import XCTest

/// Half-close with shutdown(SHUT_WR) (Labs/half-close.yaml): the client ends its request
/// with a FIN and still reads the server's 64 KiB reply.
final class HalfCloseLabTests: LabTestCase {
    override class var labName: String { "half-close" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// recv() returns the request, then 0: end of stream means the peer's FIN arrived.
    func testRecvReturnsTheRequestThenZeroAfterThePeersFIN() throws {
        let result = lab
        let receives = result.steps("conn", "recv")
        XCTAssertEqual(receives.count, 2)
        XCTAssertEqual(receives.first?.observed, #"21 bytes: "GET /big HTTP/1.0\r\n\r\n""#)
        XCTAssertEqual(receives.last?.observed.hasPrefix("0 (end of stream"), true)
    }

    /// After shutdown(SHUT_WR) the kernel reports the client FIN-WAIT-2 and the server
    /// CLOSE-WAIT: each direction closes on its own.
    func testHalfClosedSidesAreFinWait2AndCloseWait() throws {
        let result = lab
        let snapshot = try XCTUnwrap(result.kernel.first { $0.moment.hasPrefix("check") })
        XCTAssertEqual(snapshot.sockets.first { $0.name == "client" }?.socket.state, .finWait2)
        XCTAssertEqual(snapshot.sockets.first { $0.name == "conn" }?.socket.state, .closeWait)
    }

    /// The server's data follows the client's FIN on the wire, and all 64 KiB arrive.
    func testServerDataFollowsTheClientsFIN() throws {
        let result = lab
        // Captured: the client's FIN, labelled a half-close because data came after it.
        let fin = try XCTUnwrap(result.segments(from: "client", flags: "F").first)
        XCTAssertTrue(fin.labels.contains("FIN (half-close)"))
        let data = result.segments(from: "server", label: "data")
        XCTAssertFalse(data.isEmpty)
        XCTAssertTrue(data.allSatisfy { $0.frame > fin.frame }, "all the reply's data segments come after the FIN")
        XCTAssertEqual(data.reduce(0) { $0 + $1.len }, 65536)
        XCTAssertEqual(result.step("client", "recv 65536")?.observed, "65536 bytes")
    }

    /// Sending after shutdown(SHUT_WR) fails with EPIPE.
    func testSendAfterShutdownFailsWithEPIPE() throws {
        XCTAssertEqual(lab.step("client", "send \"more\"")?.observed.hasPrefix("EPIPE"), true)
    }

    /// The client closed first, so it ends in TIME-WAIT with about 60 s on the timer.
    func testClientThatClosedFirstEndsInTimeWait() throws {
        let record = try XCTUnwrap(lab.kernelSockets(named: "client").first?.socket)
        XCTAssertEqual(record.state, .timeWait)
        XCTAssertEqual(record.timer, .timewait)
        XCTAssertEqual(Double(record.expiresMilliseconds) / 1000, 60, accuracy: 5)
    }
}
