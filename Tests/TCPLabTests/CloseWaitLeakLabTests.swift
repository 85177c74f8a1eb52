import TCPLabAnalysis
import TCPLabEngine
import TCPLabKernel
import TCPLabReport
import XCTest

/// A server that never closes: CLOSE-WAIT and its mirror, the orphaned FIN-WAIT-2
/// (Labs/close-wait-leak.yaml).
final class CloseWaitLeakLabTests: LabTestCase {
    override class var labName: String { "close-wait-leak" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The orphaned FIN-WAIT-2 end is listed by sock_diag as FIN-WAIT-2 with the timewait
    /// timer, set to tcp_fin_timeout (1 s in the lab): a timewait mini-socket that remembers
    /// its substate, not a full socket with a FIN-WAIT-2 timer.
    func testOrphanedFinWait2IsATimewaitSocketWithTheFinTimeout() throws {
        let orphan = try XCTUnwrap(lab.kernelSockets(named: "client").first { $0.socket.state == .finWait2 })
        XCTAssertEqual(orphan.socket.timer, .timewait)
        XCTAssertEqual(Double(orphan.socket.expiresMilliseconds) / 1000, 1, accuracy: 0.1)
    }

    /// CLOSE-WAIT has no timer: the server's end outlives the client's orphan, which goes
    /// about tcp_fin_timeout after the close, without a segment.
    func testCloseWaitOutlivesTheFinTimeout() throws {
        let result = lab
        let closeWait = result.kernelSockets(named: "conn").filter { $0.socket.state == .closeWait }
        XCTAssertGreaterThanOrEqual(closeWait.count, 2)
        XCTAssertTrue(closeWait.allSatisfy { $0.socket.timer == .off })
        let closed = try XCTUnwrap(result.step("lab", "wait until client is CLOSED"))
        let fin = try XCTUnwrap(result.segments(from: "client", flags: "F").first)
        let gone = try XCTUnwrap(result.step("client", "close")).time
        XCTAssertEqual(closed.time - gone, 1, accuracy: 0.3)
        // Nothing went on the wire between the ACK of the FIN and the server's late reply.
        let ack = try XCTUnwrap(result.segments(from: "server", label: "ACK of FIN").first)
        let reply = try XCTUnwrap(result.segments(from: "server", label: "data").first)
        XCTAssertEqual(result.segments.filter { $0.frame > ack.frame && $0.frame < reply.frame }.count, 0)
        XCTAssertGreaterThan(ack.frame, fin.frame)
    }

    /// The server learns only by writing: its data draws an RST from a host with no socket
    /// left, and the next send fails with EPIPE (a reset in CLOSE-WAIT), not ECONNRESET.
    func testLateReplyIsResetAndTheNextSendFailsWithEPIPE() throws {
        let result = lab
        let reply = try XCTUnwrap(result.segments(from: "server", label: "data").first)
        let reset = try XCTUnwrap(result.segments(from: "client", flags: "R").first)
        XCTAssertGreaterThan(reset.frame, reply.frame)
        XCTAssertEqual(result.steps("conn", "send").last?.observed.hasPrefix("EPIPE"), true)
    }
}
