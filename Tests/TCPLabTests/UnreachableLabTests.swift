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
        // One for the event loop's client, one for the blocking one.
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.LockDroppedIcmps" }?.change, 2)
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
        // The two connections that sent SYNs (client, blocking); none to 198.51.100.9.
        XCTAssertEqual(Set(result.segments.map(\.stream)).count, 2)
        XCTAssertFalse(result.segments.contains { $0.from == "lost" || $0.to == "lost" })
    }

    /// A blocking connect() does not fail at the first ICMP error, which came while the
    /// socket was busy and is only a soft error: it sleeps until the retransmitted SYN draws
    /// a second one, and then fails with EHOSTUNREACH, about a second later.
    func testBlockingConnectSleepsThroughTheSoftErrorAndFailsWithEHOSTUNREACH() throws {
        let step = try XCTUnwrap(lab.step("blocking", "connect"))
        XCTAssertTrue(step.observed.hasPrefix("EHOSTUNREACH"), step.observed)
        let seconds = try XCTUnwrap(step.duration)
        XCTAssertGreaterThan(seconds, 0.8, "failed before the SYN's retransmission")
        XCTAssertEqual(lab.segments(from: "blocking", flags: "S").count, 2)
    }
}
