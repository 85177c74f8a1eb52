import TCPLabEngine
import TCPLabReport
import XCTest

/// A peer that vanishes, with and without keep-alive (Labs/dead-peer.yaml).
final class DeadPeerLabTests: LabTestCase {
    override class var labName: String { "dead-peer" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// Without keep-alive, recv neither returns 0 nor fails: it waits, and the kernel still
    /// reports the connection ESTABLISHED.
    func testRecvDoesNotReturnZeroWhenTheNetworkFails() throws {
        let result = lab
        let waited = try XCTUnwrap(result.step("quiet", "recv"))
        XCTAssertEqual(waited.status, .passed)
        XCTAssertTrue(waited.observed.hasPrefix("nothing to receive"), waited.observed)
        XCTAssertEqual(result.kernelSockets(named: "quiet").first?.socket.state, .established)
    }

    /// With keep-alive after 1 s, every 1 s, 2 probes: two probes 1 s apart, then RST and
    /// ETIMEDOUT about 3 s after the connection fell silent (tolerance 0.5 s).
    func testKeepAliveTimesOutADeadPeerInAboutThreeSeconds() throws {
        let result = lab
        XCTAssertEqual(result.step("client", "recv")?.observed.hasPrefix("ETIMEDOUT"), true)
        // Captured: the client's handshake ACK (last before the silence), its two probes, its RST.
        let lastBeforeSilence = try XCTUnwrap(result.segments(from: "client", label: "handshake 3/3").first)
        let probes = result.segments(from: "client", label: "keep-alive").map(\.time)
        XCTAssertEqual(probes.count, 2)
        XCTAssertEqual(probes[0] - lastBeforeSilence.time, 1, accuracy: 0.5)
        XCTAssertEqual(probes[1] - probes[0], 1, accuracy: 0.5)
        let reset = try XCTUnwrap(result.segments(from: "client", flags: "R").first)
        XCTAssertEqual(reset.time - lastBeforeSilence.time, 3, accuracy: 0.5)
    }
}
