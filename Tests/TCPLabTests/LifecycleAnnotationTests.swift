import XCTest

/// What `tcplab inspect` says about each lifecycle event in a tcpdump capture of real
/// sockets (see ``LifecycleRecording`` for the scenarios). Each test reads like the
/// lesson it checks; the frames it looks at are named in comments.
final class LifecycleAnnotationTests: XCTestCase {
    private var run: InspectRun!

    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTool("tcpdump")
        run = try InspectRun.run([try LifecycleRecording.recording().path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    private func segments(port: UInt16) -> [[InspectRun.Segment]] {
        let matching = run.segments.filter { $0.src.hasSuffix(":\(port)") || $0.dst.hasSuffix(":\(port)") }
        return Dictionary(grouping: matching, by: \.stream).sorted { $0.key < $1.key }.map(\.value)
    }

    private func summary(stream: Int) -> [String: Any] {
        run.connections.first { $0["stream"] as? Int == stream } ?? [:]
    }

    /// SYN, SYN-ACK, ACK: the client goes SYN-SENT then ESTABLISHED; the server answers from
    /// LISTEN, is SYN-RECEIVED until the final ACK, then ESTABLISHED.
    func testThreeWayHandshakeIsLabelledOneTwoThreeWithBothStates() throws {
        let first = try XCTUnwrap(segments(port: LifecycleRecording.ports.exchange).first)
        // Frame 1, client to server: SYN.
        XCTAssertEqual(first[0].flags, "S")
        XCTAssertEqual(first[0].labels, ["handshake 1/3"])
        XCTAssertEqual([first[0].clientState, first[0].serverState], ["SYN-SENT", "LISTEN"])
        // Frame 2, server to client: SYN-ACK, acknowledging the SYN's one sequence number.
        XCTAssertEqual(first[1].flags, "SA")
        XCTAssertEqual(first[1].ack, 1)
        XCTAssertEqual(first[1].labels, ["handshake 2/3"])
        XCTAssertEqual([first[1].clientState, first[1].serverState], ["ESTABLISHED", "SYN-RECEIVED"])
        // Frame 3, client to server: the ACK that completes it.
        XCTAssertEqual(first[2].labels, ["handshake 3/3"])
        XCTAssertEqual([first[2].clientState, first[2].serverState], ["ESTABLISHED", "ESTABLISHED"])
        XCTAssertEqual(summary(stream: first[0].stream)["opening"] as? String, "three-way handshake")
    }

    /// The side that sends the first FIN ends in TIME-WAIT; the other goes CLOSE-WAIT,
    /// LAST-ACK, CLOSED. Here the client closes first.
    func testTheSideThatClosesFirstHoldsTimeWait() throws {
        let first = try XCTUnwrap(segments(port: LifecycleRecording.ports.exchange).first)
        let fins = first.filter { $0.flags.contains("F") }
        XCTAssertEqual(fins.count, 2)
        // The client's FIN: it is FIN-WAIT-1; the server, having read it, CLOSE-WAIT.
        XCTAssertEqual(fins[0].labels.first, "FIN (active close)")
        XCTAssertEqual([fins[0].clientState, fins[0].serverState], ["FIN-WAIT-1", "CLOSE-WAIT"])
        // The server's FIN: LAST-ACK until the client's final ACK.
        XCTAssertTrue(fins[1].labels.contains("FIN (passive close)"))
        XCTAssertEqual(fins[1].serverState, "LAST-ACK")
        XCTAssertEqual([first.last!.clientState, first.last!.serverState], ["TIME-WAIT", "CLOSED"])
        XCTAssertEqual(summary(stream: first[0].stream)["time_wait"] as? [String], ["client"])
    }

    /// shutdown(SHUT_WR) sends a FIN but keeps the receiving half open: the server's 100 KiB
    /// reply follows the client's FIN, and the client sits in FIN-WAIT-2 meanwhile.
    func testShutdownWriteIsAHalfCloseAndDataStillFlowsBack() throws {
        let halfClosed = try XCTUnwrap(segments(port: LifecycleRecording.ports.exchange).dropFirst().first)
        let fin = try XCTUnwrap(halfClosed.firstIndex { $0.flags.contains("F") })
        XCTAssertEqual(halfClosed[fin].labels, ["FIN (half-close)"])
        let dataAfter = halfClosed[(fin + 1)...].filter { $0.src.hasSuffix(":8080") && $0.len > 0 }
        XCTAssertEqual(dataAfter.reduce(0) { $0 + $1.len }, 100_000)
        XCTAssertTrue(dataAfter.allSatisfy { $0.clientState == "FIN-WAIT-2" && $0.serverState == "CLOSE-WAIT" })
        let summary = summary(stream: halfClosed[0].stream)
        XCTAssertEqual(summary["ending"] as? String, "half-close, then close")
        XCTAssertEqual(summary["bytes_from_server"] as? Int, 100_000)
    }

    /// SO_LINGER {on, 0} then close(): one RST, no FIN, and nobody in TIME-WAIT.
    func testLingerZeroCloseSendsRSTInsteadOfFIN() throws {
        let aborted = try XCTUnwrap(segments(port: LifecycleRecording.ports.exchange).dropFirst(2).first)
        XCTAssertFalse(aborted.contains { $0.flags.contains("F") })
        let reset = try XCTUnwrap(aborted.last)
        XCTAssertEqual(reset.flags, "AR")
        XCTAssertEqual(reset.labels, ["RST (abort)"])
        XCTAssertEqual([reset.clientState, reset.serverState], ["CLOSED", "CLOSED"])
        XCTAssertEqual(summary(stream: reset.stream)["ending"] as? String, "reset by the client")
        XCTAssertEqual(summary(stream: reset.stream)["time_wait"] as? [String], [])
    }

    /// connect() to a port nobody listens on: the SYN is answered by RST/ACK with window 0.
    /// The server side never had a socket, so it is CLOSED, not LISTEN.
    func testConnectToAPortWithNoListenerIsRefusedByRST() throws {
        let refused = try XCTUnwrap(segments(port: LifecycleRecording.ports.refused).first)
        XCTAssertEqual(refused.map(\.flags), ["S", "AR"])
        XCTAssertEqual(refused[1].labels, ["RST (connection refused)"])
        XCTAssertEqual(refused[1].window, 0)
        XCTAssertEqual(refused[0].serverState, "CLOSED")
        XCTAssertEqual(summary(stream: refused[0].stream)["ending"] as? String, "refused (RST answered the SYN)")
    }

    /// IPv6 endpoints print as "[::1]:port", as tshark and ss write them; this time the
    /// server closes first, so the server holds TIME-WAIT.
    func testIPv6ServerThatClosesFirstHoldsTimeWait() throws {
        let v6 = try XCTUnwrap(segments(port: LifecycleRecording.ports.ipv6).first)
        XCTAssertTrue(v6[0].dst == "[::1]:8081", v6[0].dst)
        XCTAssertEqual(summary(stream: v6[0].stream)["time_wait"] as? [String], ["server"])
        XCTAssertEqual([v6.last!.clientState, v6.last!.serverState], ["CLOSED", "TIME-WAIT"])
    }

    /// A listener with backlog 0 admits one connection; the next SYN is dropped without an
    /// answer (no RST), and the client sends it again about a second later.
    func testSYNToAFullAcceptQueueIsDroppedAndSentAgain() throws {
        let streams = segments(port: LifecycleRecording.ports.backlog)
        let dropped = try XCTUnwrap(streams.first { $0.filter { $0.flags == "S" }.count >= 2 })
        let syns = dropped.filter { $0.flags == "S" }
        XCTAssertEqual(syns[0].labels, ["handshake 1/3"])
        XCTAssertEqual(syns[1].labels, ["SYN retransmission"])
        XCTAssertTrue(syns[1].analysis.contains("retransmission"))
        XCTAssertEqual(syns[1].time - syns[0].time, 1.0, accuracy: 0.25, "Linux's initial SYN timeout is 1 s")
        XCTAssertFalse(dropped.prefix(while: { $0.flags == "S" }).contains { $0.serverState != "LISTEN" })
    }

    /// SO_KEEPALIVE with TCP_KEEPIDLE 1 s: after a second of silence the kernel sends a bare
    /// ACK one byte below its next sequence number, and the peer answers it.
    func testIdleConnectionWithKeepAliveGetsAProbeAndAnAnswer() throws {
        let kept = try XCTUnwrap(segments(port: LifecycleRecording.ports.keepAlive).first)
        let probe = try XCTUnwrap(kept.firstIndex { $0.labels.contains("keep-alive") })
        XCTAssertEqual(kept[probe].len, 0)
        XCTAssertTrue(kept[probe].analysis.contains("keep_alive"))
        XCTAssertTrue(kept[probe + 1].labels.contains("keep-alive ACK"))
    }

    /// A receiver that stops reading advertises window 0; the sender probes it. Linux's
    /// probe looks exactly like a keep-alive (tshark calls it one); tcplab names it a
    /// zero-window probe because the peer's window is 0. Reading opens the window again.
    func testFullReceiverAdvertisesZeroWindowAndIsProbed() throws {
        let stalled = try XCTUnwrap(segments(port: LifecycleRecording.ports.zeroWindow).first)
        let zero = try XCTUnwrap(stalled.firstIndex { $0.labels.contains("zero window") })
        XCTAssertEqual(stalled[zero].window, 0)
        let probe = try XCTUnwrap(stalled.firstIndex { $0.labels.contains("zero-window probe") })
        XCTAssertGreaterThan(probe, zero)
        XCTAssertTrue(stalled[probe].analysis.contains("keep_alive"), "tshark's name for Linux's probe")
        XCTAssertTrue(stalled[(probe + 1)...].contains { $0.labels.contains("window update") || ($0.dst.hasSuffix(":8084") && $0.window > 0) })
    }
}
