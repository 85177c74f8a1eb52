import TCPLabEngine
import TCPLabReport
import XCTest

/// connect() failing with EHOSTUNREACH and ENETUNREACH (Labs/unreachable.yaml).
final class UnreachableLabTests: LabTestCase {
    override class var labName: String { "unreachable" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// On loopback the first ICMP error arrives while connect() holds the socket: a soft
    /// error (SO_ERROR EHOSTUNREACH, TcpExt.LockDroppedIcmps), and the socket stays SYN-SENT.
    func testFirstIcmpErrorIsOnlyASoftError() throws {
        let result = lab
        XCTAssertEqual(result.step("client", "getsockopt SO_ERROR")?.observed.hasPrefix("EHOSTUNREACH"), true)
        XCTAssertEqual(result.step("lab", "check client is SYN-SENT")?.status, .passed)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.LockDroppedIcmps" }?.change, 1)
    }

    /// The SYN's retransmission, about 1 s later, draws the ICMP error that ends the attempt.
    func testRetransmittedSynEndsTheAttemptAfterOneSecond() throws {
        let result = lab
        let syns = result.segments(from: "client", flags: "S").map(\.time)
        XCTAssertEqual(syns.count, 2)
        XCTAssertEqual(syns[1] - syns[0], 1, accuracy: 0.2)
        let closed = try XCTUnwrap(result.step("lab", "wait until client is CLOSED"))
        let connect = try XCTUnwrap(result.step("client", "connect"))
        XCTAssertEqual(closed.time - connect.time, 1, accuracy: 0.3)
        XCTAssertEqual(result.segments(from: "server").count, 0)
    }

    /// With no route, connect fails with ENETUNREACH and sends nothing.
    func testNoRouteFailsBeforeAnyPacket() throws {
        let result = lab
        XCTAssertEqual(result.step("lost", "connect")?.observed.hasPrefix("ENETUNREACH"), true)
        XCTAssertEqual(Set(result.segments.map(\.stream)).count, 1)
    }
}
