import TCPLabEngine
import TCPLabReport
import XCTest

/// Writing after the peer has closed (Labs/write-to-closed-peer.yaml).
final class WriteToClosedPeerLabTests: LabTestCase {
    override class var labName: String { "write-to-closed-peer" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The first send after the peer's FIN succeeds; its data draws an RST.
    func testFirstSendAfterThePeersFINSucceedsAndDrawsRST() throws {
        let result = lab
        XCTAssertEqual(result.step("client", "send \"first\"")?.observed, #"5 bytes: "first""#)
        // Captured: the server's FIN, the client's 5 bytes after it, and the server's RST in answer.
        let fin = try XCTUnwrap(result.segments(from: "server", flags: "F").first)
        let data = try XCTUnwrap(result.segments(from: "client", label: "data").first)
        let reset = try XCTUnwrap(result.segments(from: "server", flags: "R").first)
        XCTAssertLessThan(fin.frame, data.frame)
        XCTAssertLessThan(data.frame, reset.frame)
        XCTAssertEqual(data.len, 5)
    }

    /// The send after the RST fails with EPIPE.
    func testNextSendFailsWithEPIPE() throws {
        XCTAssertEqual(lab.step("client", "send \"second\"")?.observed.hasPrefix("EPIPE"), true)
    }

    /// Without MSG_NOSIGNAL the same failure also raises SIGPIPE on the sending thread,
    /// whose default action would end the process; the lab catches it to show it.
    func testSendWithoutMSGNOSIGNALRaisesSIGPIPE() throws {
        let observed = try XCTUnwrap(lab.step("client", "send \"third\" without MSG_NOSIGNAL")?.observed)
        XCTAssertTrue(observed.hasPrefix("EPIPE"), observed)
        XCTAssertTrue(observed.contains("the kernel raised SIGPIPE"), observed)
    }

    /// close() does not make the server's end disappear: the kernel keeps it in FIN-WAIT-2,
    /// as a time-wait socket with no process behind it, and it is that end which answers
    /// the late data with RST. The reset counts as sent (Tcp.OutRsts), not as
    /// TcpExt.TCPAbortOnData, which counts the same case for a full socket.
    func testClosedServersEndWaitsInFinWait2AndResetsLateData() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check conn is FIN-WAIT-2")?.observed, "FIN-WAIT-2, timer timewait")
        XCTAssertEqual(result.counters.first { $0.name == "Tcp.OutRsts" }?.change, 1)
        XCTAssertNil(result.counters.first { $0.name == "TcpExt.TCPAbortOnData" })
    }
}
