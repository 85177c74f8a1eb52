import TCPLabEngine
import TCPLabReport
import XCTest

/// Crossed SYNs: the kernel's socket goes SYN-SENT, SYN-RECEIVED, ESTABLISHED without a
/// listener (Labs/simultaneous-open.yaml).
final class SimultaneousOpenLabTests: LabTestCase {
    override class var labName: String { "simultaneous-open" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The kernel listed the connecting socket in SYN-SENT, then SYN-RECEIVED, then
    /// ESTABLISHED, and connect() succeeded.
    func testKernelShowsSynSentSynReceivedEstablished() throws {
        let result = lab
        let states = result.steps.filter { $0.actor == "lab" && $0.action.contains("client is") && $0.status == .passed }
            .map { $0.action.components(separatedBy: " is ").last ?? "" }
        XCTAssertEqual(states, ["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"])
        XCTAssertEqual(result.step("client", "getsockopt SO_ERROR")?.observed, "ok")
    }

    /// Four opening segments: two SYNs and two SYN-ACKs, the kernel's SYN-ACK repeating
    /// its own initial sequence number; it counts as an active open, not a passive one.
    func testFourSegmentsOpenTheConnection() throws {
        let result = lab
        XCTAssertEqual(result.segments(flags: "S").map { "\($0.from) \($0.flags)" }, ["client S", "peer S", "client SA", "peer SA"])
        XCTAssertEqual(result.segments(from: "client", flags: "S").map(\.seq), [0, 0])
        XCTAssertEqual(result.counters.first { $0.name == "Tcp.ActiveOpens" }?.change, 1)
        XCTAssertNil(result.counters.first { $0.name == "Tcp.PassiveOpens" })
    }

    /// The kernel answers the peer's SYN-ACK, whose SYN it already had, with an ACK whose
    /// D-SACK block names the duplicate: the peer's sequence numbers 0 to 1.
    func testDuplicateSYNIsReportedWithDSACK() throws {
        let observed = try XCTUnwrap(lab.step("peer", "expect A seq=1 ack=1 sack")).observed
        XCTAssertTrue(observed.contains(" sack=0-1 "), observed)
    }
}
