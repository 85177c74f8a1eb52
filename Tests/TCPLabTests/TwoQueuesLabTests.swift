import TCPLabEngine
import TCPLabReport
import XCTest

/// A listener's two queues under a SYN flood played by the scripted peer
/// (Labs/two-queues.yaml): the SYN queue of requests and the accept queue of finished
/// connections, with SYN cookies off, on and always.
final class TwoQueuesLabTests: LabTestCase {
    override class var labName: String { "two-queues" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// How much a counter grew over the whole lab (0 when it did not change).
    private func growth(_ name: String) -> Int64 {
        lab.counters.first { $0.name == name }?.change ?? 0
    }

    /// With cookies off, a listener with backlog 4 keeps 5 requests, the limit of its accept
    /// queue too (`inet_csk_reqsk_queue_is_full`: more than backlog), and drops the other
    /// 11 of 16 SYNs without an answer, counted as a full request queue. Over the lab the
    /// same rule drops client3's first SYN and 5 of server3's 8, 17 in all.
    func testSYNQueueHoldsBacklogPlusOneRequestsWithCookiesOff() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check kernel: sockets in SYN-RECEIVED: 5")?.status, .passed)
        XCTAssertEqual(result.segments(from: "flood", flags: "S").count, 16)
        XCTAssertEqual(result.segments(to: "flood", flags: "SA", label: "handshake 2/3").count, 5)
        XCTAssertEqual(result.segments(from: "server", to: "flood", flags: "R").count, 0, "a dropped SYN gets no reset")
        XCTAssertEqual(growth("TcpExt.TCPReqQFullDrop"), 11 + 1 + 5)
        XCTAssertEqual(growth("TcpExt.ListenOverflows"), 0, "the accept queue never overflowed")
    }

    /// A listener's Recv-Q is its accept queue only: five requests in its SYN queue leave
    /// it at 2 (client1 and client2), and Send-Q is the backlog.
    func testRecvQCountsTheAcceptQueueNotTheSYNQueue() throws {
        let result = lab
        let checks = result.steps("lab", "check server is LISTEN, Recv-Q 2, Send-Q 4")
        XCTAssertEqual(checks.count, 2)
        XCTAssertTrue(checks.allSatisfy { $0.status == .passed }, result.failures)
        XCTAssertEqual(result.step("lab", "check server is LISTEN, Recv-Q 3, Send-Q 4")?.status, .passed)
    }

    /// During the flood a real client's first SYN is dropped like the flood's: its only
    /// SYN-ACK answers the SYN it sent again about 1 s later.
    func testARealClientsSYNIsDroppedDuringTheFlood() throws {
        let result = lab
        let syns = result.segments(from: "client3", flags: "S")
        XCTAssertEqual(syns.count, 2)
        let answers = result.segments(to: "client3", flags: "SA")
        XCTAssertEqual(answers.count, 1)
        let retransmission = try XCTUnwrap(syns.last)
        XCTAssertTrue(retransmission.labels.contains("SYN retransmission"))
        XCTAssertGreaterThan(try XCTUnwrap(answers.first).frame, retransmission.frame)
        XCTAssertEqual(retransmission.time - syns[0].time, 1.0, accuracy: 0.3)
    }

    /// A request keeps its place and sends its SYN-ACK again about 1 s after the first
    /// (tcp_synack_retries, 5 by default, bounds how often); a cookie SYN-ACK is stateless
    /// and never sent again.
    func testRequestsResendTheirSYNACKButCookiesAreNeverResent() throws {
        let result = lab
        let first = try XCTUnwrap(result.segments(to: "flood", flags: "SA", label: "handshake 2/3").first)
        let again = result.segments(to: "flood", flags: "SA", label: "SYN-ACK retransmission")
        XCTAssertGreaterThanOrEqual(again.count, 5)
        XCTAssertEqual(try XCTUnwrap(again.first).time - first.time, 1.0, accuracy: 0.3)
        XCTAssertEqual(result.segments(to: "cookies", flags: "SA").count, 16)
        XCTAssertEqual(result.segments(to: "cookies", label: "SYN-ACK retransmission").count, 0)
        XCTAssertEqual(result.step("cookies", "expect nothing")?.status, .passed)
        XCTAssertEqual(result.step("lab", "check sysctl net.ipv4.tcp_synack_retries")?.status, .passed)
    }

