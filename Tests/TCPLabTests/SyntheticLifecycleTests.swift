import TCPLabAnalysis
import TCPLabPacket
import XCTest

/// The lifecycle as the analysis explains it, on connections written segment by segment
/// (``SyntheticConnection``): no root, no network, no tshark. Each test is one lesson of
/// RFC 9293: which segments a connection's opening, data, closing and resets are made of,
/// what each is called, and the state each endpoint is in after it.
///
/// The states are the ones each endpoint holds once the segment has been sent and, where it
/// arrived, processed: a capture on the path sees the segment between the two, so this is
/// the view that can be drawn on a ladder diagram, one row per segment.
final class SyntheticLifecycleTests: XCTestCase {
    /// Labels of each segment, as printed.
    private func labels(_ segments: [AnnotatedSegment]) -> [[String]] {
        segments.map { $0.labels.map(\.description) }
    }

    /// Both endpoints' states after each segment, as "client server".
    private func states(_ segments: [AnnotatedSegment]) -> [String] {
        segments.map { "\($0.clientState) \($0.serverState)" }
    }

    /// A connection opened, carrying 100 bytes each way, then closed by the client first.
    private func fourWayClose(client: String = "192.0.2.1:40000", server: String = "198.51.100.2:80") -> SyntheticConnection {
        var connection = SyntheticConnection(client: client, server: server)
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.send(.server, [.psh, .ack], bytes: 100)
        connection.send(.client, .ack)
        connection.send(.client, [.fin, .ack])
        connection.send(.server, .ack)
        connection.send(.server, [.fin, .ack])
        connection.send(.client, .ack)
        return connection
    }

    /// SYN, SYN-ACK, ACK (RFC 9293 figure 6). The client is SYN-SENT after its SYN while the
    /// server still listens; the SYN-ACK makes the client ESTABLISHED and leaves the server
    /// SYN-RECEIVED until the third segment arrives. The SYN and the SYN-ACK each take one
    /// sequence number, so the relative numbers go 0, then 1.
    func testHandshakeTakesTheClientThroughSynSentAndTheServerThroughSynReceived() {
        var connection = SyntheticConnection()
        connection.handshake()
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(labels(segments), [["handshake 1/3"], ["handshake 2/3"], ["handshake 3/3"]])
        XCTAssertEqual(states(segments), ["SYN-SENT LISTEN", "ESTABLISHED SYN-RECEIVED", "ESTABLISHED ESTABLISHED"])
        XCTAssertEqual(segments.map(\.relativeSequence), [0, 0, 1])
        XCTAssertEqual(segments.map(\.relativeAcknowledgment), [0, 1, 1])
        XCTAssertEqual(segments.map(\.sender), [.client, .server, .client])
        XCTAssertEqual(summaries.count, 1)
        let summary = summaries.first
        XCTAssertEqual(summary?.opening, .threeWayHandshake)
        XCTAssertEqual(summary?.handshakeRoundTrip, 2_000_000, "SYN to final ACK: two frames 1 ms apart")
        XCTAssertEqual(summary?.ending.description, "still open")
    }

