import TCPLabEngine
import TCPLabReport
import XCTest

/// What a server sees when its client's process is killed, when the client's host crashes,
/// and when that host reboots (Labs/killed-peer.yaml).
final class KilledPeerLabTests: LabTestCase {
    override class var labName: String { "killed-peer" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The client's socket was held by a real child process, which SIGKILL ended: the lab
    /// had given up its own descriptor, so the socket closed only when the process died.
    func testTheSocketDiesWithARealProcessKilledBySIGKILL() throws {
        let result = lab
        let held = result.steps("lab", "process: hold")
        let killed = result.steps("lab", "process: kill")
        XCTAssertEqual(held.count, 2)
        XCTAssertEqual(killed.count, 2)
        for step in held { XCTAssertTrue(step.observed.hasPrefix("child process "), step.observed) }
        for step in killed { XCTAssertTrue(step.observed.contains("was killed by SIGKILL"), step.observed) }
        // Before the kill, the report said what the kernel's close would send; the capture
        // (the next tests) shows it did.
        XCTAssertTrue(killed[0].observed.hasSuffix("(ESTABLISHED, nothing unread): that sends FIN"), killed[0].observed)
        XCTAssertTrue(killed[1].observed.hasSuffix("(ESTABLISHED, 12 bytes unread): that sends RST"), killed[1].observed)
    }

    /// A tutorial's claim, that a killed client makes the server error out, is wrong for a
    /// killed process: its kernel closes the socket as close() would, with FIN, and the
    /// server's recv() returns 0 (end of stream), leaving its end in CLOSE-WAIT.
    func testAKilledProcessSendsFINAndTheServerReadsEndOfStream() throws {
        let result = lab
        XCTAssertEqual(result.segments(from: "app", flags: "F").count, 1)
        XCTAssertEqual(result.segments(from: "app", flags: "R").count, 0)
        let recv = try XCTUnwrap(result.step("conn1", "recv"))
        XCTAssertTrue(recv.observed.hasPrefix("0 (end of stream"), recv.observed)
        XCTAssertTrue(result.kernelSockets(named: "conn1").contains { $0.socket.state == .closeWait })
        // The dead process's end lives on as an orphan, waiting for the server's FIN.
        XCTAssertTrue(result.kernelSockets(named: "app").contains { $0.socket.state == .finWait2 })
    }

    /// A process killed with the server's reply unread in its receive queue resets the
    /// connection (RFC 2525, 2.17: data would be lost silently otherwise), counted as
    /// TcpExt.TCPAbortOnClose, and the server's next recv() fails with ECONNRESET.
    func testAKilledProcessWithUnreadDataSendsRSTAndTheServerGetsECONNRESET() throws {
        let result = lab
        let reset = try XCTUnwrap(result.segments(from: "lazy", flags: "R").first)
        XCTAssertEqual(result.segments(from: "lazy", flags: "F").count, 0)
        // The reset acknowledges the 12 bytes it throws away.
        XCTAssertEqual(reset.ack, 13)
        let recv = try XCTUnwrap(result.step("conn2", "recv"))
        XCTAssertTrue(recv.observed.hasPrefix("ECONNRESET"), recv.observed)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPAbortOnClose" }?.change, 1)
    }

    /// A crashed host sends nothing: after the handshakes, not one segment comes from host
    /// 127.0.0.3 while it is down, and the idle server's recv() keeps waiting, its
    /// connection ESTABLISHED.
    func testACrashedHostSaysNothingAndTheIdleServerSeesNothing() throws {
        let result = lab
        // The host's two clients sent their handshakes (SYN, ACK) and nothing else while it
        // was down; the only later segment from it is the rebooted host's RST.
        XCTAssertEqual(result.segments(from: "remote").map(\.flags), ["S", "A"])
        XCTAssertEqual(result.segments(from: "remote2").map(\.flags), ["S", "A", "R"])
        let idle = try XCTUnwrap(result.step("conn4", "recv"))
        XCTAssertTrue(idle.observed.hasPrefix("nothing to receive"), idle.observed)
        XCTAssertTrue(result.kernelSockets(named: "conn4").contains { $0.socket.state == .established })
    }

    /// Data sent to the crashed host is retransmitted, unanswered, until TCP_USER_TIMEOUT
    /// (1000 ms) ends the connection with ETIMEDOUT, about 1.4 s after the send, with no
    /// RST on the wire.
    func testSendingToACrashedHostEndsInETIMEDOUTWithoutAReset() throws {
        let result = lab
        let copies = result.segments(from: "server", to: "remote", label: "retransmission")
        XCTAssertGreaterThanOrEqual(copies.count, 2)
        let recv = try XCTUnwrap(result.step("conn3", "recv"))
        XCTAssertTrue(recv.observed.hasPrefix("ETIMEDOUT"), recv.observed)
        // More than the 1 s of TCP_USER_TIMEOUT (measured: about 1.45 s); timers run late
        // on a loaded machine, never early.
        let waited = try XCTUnwrap(recv.duration)
        XCTAssertTrue((1.3...2.0).contains(waited), "ETIMEDOUT after \(waited) s")
        XCTAssertEqual(result.segments(from: "server", flags: "R").count, 0)
        XCTAssertEqual(result.segments(from: "remote", flags: "R").count, 0)
    }

    /// The host that rebooted has no socket for the connection, so its kernel answers the
    /// server's next segment at once with RST (its sequence number the segment's ACK, RFC
    /// 9293 3.10.7.1), and the server's recv() fails with ECONNRESET.
    func testARebootedHostAnswersTheNextSegmentWithRST() throws {
        let result = lab
        let data = try XCTUnwrap(result.segments(from: "server", to: "remote2", label: "data").first)
        let reset = try XCTUnwrap(result.segments(from: "remote2", flags: "R").first)
        XCTAssertEqual(reset.frame, data.frame + 1)
        XCTAssertLessThan(reset.time - data.time, 0.05)
        XCTAssertFalse(reset.flags.contains("A"), "a reset for an ACK-bearing segment carries no ACK of its own")
        XCTAssertEqual(reset.seq, data.ack, "the reset's sequence number is the acknowledgment it answers")
        let recv = try XCTUnwrap(result.steps("conn4", "recv").last)
        XCTAssertTrue(recv.observed.hasPrefix("ECONNRESET"), recv.observed)
    }
}
