import TCPLabAnalysis
import TCPLabEngine
import TCPLabReport
import XCTest

/// Every state of one connection, each seen by the kernel while it holds
/// (Labs/handshake-and-close.yaml).
final class HandshakeAndCloseLabTests: LabTestCase {
    override class var labName: String { "handshake-and-close" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The kernel reported each RFC 9293 state of the connection: the client's SYN-SENT,
    /// ESTABLISHED, FIN-WAIT-1, TIME-WAIT; the server's LISTEN, SYN-RECEIVED, ESTABLISHED,
    /// CLOSE-WAIT, LAST-ACK (FIN-WAIT-2 and CLOSED are waited for, not checked, so they are
    /// in the steps).
    func testKernelReportsEveryStateWhileItHolds() throws {
        let result = lab
        let seen = Set(result.kernel.flatMap { $0.sockets.map(\.socket.state) })
        let expected: Set<TCPState> = [.listen, .synSent, .synReceived, .established, .finWait1, .closeWait, .lastAck, .timeWait]
        XCTAssertTrue(seen.isSuperset(of: expected), "missing: \(expected.subtracting(seen))")
        XCTAssertTrue(result.steps.contains { $0.action == "wait until client is FIN-WAIT-2" && $0.status == .passed })
        XCTAssertTrue(result.steps.contains { $0.action == "wait until conn is CLOSED" && $0.status == .passed })
    }

    /// accept() returns a new socket; the listener stays in LISTEN.
    func testListenerStaysInListenAfterAccept() throws {
        let result = lab
        let afterAccept = try XCTUnwrap(result.kernel.first { $0.sockets.contains { $0.name == "conn" } })
        XCTAssertEqual(afterAccept.sockets.first { $0.name == "server" }?.socket.state, .listen)
        XCTAssertEqual(afterAccept.sockets.first { $0.name == "conn" }?.socket.state, .established)
    }

    /// recv returns 0 only once the peer's FIN has arrived.
    func testRecvReturnsZeroOnlyAfterThePeersFIN() throws {
        let result = lab
        let receives = result.steps("conn", "recv")
        XCTAssertEqual(receives.map(\.observed).first, #"5 bytes: "hello""#)
        let end = try XCTUnwrap(receives.last)
        XCTAssertTrue(end.observed.hasPrefix("0 (end of stream"))
        // Captured: the client's FIN, before the recv that returned 0.
        let fin = try XCTUnwrap(result.segments(from: "client", flags: "F").first)
        XCTAssertLessThan(fin.time, end.time)
    }
}
