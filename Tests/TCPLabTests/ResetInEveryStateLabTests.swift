import TCPLabAnalysis
import TCPLabEngine
import TCPLabReport
import XCTest

/// An exact RST arriving in SYN-RECEIVED, FIN-WAIT-1, FIN-WAIT-2, CLOSING and LAST-ACK,
/// and at a listener (Labs/reset-in-every-state.yaml).
final class ResetInEveryStateLabTests: LabTestCase {
    override class var labName: String { "reset-in-every-state" }

    /// Every step and expectation of the lab held, and the capture took every row it names.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// No RST was answered: after each of the peers' seven resets the kernel sent that
    /// peer nothing until the peer sent something else.
    func testNoResetIsAnswered() throws {
        let result = lab
        let peers = ["p1", "p2", "fw2", "cl", "la", "ls"]
        let resets = peers.flatMap { result.segments(from: $0, flags: "R") }
        XCTAssertEqual(resets.count, 7)
        for reset in resets {
            let next = result.segments.first { $0.frame > reset.frame && ($0.from == reset.from || $0.to == reset.from) }
            XCTAssertTrue(next == nil || next?.from == reset.from, "\(reset.from)'s RST at frame \(reset.frame) drew frame \(next?.frame ?? 0)")
        }
    }

    /// An RST in SYN-RECEIVED (a simultaneous open) fails the connect() with ECONNRESET,
    /// not the ECONNREFUSED of an RST in SYN-SENT.
    func testResetInSynReceivedFailsConnectWithECONNRESET() throws {
        let result = lab
        XCTAssertEqual(result.step("opener1", "getsockopt SO_ERROR")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.kernelSockets(named: "opener1").last?.socket.state, .synReceived)
    }

    /// close() in SYN-RECEIVED sends its FIN before the handshake is complete: the peer
    /// never acknowledged the kernel's SYN.
    func testCloseInSynReceivedSendsFINAtOnce() throws {
        let result = lab
        let fin = try XCTUnwrap(result.segments(from: "opener2", flags: "F").first)
        XCTAssertEqual(fin.seq, 1)
        XCTAssertTrue(result.segments(from: "p2").allSatisfy { !$0.flags.contains("A") }, "p2 sends only SYN and RST")
        XCTAssertEqual(result.kernelSockets(named: "opener2").first?.socket.state, .finWait1)
    }

    /// In FIN-WAIT-2 the reset reaches the application as recv()'s ECONNRESET; in CLOSING
    /// and LAST-ACK the peer's FIN came first, recv() returns 0 and only SO_ERROR holds
    /// ECONNRESET.
    func testAfterThePeersFINTheResetShowsOnlyInSOError() throws {
        let result = lab
        XCTAssertEqual(result.step("c2", "recv")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.step("c3", "recv")?.observed.hasPrefix("0"), true)
        XCTAssertEqual(result.step("c3", "getsockopt SO_ERROR")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.steps("c4", "recv").map { $0.observed.hasPrefix("0") }, [true, true], "before and after the reset")
        XCTAssertEqual(result.step("c4", "getsockopt SO_ERROR")?.observed.hasPrefix("ECONNRESET"), true)
        for (socket, state) in [("c2", TCPState.finWait2), ("c3", .closing), ("c4", .lastAck)] {
            XCTAssertEqual(result.kernelSockets(named: socket).first?.socket.state, state, socket)
        }
    }

    /// A FIN on the handshake's ACK takes the server's connection from SYN-RECEIVED
    /// straight to CLOSE-WAIT, as the analysis shows on that very segment; the kernel log
    /// shows the kernel taking the ACK first (ESTABLISHED), then the FIN.
    func testFINWithTheHandshakeACKLeadsToCloseWait() throws {
        let result = lab
        let fin = try XCTUnwrap(result.segments(from: "la", flags: "F").first)
        XCTAssertEqual(fin.flags, "AF")
        XCTAssertEqual(fin.serverState, "CLOSE-WAIT")
        XCTAssertNil(result.kernelLogOff, "the kernel log is off: \(result.kernelLogOff ?? "")")
        let check = try XCTUnwrap(result.kernelAgreement.first { $0.seenBy == "wire" && $0.frame == fin.frame && $0.to == "CLOSE-WAIT" })
        XCTAssertTrue(check.confirmed, check.verdict)
        XCTAssertTrue(check.verdict.contains("SYN-RECEIVED → ESTABLISHED, ESTABLISHED → CLOSE-WAIT"), "the kernel passes ESTABLISHED: \(check.verdict)")
    }

    /// The listener answers a stray ACK with RST (no ACK bit, seq = the ACK's
    /// acknowledgment number), ignores an RST, and stays in LISTEN.
    func testListenerAnswersStrayACKAndIgnoresReset() throws {
        let result = lab
        let resets = result.segments(from: "server", flags: "R")
        XCTAssertEqual(resets.map(\.flags), ["R"])
        XCTAssertEqual(resets.map(\.seq), [1])
        XCTAssertEqual(resets.first?.to, "ls")
        XCTAssertTrue(result.kernelSockets(named: "server").allSatisfy { $0.socket.state == .listen })
    }
}
