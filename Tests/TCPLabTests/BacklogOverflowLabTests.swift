import TCPLabEngine
import TCPLabReport
import XCTest

/// The listen backlog, as Linux implements it (Labs/backlog-overflow.yaml).
///
/// `listen(fd, 2)` on a server that never calls accept(): five clients connect without
/// blocking. These tests read one run of the lab and state what the kernel did.
final class BacklogOverflowLabTests: LabTestCase {
    override class var labName: String { "backlog-overflow" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// Backlog 2 admits three connections (backlog + 1): sock_diag shows the listener with
    /// Recv-Q 3, the accept queue, and Send-Q 2, the backlog.
    func testListenQueueHoldsBacklogPlusOneConnections() throws {
        let result = lab
        for client in ["client1", "client2", "client3"] {
            XCTAssertEqual(result.segments(to: client, flags: "SA").count, 1, "\(client) completed its handshake at once")
        }
        let listener = try XCTUnwrap(result.kernel.first { $0.moment.hasPrefix("check") }?.sockets.first { $0.name == "server" })
        XCTAssertEqual(listener.socket.state, .listen)
        XCTAssertEqual(listener.socket.receiveQueue, 3)
        XCTAssertEqual(listener.socket.sendQueue, 2)
    }

    /// A SYN that finds the queue full is dropped, not refused: no RST and no SYN-ACK
    /// answer it, connect() stays pending, and the client's kernel sends the SYN again.
    func testSYNsBeyondTheQueueAreDroppedNotRefused() throws {
        let result = lab
        XCTAssertTrue(result.segments(from: "server", flags: "R").isEmpty, "the server never sent RST")
        XCTAssertEqual(result.segments(to: "client5", flags: "SA").count, 0, "client5's SYNs got no answer")
        // Captured: client5's first SYN, then the same SYN again, labelled as a retransmission.
        XCTAssertGreaterThanOrEqual(result.segments(from: "client5", flags: "S", label: "SYN retransmission").count, 1)
        XCTAssertEqual(result.step("client5", "connect")?.observed.hasPrefix("EINPROGRESS"), true)
        XCTAssertEqual(result.kernelSockets(named: "client5").first?.socket.state, .synSent)
    }

    /// Each dropped SYN counts in TcpExt.ListenOverflows and ListenDrops.
    func testListenOverflowsCountsEveryDroppedSYN() throws {
        let result = lab
        let dropped = result.segments(from: "client4", flags: "S").count + result.segments(from: "client5", flags: "S").count - 1
        let overflows = try XCTUnwrap(result.counters.first { $0.name == "TcpExt.ListenOverflows" }?.change)
        let drops = try XCTUnwrap(result.counters.first { $0.name == "TcpExt.ListenDrops" }?.change)
        // Every SYN from client4 and client5 but the one that got in was dropped at the
        // full queue (the second part's late ACK adds one overflow more).
        XCTAssertGreaterThanOrEqual(overflows, Int64(dropped))
        XCTAssertGreaterThanOrEqual(drops, Int64(dropped))
    }

    /// After one accept(), the next retransmitted SYN gets in. With the waits doubling
    /// (1 s, then 2 s) that is 3 s after client4's first SYN; the tolerance of 0.3 s covers
    /// the kernel's timer granularity (4 ms at HZ=250) and a loaded machine.
    func testAcceptLetsARetransmittedSYNComplete() throws {
        let result = lab
        let syns = result.segments(from: "client4", flags: "S").filter { !$0.flags.contains("A") }
        let answer = try XCTUnwrap(result.segments(to: "client4", flags: "SA").first)
        let first = try XCTUnwrap(syns.first)
        XCTAssertEqual(answer.time - first.time, 3.0, accuracy: 0.3, "the SYN that got in was sent about 3 s after the first")
        XCTAssertEqual(syns.count, 3, "the first SYN and two retransmissions")
    }

    /// With tcp_abort_on_overflow=1, a handshake that completes at a full queue is
    /// answered with RST, and the client, whose connect() had succeeded, gets ECONNRESET.
    func testAbortOnOverflowResetsTheLateClient() throws {
        let result = lab
        XCTAssertEqual(result.step("late", "recv")?.observed.hasPrefix("ECONNRESET"), true)
        // Captured: the late client's data (its handshake's completion for the server) and the RST in answer.
        XCTAssertEqual(result.segments(from: "late", to: "server2", label: "data").count, 1)
        XCTAssertEqual(result.segments(from: "server2", to: "late", flags: "R").count, 1)
    }

    /// listen() silently caps its backlog at net.core.somaxconn: asked for 100 with
    /// somaxconn 4, it succeeds and the listener's Send-Q (the backlog in force) is 4.
    func testListenBacklogIsSilentlyCappedAtSomaxconn() throws {
        let result = lab
        XCTAssertEqual(result.step("server3", "listen 100")?.observed, "ok")
        XCTAssertEqual(result.step("lab", "check server3 is LISTEN")?.observed, "LISTEN, Send-Q 4")
    }
}