    /// Payload is "data"; an ACK that carries nothing is a pure ACK. Each direction's bytes
    /// are counted in the summary, and each side's relative sequence number is the offset
    /// of its first byte in its own stream, plus one for its SYN.
    func testDataIsLabelledAndEachDirectionCountsItsOwnBytes() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.send(.server, .ack)
        connection.send(.server, [.psh, .ack], bytes: 300)
        connection.send(.client, .ack)
        let (segments, summaries) = connection.analyze()
        let after = Array(segments.dropFirst(3))
        XCTAssertEqual(labels(after), [["data"], ["pure ACK"], ["data"], ["pure ACK"]])
        XCTAssertEqual(after.map(\.relativeSequence), [1, 1, 1, 101])
        XCTAssertEqual(after.map(\.relativeAcknowledgment), [1, 101, 101, 301])
        XCTAssertEqual(after.map(\.segment.payloadLength), [100, 0, 300, 0])
        XCTAssertTrue(after.allSatisfy { $0.clientState == .established && $0.serverState == .established })
        XCTAssertEqual(summaries.first?.bytesFromClient, 100)
        XCTAssertEqual(summaries.first?.bytesFromServer, 300)
    }

    /// FIN, ACK, FIN, ACK (RFC 9293 figure 12). The side that closes first goes FIN-WAIT-1,
    /// FIN-WAIT-2, then TIME-WAIT, where it stays for 2 MSL; the other side goes CLOSE-WAIT,
    /// LAST-ACK and CLOSED.
    func testFourWayCloseLeavesTheSideThatClosedFirstInTimeWait() {
        let (segments, summaries) = fourWayClose().analyze()
        let closing = Array(segments.suffix(4))
        XCTAssertEqual(closing.map(\.segment.flags.letters), ["AF", "A", "AF", "A"])
        XCTAssertEqual(labels(closing).map(\.first), ["FIN (active close)", "ACK of FIN", "FIN (passive close)", "ACK of FIN"])
        XCTAssertEqual(states(closing), [
            "FIN-WAIT-1 CLOSE-WAIT", "FIN-WAIT-2 CLOSE-WAIT", "TIME-WAIT LAST-ACK", "TIME-WAIT CLOSED",
        ])
        let summary = summaries.first
        XCTAssertEqual(summary?.ending.description, "four-way close")
        XCTAssertEqual(summary?.firstToClose, .client)
        XCTAssertEqual(summary?.timeWait, [.client])
    }

    /// When the second FIN carries the ACK of the first, the close takes three segments.
    func testSecondFINCarryingTheACKOfTheFirstIsAThreeWayClose() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.server, [.fin, .ack])
        connection.send(.client, [.fin, .ack])
        connection.send(.server, .ack)
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(states(Array(segments.suffix(3))), ["CLOSE-WAIT FIN-WAIT-1", "LAST-ACK TIME-WAIT", "CLOSED TIME-WAIT"])
        XCTAssertEqual(summaries.first?.ending.description, "three-way close (FIN+ACK together)")
        XCTAssertEqual(summaries.first?.timeWait, [.server])
    }

    /// shutdown(SHUT_WR) sends a FIN but leaves the other direction open: the server goes
    /// on sending after the client's FIN, while the client sits in FIN-WAIT-2 and the server
    /// in CLOSE-WAIT. The FIN is a half-close because data followed it.
    func testDataAfterAFINMakesItAHalfClose() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 20)
        connection.send(.client, [.fin, .ack])
        connection.send(.server, .ack)
        connection.send(.server, .ack, bytes: 1000)
        connection.send(.server, [.psh, .ack], bytes: 1000)
        connection.send(.client, .ack)
        connection.send(.server, [.fin, .ack])
        connection.send(.client, .ack)
        let (segments, summaries) = connection.analyze()
        let fin = segments[4]
        XCTAssertEqual(fin.labels.map(\.description), ["FIN (half-close)"])
        let reply = segments.filter { $0.sender == .server && $0.segment.payloadLength > 0 }
        XCTAssertEqual(reply.count, 2)
        XCTAssertEqual(states(reply), ["FIN-WAIT-2 CLOSE-WAIT", "FIN-WAIT-2 CLOSE-WAIT"])
        XCTAssertEqual(states(Array(segments.suffix(1))), ["TIME-WAIT CLOSED"])
        XCTAssertEqual(summaries.first?.ending.description, "half-close, then close")
        XCTAssertEqual(summaries.first?.bytesFromServer, 2000)
    }

    /// An RST on an open connection (close() with SO_LINGER {on, 0}, or unread data)
    /// aborts it: both ends are CLOSED at once, and nobody holds TIME-WAIT.
    func testRSTOnAnOpenConnectionAbortsItWithoutTimeWait() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 10)
        connection.send(.server, .ack)
        connection.send(.client, [.rst, .ack])
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(segments.last?.labels.map(\.description), ["RST (abort)"])
        XCTAssertEqual(states(Array(segments.suffix(1))), ["CLOSED CLOSED"])
        XCTAssertEqual(summaries.first?.ending.description, "reset by the client")
        XCTAssertEqual(summaries.first?.timeWait, [])
    }

    /// A SYN answered by RST/ACK: nothing listens on the port (connect() fails with
    /// ECONNREFUSED). The server side never had a socket, so it is CLOSED throughout, not
    /// LISTEN; the RST acknowledges the SYN, so its acknowledgment is 1.
    func testRSTAnsweringASYNIsARefusedConnection() {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.send(.server, [.rst, .ack], window: 0, seq: 0)
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(labels(segments), [["handshake 1/3"], ["RST (connection refused)"]])
        XCTAssertEqual(states(segments), ["SYN-SENT CLOSED", "CLOSED CLOSED"])
        XCTAssertEqual(segments.last?.relativeAcknowledgment, 1)
        XCTAssertEqual(summaries.first?.ending.description, "refused (RST answered the SYN)")
        XCTAssertEqual(summaries.first?.opening, .notCompleted)
    }

    /// A SYN that got no answer is sent again, the same segment a second later (Linux's
    /// first SYN timeout is 1 s): a SYN retransmission, which tshark marks as a
    /// retransmission. The server listens throughout, and the handshake's round trip is
    /// timed from the SYN that was answered.
    func testSYNSentAgainAfterASecondIsASYNRetransmission() {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.wait(.seconds(1))
        connection.resend(0)
        connection.send(.server, [.syn, .ack])
        connection.send(.client, .ack)
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(labels(segments), [["handshake 1/3"], ["SYN retransmission"], ["handshake 2/3"], ["handshake 3/3"]])
        XCTAssertTrue(segments[1].analysis.contains(.retransmission))
        XCTAssertEqual(states(Array(segments.prefix(2))), ["SYN-SENT LISTEN", "SYN-SENT LISTEN"])
        XCTAssertEqual(summaries.first?.handshakeRoundTrip, 2_000_000)
        XCTAssertEqual(summaries.first?.retransmissions, 1)
    }

    /// Data sent again because no ACK came is a retransmission: the same sequence numbers,
    /// counted once in the bytes the connection carried.
    func testDataSentAgainIsARetransmissionCountedOnce() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.wait(.milliseconds(200))
        connection.resend(3)
        connection.send(.server, .ack)
        let (segments, summaries) = connection.analyze()
        XCTAssertEqual(segments[4].labels.map(\.description), ["retransmission"])
        XCTAssertTrue(segments[4].analysis.contains(.retransmission))
        XCTAssertEqual(segments[4].relativeSequence, 1)
        XCTAssertEqual(summaries.first?.bytesFromClient, 100)
        XCTAssertEqual(summaries.first?.retransmissions, 1)
    }

    /// A segment lost on the way leaves a hole: the capture sees the next one jump ahead
    /// ("previous segment not captured"), and the receiver acknowledges up to the hole
    /// again for every segment beyond it, with SACK blocks saying what did arrive. After
    /// two such duplicate ACKs the sender resends the missing bytes without waiting for
    /// its timer: a fast retransmission (RFC 5681 section 3.2; tshark counts from two).
    func testLostSegmentDrawsDuplicateACKsAndAFastRetransmission() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        let hole = connection.nextSequence(of: .client)
        connection.send(.client, [.psh, .ack], bytes: 100, lost: true)
        for arrived in 1...3 {
            connection.send(.client, [.psh, .ack], bytes: 100)
            let sack = SyntheticFrame.Option.sack([(left: hole &+ 100, right: hole &+ 100 &+ UInt32(arrived) * 100)])
            connection.send(.server, .ack, ack: hole, options: [.noOperation, .noOperation, sack])
        }
        connection.send(.client, [.psh, .ack], bytes: 100, seq: hole)
        connection.send(.server, .ack)
        let (segments, summaries) = connection.analyze()
        let afterHandshake = Array(segments.dropFirst(3))
        XCTAssertEqual(afterHandshake.map(\.relativeSequence), [1, 201, 1, 301, 1, 401, 1, 101, 1])
        XCTAssertEqual(afterHandshake.map(\.relativeAcknowledgment), [1, 1, 101, 1, 101, 1, 101, 1, 501])
        XCTAssertEqual(afterHandshake.map { $0.analysis.names }, [
            [], ["lost_segment"], [], [], ["duplicate_ack"], [], ["duplicate_ack"], ["fast_retransmission"], [],
        ])
        XCTAssertTrue(afterHandshake[1].labels.contains(.previousSegmentNotCaptured))
        XCTAssertEqual(afterHandshake[4].labels.map(\.description), ["duplicate ACK"])
        XCTAssertEqual(afterHandshake[7].labels.map(\.description), ["retransmission"])
        XCTAssertEqual(summaries.first?.retransmissions, 1)
    }

    /// A receiver whose buffer is full advertises window 0. The sender then probes: Linux
    /// sends a bare ACK one byte below its next sequence number, which draws an ACK with
    /// the current window. When the application reads, an ACK with a window again tells
    /// the sender it may go on.
    func testZeroWindowIsProbedUntilTheReceiverReadsAgain() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 1000)
        connection.send(.server, .ack, window: 0)
        connection.wait(.milliseconds(200))
        let next = connection.nextSequence(of: .client)
        connection.send(.client, .ack, seq: next &- 1)
        connection.send(.server, .ack, window: 0)
        connection.wait(.milliseconds(300))
        connection.send(.server, .ack, window: 65535)
        let (segments, _) = connection.analyze()
        let window = Array(segments.dropFirst(4))
        // The receiver's ACK closes the window: tshark's zero_window.
        XCTAssertTrue(window[0].labels.contains(.zeroWindow))
        XCTAssertTrue(window[0].analysis.contains(.zeroWindow))
        XCTAssertEqual(window[0].window, 0)
        // The probe: no data, one byte below the next number, into a closed window.
        XCTAssertEqual(window[1].labels.map(\.description), ["zero-window probe"])
        XCTAssertEqual(window[1].segment.payloadLength, 0)
        // Its answer: still window 0.
        XCTAssertTrue(window[2].labels.contains(.zeroWindowProbeACK))
        XCTAssertTrue(window[2].labels.contains(.zeroWindow))
        // The reader read: the same ACK, with room again.
        XCTAssertTrue(window[3].labels.contains(.windowUpdate))
        XCTAssertTrue(window[3].analysis.contains(.windowUpdate))
        XCTAssertEqual(window[3].window, 65535)
    }

    /// After a quiet while, a socket with SO_KEEPALIVE sends a bare ACK one byte below its
    /// next sequence number (RFC 9293 section 3.8.4); the peer answers with an ACK of what
    /// it has, which tells the prober the connection is alive.
    func testQuietConnectionGetsAKeepAliveAndItsAnswer() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 10)
        connection.send(.server, .ack)
        connection.wait(.seconds(2))
        connection.send(.client, .ack, seq: connection.nextSequence(of: .client) &- 1)
        connection.send(.server, .ack)
        let (segments, _) = connection.analyze()
        XCTAssertEqual(labels(Array(segments.suffix(2))), [["keep-alive"], ["keep-alive ACK"]])
        XCTAssertTrue(segments[5].analysis.contains(.keepAlive))
        XCTAssertTrue(segments[6].analysis.contains(.keepAliveACK))
        XCTAssertEqual(states(Array(segments.suffix(2))), ["ESTABLISHED ESTABLISHED", "ESTABLISHED ESTABLISHED"])
    }

    /// IPv6 changes the addresses, not the lifecycle: the same segments get the same
    /// labels and states, and the endpoints print as "[address]:port", as tshark and ss
    /// write them.
    func testIPv6ConnectionIsExplainedLikeIPv4() {
        let v4 = fourWayClose().analyze().segments
        let v6 = fourWayClose(client: "[2001:db8::1]:40000", server: "[2001:db8::2]:80").analyze().segments
        XCTAssertEqual(labels(v6), labels(v4))
        XCTAssertEqual(states(v6), states(v4))
        XCTAssertEqual(v6.first?.sourceText, "[2001:db8::1]:40000")
        XCTAssertEqual(v6.first?.destinationText, "[2001:db8::2]:80")
        XCTAssertTrue(v6.allSatisfy { $0.segment.source.address.isIPv6 })
    }

    /// Relative numbers count from each side's own SYN, so they read the same whatever the
    /// initial sequence numbers were, even when the 32-bit numbers wrap past 2^32 in the
    /// middle of the data. Nothing here is lost or resent, and the analysis says nothing.
    func testRelativeNumbersCountFromEachSidesSYNAcrossTheWrap() {
        var connection = SyntheticConnection(clientISN: 0xFFFF_FFF0, serverISN: 0xFFFF_FFFE)
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.send(.server, [.psh, .ack], bytes: 50)
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.send(.server, .ack)
        let (segments, _) = connection.analyze()
        XCTAssertEqual(segments.map(\.relativeSequence), [0, 0, 1, 1, 1, 101, 51])
        XCTAssertEqual(segments.map(\.relativeAcknowledgment), [0, 1, 1, 1, 101, 51, 201])
        XCTAssertEqual(segments[3].segment.sequenceNumber, 0xFFFF_FFF1, "the client's first byte, before the wrap")
        XCTAssertTrue(segments.allSatisfy { $0.analysis.isEmpty }, "\(segments.map(\.analysis.names))")
    }

    /// Window scaling (RFC 7323) holds only when both SYNs carry the option; then every
    /// later window is the field shifted left by the peer's scale. The SYNs' own windows are
    /// never scaled.
    func testWindowScaleAppliesOnlyWhenBothSYNsOfferIt() {
        var both = SyntheticConnection()
        both.send(.client, .syn, window: 64240, options: [.maximumSegmentSize(1460), .windowScale(7)])
        both.send(.server, [.syn, .ack], window: 65160, options: [.maximumSegmentSize(1460), .windowScale(7)])
        both.send(.client, .ack, window: 502)
        let scaled = both.analyze().segments
        XCTAssertEqual(scaled.map(\.window), [64240, 65160, 502 * 128])

        var one = SyntheticConnection()
        one.send(.client, .syn, window: 64240, options: [.windowScale(7)])
        one.send(.server, [.syn, .ack], window: 65160)
        one.send(.client, .ack, window: 502)
        XCTAssertEqual(one.analyze().segments.map(\.window), [64240, 65160, 502])
    }

    /// What counts is the SYN-ACK that answers the SYN in effect: when a SYN offered scaling,
    /// was reset, and the SYN sent again is answered by a SYN-ACK without the option, the
    /// connection runs unscaled. (why-three-way's scripted peer does this; tshark 4.x keeps
    /// the first SYN's scale there and shows windows 1024 times too large.)
    func testASYNACKWithoutWindowScaleTurnsScalingOffAfterASYNSentAgain() {
        var connection = SyntheticConnection()
        connection.send(.client, .syn, window: 64240, options: [.windowScale(10)])
        connection.send(.server, [.syn, .ack], window: 65535)
        connection.send(.client, .rst, window: 0)
        connection.send(.client, .syn, window: 64240, seq: 0, options: [.windowScale(10)])
        connection.send(.server, [.syn, .ack], window: 65535)
        connection.send(.client, .ack, window: 64240)
        XCTAssertEqual(connection.analyze().segments.last?.window, 64240)
    }

    /// Two connections between the same hosts are told apart by their ports, and numbered
    /// in order of first appearance, as tshark's tcp.stream.
    func testConnectionsAreNumberedInOrderOfFirstAppearance() {
        var first = SyntheticConnection(client: "192.0.2.1:40000")
        var second = SyntheticConnection(client: "192.0.2.1:40001")
        first.handshake()
        second.handshake()
        // Interleave them: first's SYN, second's SYN, and so on.
        let packets = zip(first.packets, second.packets).flatMap { [$0, $1] }
        let analyzer = TCPAnalyzer()
        for (index, packet) in packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
        }
        analyzer.finish()
        var streams: [Int] = []
        while let event = analyzer.nextEvent() {
            if case .segment(let segment, _) = event { streams.append(segment.stream) }
        }
        XCTAssertEqual(streams, [0, 1, 0, 1, 0, 1])
    }

    /// The rows each endpoint took on each segment, as "client | server".
    private func rows(_ segments: [AnnotatedSegment]) -> [String] {
        segments.map { segment in
            [segment.clientTransition, segment.serverTransition]
                .map { $0?.rows.map(\.id).joined(separator: ",") ?? "-" }.joined(separator: " | ")
        }
    }

    /// A SYN with a new sequence number inside the window of an open connection (a peer
    /// that restarted, or a blind attacker) does not end it, as it did under RFC 793, nor
    /// open a new one: Linux answers with a challenge ACK carrying its own numbers (RCV.NXT)
    /// and keeps the connection (RFC 5961 section 4). tshark counts the SYN as a new stream
    /// with new relative numbers; the analysis keeps that numbering, but both ends stay
    /// ESTABLISHED, the receiver by established/syn-in-window, and the exact reset that
    /// follows still ends the connection.
    func testSYNOnAnOpenConnectionDrawsAChallengeACKAndKeepsBothEndsEstablished() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 10)
        connection.send(.server, .ack)
        let receiveNext = connection.nextSequence(of: .client)
        connection.send(.client, .syn, seq: receiveNext &+ 1000)
        connection.send(.server, .ack, ack: receiveNext)
        connection.send(.client, .rst, seq: receiveNext)
        let (segments, summaries) = connection.analyze()
        let tail = Array(segments.suffix(3))
        XCTAssertEqual(labels(tail), [["SYN on an open connection"], ["challenge ACK"], ["RST (abort)"]])
        XCTAssertEqual(states(tail), ["ESTABLISHED ESTABLISHED", "ESTABLISHED ESTABLISHED", "CLOSED CLOSED"])
        XCTAssertEqual(rows(tail), ["- | established/syn-in-window", "- | -", "established/abort | established/rst"])
        XCTAssertEqual(tail.map(\.stream), [1, 1, 1], "tshark's numbering: the SYN starts stream 1")
        XCTAssertEqual(tail.first?.relativeSequence, 0, "tshark's numbering: the SYN is the new stream's base")
        XCTAssertEqual(summaries.map(\.opening), [.threeWayHandshake, .notSeen])
        XCTAssertNil(summaries.last?.handshakeRoundTrip)
    }

    /// After an exact reset, and after a close, the receiver holds no open connection
    /// (CLOSED; or TIME-WAIT, where a SYN may open a new one): a new SYN on the same ports
    /// opens a new handshake from CLOSED and LISTEN.
    func testSYNAfterTheConnectionWasResetOrClosedOpensANewHandshake() {
        var reset = SyntheticConnection()
        reset.handshake()
        reset.send(.client, [.rst, .ack])
        reset.send(.client, .syn, seq: 90_000)
        reset.send(.server, [.syn, .ack], seq: 70_000)
        reset.send(.client, .ack)
        var closed = fourWayClose()
        closed.send(.client, .syn, seq: 90_000)
        closed.send(.server, [.syn, .ack], seq: 70_000)
        closed.send(.client, .ack)
        for connection in [reset, closed] {
            let tail = Array(connection.analyze().segments.suffix(3))
            XCTAssertEqual(labels(tail), [["handshake 1/3"], ["handshake 2/3"], ["handshake 3/3"]])
            XCTAssertEqual(states(tail), ["SYN-SENT LISTEN", "ESTABLISHED SYN-RECEIVED", "ESTABLISHED ESTABLISHED"])
            XCTAssertEqual(tail.first.map { rows([$0]) }, ["closed/active-open | -"])
        }
    }

    /// A SYN on a connection the capture never saw end, answered by a SYN-ACK: only an
    /// endpoint without the connection answers so (one with it sends a challenge ACK), so
    /// the capture missed its end, and the SYN opened a new connection after all.
    func testSYNAnsweredBySYNACKOpensANewConnectionAfterAll() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 10)
        connection.send(.server, .ack)
        connection.wait(.seconds(3600))
        connection.send(.client, .syn, seq: 90_000)
        connection.send(.server, [.syn, .ack], seq: 70_000)
        connection.send(.client, .ack)
        let (segments, summaries) = connection.analyze()
        let tail = Array(segments.suffix(3))
        XCTAssertEqual(labels(tail), [["handshake 1/3"], ["handshake 2/3"], ["handshake 3/3"]])
        XCTAssertEqual(states(tail), ["SYN-SENT LISTEN", "ESTABLISHED SYN-RECEIVED", "ESTABLISHED ESTABLISHED"])
        XCTAssertEqual(rows(tail), ["closed/active-open | -", "syn-sent/syn-ack | listen/syn", "- | syn-received/ack-of-syn"])
        XCTAssertEqual(summaries.last?.opening, .threeWayHandshake)
    }

    /// A SYN on a connection the capture never saw end, answered by RST/ACK: nothing held
    /// the connection, and nothing listens any more: a refused connection, from CLOSED.
    func testSYNAnsweredByRSTIsARefusedConnectionAfterAll() {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.wait(.seconds(3600))
        connection.send(.client, .syn, seq: 90_000)
        connection.send(.server, [.rst, .ack], window: 0, seq: 0)
        let (segments, summaries) = connection.analyze()
        let tail = Array(segments.suffix(2))
        XCTAssertEqual(labels(tail), [["handshake 1/3"], ["RST (connection refused)"]])
        XCTAssertEqual(states(tail), ["SYN-SENT CLOSED", "CLOSED CLOSED"])
        XCTAssertEqual(summaries.last?.ending.description, "refused (RST answered the SYN)")
    }
}
