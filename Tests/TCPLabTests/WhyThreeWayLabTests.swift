import TCPLabEngine
import TCPLabReport
import XCTest

/// Old duplicate SYN-ACKs and SYNs, played by the scripted peer (Labs/why-three-way.yaml):
/// the third segment is where the kernel refuses an old one.
final class WhyThreeWayLabTests: LabTestCase {
    override class var labName: String { "why-three-way" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A SYN-ACK acknowledging a number the kernel never sent is answered with a reset
    /// whose sequence number is that acknowledgment number (RFC 9293 3.10.7.3).
    func testConnectingKernelResetsAWrongSYNACKWithItsAckNumber() throws {
        let result = lab
        XCTAssertEqual(result.step("old", "expect R seq=5000")?.status, .passed)
        let reset = try XCTUnwrap(result.segments(from: "client", flags: "R").first)
        XCTAssertEqual(reset.seq, 5000)
        XCTAssertFalse(reset.flags.contains("A"), "a reset answering an ACK carries no ACK of its own")
    }

    /// After the reset the kernel sends its SYN again within milliseconds, not after the
    /// usual 1 s: an unacceptable SYN-ACK shortens the timer to TCP_TIMEOUT_MIN.
    func testUnacceptableSYNACKBringsTheSYNAgainAtOnce() throws {
        let result = lab
        let reset = try XCTUnwrap(result.segments(from: "client", flags: "R").first)
        let again = try XCTUnwrap(result.segments(from: "client", flags: "S").dropFirst().first)
        XCTAssertEqual(again.seq, 0)
        XCTAssertGreaterThan(again.frame, reset.frame)
        XCTAssertLessThan(again.time - reset.time, 0.1)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPSynRetrans" }?.change, 1)
    }

    /// After its reset the kernel is still in SYN-SENT with no error: the right SYN-ACK
    /// then completes the connection.
    func testConnectKeepsWaitingForTheRightSYNACK() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check client is SYN-SENT")?.status, .passed)
        XCTAssertEqual(result.step("client", "getsockopt SO_ERROR")?.observed, "ok")
        XCTAssertEqual(result.step("lab", "check client is ESTABLISHED")?.status, .passed)
        XCTAssertEqual(result.segments(from: "client", flags: "R").count, 1)
    }

    /// The listener answers an old SYN and holds a request, which the peer's reset
    /// removes: nothing to accept, no SYN-ACK sent again, Tcp.AttemptFails up by one.
    func testListenerForgetsAnOldSYNOnThePeersReset() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check kernel: sockets in SYN-RECEIVED: 1")?.status, .passed)
        XCTAssertEqual(result.step("lab", "check kernel: sockets in SYN-RECEIVED: 0")?.status, .passed)
        XCTAssertEqual(result.step("server", "accept")?.observed.hasPrefix("no connection to accept"), true)
        XCTAssertEqual(result.segments(from: "server", flags: "SA").count, 1)
        XCTAssertEqual(result.counters.first { $0.name == "Tcp.AttemptFails" }?.change, 1)
        XCTAssertEqual(result.step("stale", "expect nothing")?.status, .passed)
    }
}
