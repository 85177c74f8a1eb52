import TCPLabEngine
import TCPLabReport
import XCTest

/// RFC 5961's reset rules on Linux, tested with the scripted peer's resets
/// (Labs/reset-validation.yaml).
final class ResetValidationLabTests: LabTestCase {
    override class var labName: String { "reset-validation" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A reset in the window but not at RCV.NXT draws a challenge ACK with the right
    /// numbers, and the connection stays ESTABLISHED.
    func testInWindowResetDrawsAChallengeACK() throws {
        let result = lab
        let resets = result.segments(from: "peer", flags: "R")
        XCTAssertEqual(resets.map(\.seq), [1001, 200001, 5])
        let answer = try XCTUnwrap(result.segments.first { $0.frame > resets[0].frame })
        XCTAssertEqual(answer.from, "server")
        XCTAssertEqual(answer.flags, "A")
        XCTAssertEqual(answer.seq, 1)
        XCTAssertEqual(answer.ack, 1)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPChallengeACK" }?.change, 1)
    }

    /// A reset outside the window is dropped without an answer: the next segment after
    /// it is the peer's own data.
    func testOutOfWindowResetIsIgnoredSilently() throws {
        let result = lab
        let resets = result.segments(from: "peer", flags: "R")
        let next = try XCTUnwrap(result.segments.first { $0.frame > resets[1].frame })
        XCTAssertEqual(next.from, "peer")
        XCTAssertEqual(next.len, 4)
        XCTAssertEqual(result.step("conn", "recv")?.observed, #"4 bytes: "ping""#)
    }

    /// Only the exact reset ends the connection: Tcp.EstabResets grows by one, the kernel
    /// lists no socket, and recv fails with ECONNRESET.
    func testOnlyTheExactResetEndsTheConnection() throws {
        let result = lab
        XCTAssertEqual(result.counters.first { $0.name == "Tcp.EstabResets" }?.change, 1)
        XCTAssertEqual(result.steps("conn", "recv").last?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertTrue(result.kernelSockets(named: "conn").allSatisfy { $0.socket.state == .established },
                      "every listing of conn before the exact reset showed it ESTABLISHED")
        XCTAssertTrue(result.segments(from: "server", flags: "R").isEmpty)
    }

    /// The wire takes the in-window reset as the end of the connection; the kernel log
    /// shows it dropped, and the lab does not fail for it: the kernel's listing decides.
    /// Every transition the log does not confirm lies on the peer's connection.
    func testWireInferenceTheKernelLogContradictsIsReportedNotFailed() throws {
        let result = lab
        XCTAssertNil(result.kernelLogOff, "the kernel log is off: \(result.kernelLogOff ?? "")")
        let unconfirmed = result.kernelAgreement.filter { !$0.agrees }
        XCTAssertTrue(unconfirmed.allSatisfy(\.withScriptedPeer), "\(unconfirmed.map(\.verdict))")
        XCTAssertTrue(result.passed, result.failures)
    }
}
