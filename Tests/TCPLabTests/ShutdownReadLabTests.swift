import TCPLabEngine
import TCPLabReport
import XCTest

/// What shutdown(SHUT_RD) does on Linux (Labs/shutdown-read.yaml).
final class ShutdownReadLabTests: LabTestCase {
    override class var labName: String { "shutdown-read" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// SHUT_RD sends nothing: between the handshake and the client's data the wire is
    /// silent, and recv returns 0 at once although no FIN came.
    func testShutdownReadSendsNothingAndRecvReturnsZero() throws {
        let result = lab
        let handshakeEnd = try XCTUnwrap(result.segments(label: "handshake 3/3").first)
        let data = try XCTUnwrap(result.segments(from: "client", label: "data").first)
        XCTAssertEqual(data.frame, handshakeEnd.frame + 1)
        XCTAssertEqual(result.segments(flags: "F").count, 0)
        let zero = try XCTUnwrap(result.step("conn", "recv"))
        XCTAssertEqual(zero.observed, "0 bytes")
    }

    /// Data arriving after SHUT_RD is acknowledged, queued and readable: Linux does not
    /// discard it.
    func testDataAfterShutdownReadIsAcknowledgedAndReadable() throws {
        let result = lab
        let data = try XCTUnwrap(result.segments(from: "client", label: "data").first)
        let ack = try XCTUnwrap(result.segments(from: "server", label: "pure ACK").first)
        XCTAssertEqual(ack.ack, data.seq &+ UInt32(data.len))
        XCTAssertEqual(result.steps("conn", "recv").map(\.observed), ["0 bytes", #"5 bytes: "after""#])
    }

    /// Unread data at close() makes the kernel reset, SHUT_RD or not.
    func testUnreadDataAtCloseResets() throws {
        let result = lab
        XCTAssertEqual(result.segments(from: "server", flags: "R").count, 1)
        XCTAssertEqual(result.steps("client", "recv").last?.observed.hasPrefix("ECONNRESET"), true)
    }
}
