import TCPLabEngine
import TCPLabReport
import XCTest

/// Flow control: a receiver that stops reading (Labs/zero-window.yaml).
final class ZeroWindowLabTests: LabTestCase {
    override class var labName: String { "zero-window" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A non-blocking send larger than the buffers takes part of the data and returns.
    func testNonBlockingSendTakesOnlyWhatFits() throws {
        let observed = try XCTUnwrap(lab.step("client", "send 8388608 bytes nonblocking")?.observed)
        let taken = Int(observed.split(separator: " ").first ?? "") ?? 0
        XCTAssertGreaterThan(taken, 0)
        XCTAssertLessThan(taken, 8_388_608)
    }

    /// The sender probes a zero window with gaps that grow, each about twice the one
    /// before (the persist timer backs off like the retransmission timer). Measured on the
    /// capture; a ratio between 1.5 and 2.5 allows for the 4 ms timer granularity and the
    /// 200 ms floor of the first gap.
    func testZeroWindowProbesComeAtGrowingGaps() throws {
        let result = lab
        // Captured: the server's zero-window ACK, then the client's probes.
        let zero = try XCTUnwrap(result.segments(from: "server", label: "zero window").first)
        let probes = result.segments(from: "client", label: "zero-window probe").map(\.time)
        XCTAssertGreaterThanOrEqual(probes.count, 3)
        let gaps = zip([zero.time] + probes, probes).map { $1 - $0 }
        for (earlier, later) in zip(gaps, gaps.dropFirst()) {
            XCTAssertEqual(later / earlier, 2, accuracy: 0.5, "gaps \(gaps)")
        }
    }

    /// Reading opens the window: a window update follows and data flows again.
    func testReadingSendsAWindowUpdate() throws {
        let result = lab
        let update = try XCTUnwrap(result.segments(from: "server", label: "window update").first)
        XCTAssertGreaterThan(update.window, 0)
        XCTAssertTrue(result.segments(from: "client", label: "data").contains { $0.frame > update.frame })
    }
}
