import TCPLabEngine
import TCPLabReport
import XCTest

/// Aborting a connection with RST (Labs/abrupt-rst.yaml).
final class AbruptResetLabTests: LabTestCase {
    override class var labName: String { "abrupt-rst" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// close() with SO_LINGER {on, 0} sends one RST and no FIN.
    func testLingerZeroCloseSendsRSTInsteadOfFIN() throws {
        let result = lab
        // Captured: the client's only closing segment is an RST, labelled an abort.
        XCTAssertEqual(result.segments(from: "client", flags: "R", label: "RST (abort)").count, 1)
        XCTAssertTrue(result.segments(from: "client", flags: "F").isEmpty)
    }

    /// The peer's recv fails with ECONNRESET once, then reads end of stream; a send then
    /// fails with EPIPE.
    func testPeerSeesECONNRESETThenEPIPE() throws {
        let result = lab
        let receives = result.steps("conn", "recv")
        XCTAssertEqual(receives.first?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(receives.last?.observed.hasPrefix("0"), true)
        XCTAssertEqual(result.step("conn", "send")?.observed.hasPrefix("EPIPE"), true)
    }

    /// An abort skips the closing handshake: no socket is left in TIME-WAIT.
    func testNoSocketIsLeftInTimeWait() throws {
        let result = lab
        for snapshot in result.kernel {
            XCTAssertFalse(snapshot.sockets.contains { $0.socket.state == .timeWait }, snapshot.moment)
        }
    }

    /// Closing with unread data in the receive buffer sends RST, not FIN (RFC 2525), and
    /// counts in TcpExt.TCPAbortOnClose.
    func testCloseWithUnreadDataSendsRST() throws {
        let result = lab
        XCTAssertEqual(result.segments(from: "server", flags: "R").count, 1)
        XCTAssertTrue(result.segments(from: "server", flags: "F").isEmpty)
        XCTAssertEqual(result.step("client2", "recv")?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPAbortOnClose" }?.change, 1)
    }

    /// The reset is reported once, to whichever call comes first: when the peer's first
    /// call after the RST is a send(), that send() gets ECONNRESET, and only the next EPIPE.
    func testFirstCallAfterTheResetGetsECONNRESETEvenWhenItIsASend() throws {
        let sends = lab.steps("conn3", "send")
        XCTAssertEqual(sends.count, 2)
        XCTAssertEqual(sends.first?.observed.hasPrefix("ECONNRESET"), true)
        XCTAssertEqual(sends.last?.observed.hasPrefix("EPIPE"), true)
    }
}