    /// With cookies on, 16 SYNs to the full queue all get SYN-ACKs at once and the SYN
    /// queue still holds 5: the cookie is the sequence number, nothing is stored.
    func testCookiesAnswerEverySYNAndKeepNothing() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "wait until TcpExt.SyncookiesSent has grown by 16")?.status, .passed)
        // Exactly 5, not merely a count that starts with 5.
        let fiveAfterCookies = result.steps("lab", "check kernel: sockets in SYN-RECEIVED: 5").filter { $0.action.hasSuffix(": 5") }
        XCTAssertEqual(fiveAfterCookies.count, 3, "before and after the 16 cookie SYN-ACKs, and with client3 connected")
        XCTAssertTrue(fiveAfterCookies.allSatisfy { $0.status == .passed })
        XCTAssertEqual(growth("TcpExt.SyncookiesSent"), 16 + 1 + 1)
    }

    /// A cookie has room for the MSS but not for the other options: to a SYN without
    /// timestamps the cookie SYN-ACK offers no window scaling and no SACK, where a request's
    /// SYN-ACK had both. The kernel client's SYN had timestamps, and its cookie kept them.
    func testCookieWithoutTimestampsLosesWindowScaleAndSACK() throws {
        let result = lab
        let request = try XCTUnwrap(result.step("flood", "expect SA")?.observed)
        XCTAssertTrue(request.contains("sackok") && request.contains("wscale="), request)
        let cookie = try XCTUnwrap(result.step("cookies", "expect SA")?.observed)
        XCTAssertTrue(cookie.contains("mss=1460"), cookie)
        XCTAssertFalse(cookie.contains("sackok") || cookie.contains("wscale") || cookie.contains("ts="), cookie)
        XCTAssertEqual(result.capture.first { $0.expectation.contains("cookies SA options wscale") }?.passed, true)
        XCTAssertEqual(result.capture.first { $0.expectation.contains("client3 SA options") }?.passed, true)
    }

    /// The ACK that returns a cookie makes a full connection: client3 gets in despite the
    /// flood, and with tcp_syncookies=2 the peer's handshake ends in a connection that
    /// accept() returns and that carries data. TcpExt.SyncookiesRecv counts both.
    func testACookiesACKMakesTheConnection() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "wait until client3 is ESTABLISHED")?.status, .passed)
        XCTAssertEqual(growth("TcpExt.SyncookiesRecv"), 2)
        XCTAssertEqual(result.step("server2", "accept")?.status, .passed)
        XCTAssertEqual(result.step("conn", "recv")?.observed, "5 bytes: \"hello\"")
    }

    /// tcp_max_syn_backlog 16 with cookies off: a listener with backlog 64 keeps
    /// 16 - 16/4 + 1 = 13 requests and drops the other 3 of 16 SYNs, counted in ListenDrops
    /// only. With cookies on, the same listener takes 16 more: the rule applies only without cookies.
    func testMaxSynBacklogKeepsAQuarterFreeOnlyWithoutCookies() throws {
        let result = lab
        XCTAssertEqual(result.segments(to: "flood2", flags: "SA", label: "handshake 2/3").count, 13)
        XCTAssertEqual(result.step("lab", "check counter TcpExt.TCPReqQFullDrop grew by 12")?.status, .passed)
        XCTAssertEqual(result.segments(to: "more", flags: "SA", label: "handshake 2/3").count, 16)
        XCTAssertEqual(result.step("lab", "check kernel: sockets in SYN-RECEIVED: 34")?.status, .passed)
        XCTAssertEqual(growth("TcpExt.ListenDrops"), 11 + 1 + 3 + 5)
    }

    /// net.core.somaxconn 2 clamps listen(64) to 2, and the SYN queue with it: 3 of 8
    /// requests.
    func testSomaxconnClampsTheSYNQueueToo() throws {
        let result = lab
        XCTAssertEqual(result.step("lab", "check server3 is LISTEN, Send-Q 2")?.status, .passed)
        XCTAssertEqual(result.segments(to: "flood3", flags: "SA", label: "handshake 2/3").count, 3)
    }

    /// tcp_syncookies=2 answers with a cookie although the listener has room for 36 more
    /// requests, and TcpExt.TCPReqQFullDoCookies counts it as if its queue were full.
    func testSyncookiesTwoSendsCookiesWhenTheQueueHasRoom() throws {
        let result = lab
        XCTAssertEqual(result.step("late", "expect SA")?.status, .passed)
        XCTAssertEqual(result.steps("lab", "check kernel: sockets in SYN-RECEIVED: 37").count, 2)
        XCTAssertEqual(growth("TcpExt.TCPReqQFullDoCookies"), 16 + 1 + 1)
    }

    /// A cookie is checked when its ACK arrives: an ACK with a made-up cookie gets RST,
    /// counted in TcpExt.SyncookiesFailed, and makes no connection.
    func testAnACKWithAMadeUpCookieIsReset() throws {
        let result = lab
        XCTAssertEqual(result.segments(from: "server2", to: "forger", flags: "R").count, 1)
        let reset = try XCTUnwrap(result.step("forger", "expect R")?.observed)
        XCTAssertTrue(reset.hasPrefix("R seq=12345 "), "a reset answering an ACK takes its sequence number from that ACK: \(reset)")
        XCTAssertEqual(growth("TcpExt.SyncookiesFailed"), 1)
        XCTAssertEqual(result.step("lab", "check server2 is LISTEN, Recv-Q 0")?.status, .passed)
    }
}
