import TCPLabEngine
import TCPLabReport
import XCTest

/// SYNs into a black hole (Labs/connect-timeout.yaml).
final class ConnectTimeoutLabTests: LabTestCase {
    override class var labName: String { "connect-timeout" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// With TCP_SYNCNT 1 the kernel sends three SYNs 1 s apart (its linear first retries)
    /// within a budget of 1 + 2 s, then connect fails with ETIMEDOUT; tolerance 0.3 s.
    func testSynCountOneGivesThreeSYNsAndETIMEDOUTAfterThreeSeconds() throws {
        let result = lab
        // Captured: the first SYN and its two retransmissions.
        let syns = result.segments(from: "client", flags: "S").map(\.time)
        XCTAssertEqual(syns.count, 3)
        for (earlier, later) in zip(syns, syns.dropFirst()) { XCTAssertEqual(later - earlier, 1, accuracy: 0.3) }
        let failed = try XCTUnwrap(result.step("client", "connect"))
        XCTAssertTrue(failed.observed.hasPrefix("ETIMEDOUT"))
        let connectStarted = try XCTUnwrap(result.step("client", "setsockopt")).time
        XCTAssertEqual(failed.time - connectStarted, 3, accuracy: 0.3)
    }

    /// TCP_USER_TIMEOUT 1000 ends the attempt after about 1 s.
    func testUserTimeoutEndsTheAttemptAfterOneSecond() throws {
        let result = lab
        let failed = try XCTUnwrap(result.step("client2", "connect"))
        XCTAssertTrue(failed.observed.hasPrefix("ETIMEDOUT"))
        let started = try XCTUnwrap(result.step("client2", "setsockopt")).time
        XCTAssertEqual(failed.time - started, 1, accuracy: 0.3)
        XCTAssertEqual(result.segments(from: "client2", flags: "S").count, 2)
    }
}
