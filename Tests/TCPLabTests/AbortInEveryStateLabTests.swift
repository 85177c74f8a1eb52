import Glibc
import TCPLabAnalysis
import TCPLabEngine
import TCPLabIsolation
import TCPLabKernel
import TCPLabSystem
import TCPLabReport
import XCTest

/// close() with SO_LINGER {1, 0}, RFC 9293's ABORT, in every state after ESTABLISHED, and
/// the kernel's own abort when data arrives after close() (Labs/abort-in-every-state.yaml).
final class AbortInEveryStateLabTests: LabTestCase {
    override class var labName: String { "abort-in-every-state" }

    /// Every step and expectation of the lab held, and the capture took every row it names.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// Where the peer may still send (FIN-WAIT-1, FIN-WAIT-2) or this end has not sent its
    /// FIN (CLOSE-WAIT), the abort is an RST with ACK carrying the server's next sequence
    /// number: 2 after its FIN in FIN-WAIT-1 and FIN-WAIT-2, 1 in CLOSE-WAIT.
    func testAbortSendsResetUnlessBothSidesHaveSentTheirFin() throws {
        let result = lab
        for (peer, seq, ack) in [("fw1", 2, 1), ("fw2", 2, 1), ("cw", 1, 2)] as [(String, UInt32, UInt32)] {
            let resets = result.segments(from: "server", to: peer, flags: "R")
            XCTAssertEqual(resets.map(\.flags), ["AR"], peer)
            XCTAssertEqual(resets.map(\.seq), [seq], peer)
            XCTAssertEqual(resets.map(\.ack), [ack], peer)
        }
    }

    /// In CLOSING and LAST-ACK both FINs were sent: the abort sends nothing, and the
    /// kernel lists the socket no more.
    func testAbortInClosingAndLastAckSendsNothing() throws {
        let result = lab
        for peer in ["cl", "la"] {
            XCTAssertTrue(result.segments(from: "server", to: peer, flags: "R").isEmpty, peer)
        }
        XCTAssertEqual(result.steps.filter { $0.actor == "lab" && ($0.action == "check c4 is CLOSED" || $0.action == "check c5 is CLOSED") }
            .map(\.status), [.passed, .passed])
        XCTAssertEqual(result.kernelSockets(named: "c4").first?.socket.state, .closing, "the last listing that had c4")
        XCTAssertEqual(result.kernelSockets(named: "c5").first?.socket.state, .lastAck, "the last listing that had c5")
    }

    /// TcpExt.TCPAbortOnData counts every close() with SO_LINGER {1, 0}, silent or not,
    /// and the kernel's abort on data after close(): six in all, none for the descriptor
    /// whose connection was already in TIME-WAIT.
    func testTCPAbortOnDataCountsEveryZeroLingerClose() throws {
        let result = lab
        let counts = result.steps("lab", "check counter TcpExt.TCPAbortOnData").map(\.observed)
        XCTAssertEqual(counts, (1...5).map { "TcpExt.TCPAbortOnData grew by \($0)" } + ["TcpExt.TCPAbortOnData grew by 5", "TcpExt.TCPAbortOnData grew by 6"])
        XCTAssertEqual(result.counters.first { $0.name == "TcpExt.TCPAbortOnData" }?.change, 6)
    }

    /// close() with SO_LINGER {1, 0} cannot reach TIME-WAIT: after it, on the descriptor,
    /// nothing is sent and the kernel still lists the connection in TIME-WAIT.
    func testTimeWaitOutlivesTheAbort() throws {
        let result = lab
        XCTAssertTrue(result.segments(from: "server", to: "tw", flags: "R").isEmpty)
        let listings = result.kernelSockets(named: "c6")
        XCTAssertFalse(listings.isEmpty)
        XCTAssertTrue(listings.allSatisfy { $0.socket.state == .timeWait }, "\(listings.map(\.socket.state))")
    }

    /// The peer's RST that crossed the server's found no connection and drew no answer.
    func testCrossingResetIsNotAnswered() throws {
        let result = lab
        let crossing = try XCTUnwrap(result.segments(from: "fw2", flags: "R").first)
        XCTAssertFalse(result.segments.contains { $0.frame > crossing.frame && $0.to == "fw2" })
    }

    /// Data that arrives after close(), in FIN-WAIT-1, is answered with an RST without ACK
    /// whose sequence number is the data's acknowledgment number.
    func testDataAfterCloseIsAnsweredWithReset() throws {
        let result = lab
        let data = try XCTUnwrap(result.segments(from: "late", label: "data").first)
        XCTAssertEqual(data.ack, 1, "the data does not acknowledge the server's FIN")
        let reset = try XCTUnwrap(result.segments(from: "server", to: "late", flags: "R").first)
        XCTAssertEqual(reset.flags, "R")
        XCTAssertEqual(reset.seq, data.ack)
        XCTAssertGreaterThan(reset.frame, data.frame)
    }

    /// Why close() with SO_LINGER {1, 0} cannot reach TIME-WAIT: once the peer's FIN arrives after shutdown(SHUT_WR),
    /// the descriptor's socket says TCP_CLOSE (TCP_INFO's first byte, 7) while the kernel
    /// lists the connection in TIME-WAIT; close() with SO_LINGER {1, 0} then leaves that
    /// TIME-WAIT in place. Real sockets on loopback, in a namespace of the test's own.
    func testDescriptorIsClosedWhileATimewaitSocketHoldsTimeWait() throws {
        try TestEnvironment.requireRoot()
        let (descriptorState, before, after) = try NetworkNamespace.run { () throws -> (UInt8, [TCPState], [TCPState]) in
            let listener = try TestSocket()
            defer { listener.close() }
            try listener.bind(.v4(7072))
            try listener.listen(backlog: 1)
            let client = try TestSocket()
            try client.connect(.v4(7072))
            let server = try listener.accept()
            try client.shutdown(Int32(SHUT_WR))
            XCTAssertEqual(try server.receive(), [], "the server reads the client's FIN")
            server.close()
            XCTAssertEqual(try client.receive(), [], "the client reads the server's FIN")
            var info = [UInt8](repeating: 0, count: 8)
            var length = socklen_t(info.count)
            try systemCall("getsockopt(TCP_INFO)") { getsockopt(client.fd, Int32(IPPROTO_TCP), Int32(TCP_INFO), &info, &length) }
            let before = try SocketDiagnostics.tcpSockets().filter { $0.local.port != 7072 }.map(\.state)
            try client.setLingerZero()
            client.close()
            let after = try SocketDiagnostics.tcpSockets().filter { $0.local.port != 7072 }.map(\.state)
            return (info[0], before, after)
        }
        XCTAssertEqual(descriptorState, 7, "TCP_CLOSE")
        XCTAssertEqual(before, [.timeWait])
        XCTAssertEqual(after, [.timeWait])
    }
}
