import TCPLabEngine
import TCPLabReport
import XCTest

/// Unacknowledged data: retransmissions with backoff, ended by TCP_USER_TIMEOUT
/// (Labs/data-retransmission.yaml).
final class DataRetransmissionLabTests: LabTestCase {
    override class var labName: String { "data-retransmission" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The namespace's own settings are the kernel's defaults: tcp_retries2 15, a 200 ms
    /// minimum RTO, keep-alive after 7200 s, every 75 s, 9 probes.
    func testDefaultsAreReadInTheNamespace() throws {
        let observed = lab.steps("lab", "check sysctl").map(\.observed)
        XCTAssertEqual(observed, [
            "net.ipv4.tcp_retries2 = 15", "net.ipv4.tcp_rto_min_us = 200000", "net.ipv4.tcp_keepalive_time = 7200",
            "net.ipv4.tcp_keepalive_intvl = 75", "net.ipv4.tcp_keepalive_probes = 9",
        ])
    }

    /// After a tail loss probe about 200 ms after the send, the retransmission timer fires
    /// at gaps that double from its 200 ms floor: about 0.2, 0.4, 0.8, 1.6 s (measured on
    /// the capture; 20 % tolerance for the 4 ms timer granularity and a loaded machine).
    func testRetransmissionsComeAtDoublingGaps() throws {
        let result = lab
        let original = try XCTUnwrap(result.segments(from: "client", label: "data").first)
        let copies = result.segments(from: "client", label: "retransmission").map(\.time)
        XCTAssertGreaterThanOrEqual(copies.count, 5)
        let gaps = zip([original.time] + copies, copies).map { $1 - $0 }
        XCTAssertEqual(gaps[0], 0.2, accuracy: 0.05, "the loss probe: \(gaps)")
        XCTAssertEqual(gaps[1], 0.2, accuracy: 0.05, "the first timeout: \(gaps)")
        for (earlier, later) in zip(gaps.dropFirst(), gaps.dropFirst(2)).prefix(3) {
            XCTAssertEqual(later / earlier, 2, accuracy: 0.4, "gaps \(gaps)")
        }
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPLossProbes" }?.change, 1)
    }

    /// TCP_USER_TIMEOUT 3000 ends the connection 3 s after the timer's first retransmission
    /// (about 3.4 s after the send): recv fails with ETIMEDOUT, and no RST goes out.
    func testUserTimeoutEndsItWithETIMEDOUTAndNoReset() throws {
        let result = lab
        let recv = try XCTUnwrap(result.step("client", "recv"))
        XCTAssertTrue(recv.observed.hasPrefix("ETIMEDOUT"), recv.observed)
        let original = try XCTUnwrap(result.segments(from: "client", label: "data").first)
        let sent = try XCTUnwrap(result.step("client", "send"))
        XCTAssertEqual(recv.time - sent.time, 3.4, accuracy: 0.3)
        XCTAssertEqual(result.segments(flags: "R").count, 0)
        XCTAssertEqual(result.segments(from: "server").filter { $0.frame > original.frame }.count, 0)
    }
}
