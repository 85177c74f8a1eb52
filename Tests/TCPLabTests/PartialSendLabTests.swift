import TCPLabEngine
import TCPLabReport
import XCTest

/// A send that does not fit takes part and says how much (Labs/partial-send.yaml).
final class PartialSendLabTests: LabTestCase {
    override class var labName: String { "partial-send" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The byte count a send step reports first ("51200 of 1048576 bytes ...").
    private func taken(_ step: StepResult) -> Int {
        Int(step.observed.split(separator: " ").first ?? "") ?? 0
    }

    /// A non-blocking send of 1 MiB takes part of it, and the next call fails EAGAIN.
    func testNonBlockingSendTakesPartThenEAGAIN() throws {
        let first = try XCTUnwrap(lab.steps("client", "send 1048576 bytes nonblocking").first)
        XCTAssertTrue(first.observed.hasSuffix("then EAGAIN"), first.observed)
        XCTAssertTrue(first.observed.contains(" of 1048576 bytes in "), first.observed)
        XCTAssertGreaterThan(taken(first), 0)
        XCTAssertLessThan(taken(first), 1_048_576)
    }

    /// With the window closed and the buffer full, not one byte is taken, poll reports
    /// no POLLOUT, and a blocking send waits.
    func testFullBufferRefusesMoreAndABlockingSendWaits() throws {
        let result = lab
        XCTAssertEqual(result.step("client", #"send "x" nonblocking"#)?.observed.hasPrefix("EAGAIN"), true)
        XCTAssertEqual(result.step("client", "poll")?.observed, "none")
        let blocking = try XCTUnwrap(result.steps("client", "send 1048576 bytes").first { !$0.action.hasSuffix("nonblocking") })
        XCTAssertTrue(blocking.observed.contains("stayed full"), blocking.observed)
    }

    /// Nothing is lost: the receiver reads exactly the bytes the sends reported as
    /// taken, and the capture carried the same number of new data bytes.
    func testEveryTakenByteArrives() throws {
        let result = lab
        let taken = result.steps("client", "send 1048576 bytes nonblocking").map(taken).reduce(0, +)
        let read = try XCTUnwrap(result.step("conn", "recv all"))
        XCTAssertTrue(read.observed.hasPrefix("\(taken) bytes, then end of stream: every byte"), read.observed)
        // Captured: the client's data segments, retransmissions not counted twice.
        let wire = result.segments(from: "client", label: "data").map(\.len).reduce(0, +)
        XCTAssertEqual(wire, taken)
    }
}
