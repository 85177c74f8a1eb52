import TCPLabEngine
import TCPLabReport
import XCTest

/// A reset in TIME-WAIT, with tcp_rfc1337 off and on (Labs/time-wait-assassination.yaml).
final class TimeWaitAssassinationLabTests: LabTestCase {
    override class var labName: String { "time-wait-assassination" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// With tcp_rfc1337=0 (the default) an exact reset ends TIME-WAIT at once.
    func testResetEndsTimeWaitByDefault() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check conn1 is TIME-WAIT")?.status, .passed)
        XCTAssertEqual(result.step("lab", "check conn1 is CLOSED")?.status, .passed)
        XCTAssertEqual(result.step("lab", "check kernel: sockets in TIME-WAIT: 0")?.status, .passed)
    }

    /// With tcp_rfc1337=1 the same reset is ignored: the end stays in TIME-WAIT with its
    /// timer running, until the last listing.
    func testResetIsIgnoredWithRFC1337() throws {
        let result = lab
        let record = try XCTUnwrap(result.kernelSockets(named: "conn2").first?.socket)
        XCTAssertEqual(record.state, .timeWait)
        XCTAssertEqual(record.timer, .timewait)
        XCTAssertEqual(Double(record.expiresMilliseconds) / 1000, 59, accuracy: 2)
        XCTAssertEqual(result.step("second", "expect nothing")?.status, .passed)
    }

    /// Both resets carried the exact next sequence number, and the kernel answered neither.
    func testBothResetsWereExactAndUnanswered() throws {
        let result = lab
        XCTAssertEqual(result.segments(from: "first", flags: "R").map(\.seq), [2])
        XCTAssertEqual(result.segments(from: "second", flags: "R").map(\.seq), [2])
        let last = try XCTUnwrap(result.segments.last)
        XCTAssertEqual(last.from, "second")
        XCTAssertEqual(last.flags, "R")
    }

    /// The kernel log cannot tell the two resets apart: without function probes it does
    /// not see a timewait socket end, so neither TIME-WAIT → CLOSED on the wire is
    /// confirmed. Both are reported as unconfirmed on the peer's connections, and only
    /// the lab's sock_diag checks tell that the first reset ended TIME-WAIT and the second
    /// did not.
    func testKernelLogLeavesTheTwoResetsToSockDiag() throws {
        let result = lab
        XCTAssertNil(result.kernelLogOff, "the kernel log is off: \(result.kernelLogOff ?? "")")
        let unconfirmed = result.kernelAgreement.filter { !$0.agrees }
        XCTAssertTrue(unconfirmed.allSatisfy(\.withScriptedPeer), "\(unconfirmed.map(\.verdict))")
        XCTAssertEqual(unconfirmed.map { "\($0.seenBy) \($0.socket) \($0.from) → \($0.to)" },
                       ["wire conn1 TIME-WAIT → CLOSED", "wire conn2 TIME-WAIT → CLOSED"])
        XCTAssertEqual(result.step("lab", "check conn1 is CLOSED")?.status, .passed)
        XCTAssertEqual(result.steps("lab", "check conn2 is TIME-WAIT").count, 2)
    }
}
