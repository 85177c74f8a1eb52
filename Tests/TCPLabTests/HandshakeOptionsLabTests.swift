import TCPLabCapture
import TCPLabEngine
import TCPLabKernel
import TCPLabPacket
import TCPLabReport
import XCTest

/// What SYN and SYN-ACK negotiate, and what it changes afterwards (Labs/handshake-options.yaml).
///
/// The lab's lo has an MTU of 1500 and no segmentation offload, so the numbers are those of
/// an Ethernet link: MSS 1460, and each captured segment is one the wire would carry.
final class HandshakeOptionsLabTests: LabTestCase {
    override class var labName: String { "handshake-options" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// The options of each captured segment, by frame number (the report's segments name
    /// the actors; the capture file holds the option bytes).
    private func options() throws -> [Int: TCPSegment] {
        let reader = try CaptureFileReader(path: try XCTUnwrap(lab.captureFile))
        defer { reader.close() }
        var segments: [Int: TCPSegment] = [:]
        var frame = 0
        while let packet = try reader.next() {
            frame += 1
            if case .tcp(let segment) = packet.decode() { segments[frame] = segment }
        }
        return segments
    }

    /// The one segment from `from` (to `to`) with all of `flags`, as captured.
    private func only(_ flags: String, from: String, to: String? = nil, in segments: [Int: TCPSegment]) throws -> TCPSegment {
        let records = lab.segments(from: from, to: to, flags: flags)
        XCTAssertEqual(records.count, 1, "\(from) → \(to ?? "any") \(flags)")
        return try XCTUnwrap(records.first.flatMap { segments[$0.frame] })
    }

    /// The kernel's tcp_info for a lab socket, as the lab's checks recorded it.
    private func info(_ socket: String) throws -> TCPInfo {
        try XCTUnwrap(lab.kernelSockets(named: socket).first?.socket.info, "no tcp_info recorded for \(socket)")
    }

    /// Linux's SYN carries all four options by default: MSS 1460 (MTU 1500 less 40 bytes
    /// of IP and TCP headers), SACK-permitted, timestamps (TSecr 0: nothing to echo yet) and
    /// window scale 10, in an unscaled window of 64240 (44 segments of 1460). The SYN-ACK
    /// answers with the same four.
    func testDefaultSynCarriesAllFourOptions() throws {
        let segments = try options()
        let syn = try only("S", from: "plain", in: segments)
        XCTAssertEqual(syn.options.maximumSegmentSize, 1460)
        XCTAssertTrue(syn.options.sackPermitted)
        XCTAssertEqual(syn.options.timestamp?.echoReply, 0)
        XCTAssertEqual(syn.options.windowScale, 10)
        XCTAssertEqual(syn.window, 64240)
        let synAck = try only("SA", from: "server", to: "plain", in: segments)
        XCTAssertEqual(synAck.options.maximumSegmentSize, 1460)
        XCTAssertTrue(synAck.options.sackPermitted)
        XCTAssertEqual(synAck.options.timestamp?.echoReply, syn.options.timestamp?.value, "the SYN-ACK echoes the SYN's clock")
        XCTAssertEqual(synAck.options.windowScale, 10)
    }

    /// With timestamps on, every data segment holds at most 1448 bytes: the MSS of 1460
    /// less the 12 bytes (10 of option, 2 of padding) the timestamps take in each header.
    /// The kernel says the same: tcpi_snd_mss is 1448.
    func testTimestampsTakeTwelveBytesOfEverySegment() throws {
        let data = lab.segments(from: "plain", label: "data")
        XCTAssertEqual(data.map(\.len).max(), 1448)
        XCTAssertEqual(data.filter { $0.len == 1448 }.count, 13, "16 KiB: eleven of 1448 and one of 456; then two sends of 1448")
        XCTAssertEqual(try info("plain").sendMSS, 1448)
        let segments = try options()
        for record in data {
            let segment = try XCTUnwrap(segments[record.frame])
            XCTAssertEqual(segment.headerLength, 32, "20 bytes of header and 12 of timestamps")
            XCTAssertNil(segment.options.maximumSegmentSize, "MSS goes only in SYNs")
            XCTAssertNil(segment.options.windowScale, "window scale goes only in SYNs")
        }
    }

    /// TCP_MAXSEG 1000 before connect() makes the SYN announce 1000, and the segments
    /// that follow hold at most 988 in both directions: the client's because of its own
    /// setting, the server's because 1000 is what the client announced, though the server
    /// set nothing and its own SYN-ACK said 1460.
    func testMaxSegLowersTheAnnouncedMSSAndBothDirectionsSegments() throws {
        let segments = try options()
        XCTAssertEqual(try only("S", from: "small", in: segments).options.maximumSegmentSize, 1000)
        XCTAssertEqual(try only("SA", from: "server", to: "small", in: segments).options.maximumSegmentSize, 1460)
        let sent = lab.segments(from: "small", label: "data").map(\.len)
        XCTAssertEqual(sent.max(), 988)
        XCTAssertEqual(sent.filter { $0 == 988 }.count, 20, "20000 bytes: twenty of 988 and one of 240")
        let received = lab.segments(from: "server", to: "small", label: "data").map(\.len)
        XCTAssertEqual(received, [988, 988, 988, 988, 988, 60])
        XCTAssertEqual(try info("small").sendMSS, 988)
        XCTAssertEqual(try info("small-conn").sendMSS, 988)
    }

    /// Each end chooses its own shift from the most its receive buffer may hold: 10 for
    /// tcp_rmem's maximum of 32 MiB, 7 for 6 MiB, 1 with SO_RCVBUF 65536. tcp_info keeps
    /// the peer's shift (tcpi_snd_wscale) apart from its own (tcpi_rcv_wscale).
    func testEachEndChoosesItsOwnWindowScale() throws {
        let segments = try options()
        XCTAssertEqual(try only("S", from: "tight", in: segments).options.windowScale, 1)
        XCTAssertEqual(try only("SA", from: "server", to: "tight", in: segments).options.windowScale, 10)
        XCTAssertEqual(try only("S", from: "older", in: segments).options.windowScale, 7)
        let tight = try info("tight")
        XCTAssertEqual([tight.sendWindowScale, tight.receiveWindowScale], [10, 1])
        let server = try info("tight-conn")
        XCTAssertEqual([server.sendWindowScale, server.receiveWindowScale], [1, 10])
    }

    /// Scaled by 2^10, the window the server advertises passes 65535 once data flows;
    /// with tcp_window_scaling 0 the same server's window field stops at 65535.
    func testWithoutScalingTheWindowStopsAt65535() throws {
        let scaled = lab.segments(from: "server", to: "plain").filter { !$0.flags.contains("S") }.map(\.window)
        XCTAssertGreaterThan(scaled.max() ?? 0, 65535)
        let unscaled = lab.segments(from: "server", to: "noscale").filter { !$0.flags.contains("S") }.map(\.window)
        XCTAssertEqual(unscaled.max(), 65535)
        let segments = try options()
        XCTAssertNil(try only("S", from: "noscale", in: segments).options.windowScale)
        XCTAssertNil(try only("SA", from: "server", to: "noscale", in: segments).options.windowScale)
        XCTAssertEqual(try info("noscale").options, [.sack, .timestamps])
    }

    /// tcp_timestamps 0 takes the option out of the SYN, the SYN-ACK and every segment
    /// after, and gives those 12 bytes back to the payload: 1460-byte segments.
    func testTimestampsOffGivesFullSizedSegments() throws {
        let segments = try options()
        let frames = (lab.segments(from: "notime") + lab.segments(to: "notime")).map(\.frame)
        XCTAssertFalse(frames.isEmpty)
        for frame in frames { XCTAssertNil(segments[frame]?.options.timestamp, "frame \(frame)") }
        XCTAssertEqual(lab.segments(from: "notime", label: "data").map(\.len).max(), 1460)
        XCTAssertEqual(try info("notime").options, [.sack, .windowScale])
        XCTAssertEqual(try info("notime").sendMSS, 1460)
    }

    /// tcp_sack 0 takes SACK-permitted out of both SYNs, and the kernel does not use SACK.
    func testSackOffLeavesSackPermittedOut() throws {
        let segments = try options()
        XCTAssertFalse(try only("S", from: "nosack", in: segments).options.sackPermitted)
        XCTAssertFalse(try only("SA", from: "server", to: "nosack", in: segments).options.sackPermitted)
        XCTAssertEqual(try info("nosack").options, [.timestamps, .windowScale])
    }

    /// An option is used only when both SYNs carry it. The client's SYN offered timestamps
    /// and window scale; the server, which saw the SYN without them (the middlebox took
    /// them out), answered without them; the client then used neither: no timestamps on
    /// its data, 1460-byte segments, and windows no larger than 65535.
    func testAnOptionOfferedByOneSideOnlyIsNotUsed() throws {
        let segments = try options()
        let syn = try only("S", from: "stripped", in: segments)
        XCTAssertNotNil(syn.options.timestamp)
        XCTAssertEqual(syn.options.windowScale, 10)
        let synAck = try only("SA", from: "server2", to: "stripped", in: segments)
        XCTAssertNil(synAck.options.timestamp)
        XCTAssertNil(synAck.options.windowScale)
        XCTAssertTrue(synAck.options.sackPermitted)
        let after = lab.segments(from: "stripped").filter { !$0.flags.contains("S") }
        for record in after { XCTAssertNil(segments[record.frame]?.options.timestamp, "frame \(record.frame)") }
        XCTAssertEqual(after.map(\.len).max(), 1460)
        XCTAssertLessThanOrEqual(lab.segments(from: "server2", to: "stripped").map(\.window).max() ?? 0, 65535)
        let client = try info("stripped")
        XCTAssertEqual(client.options, [.sack])
        XCTAssertEqual([client.sendWindowScale, client.receiveWindowScale], [0, 0])
        XCTAssertEqual(try info("stripped-conn").options, [.sack])
    }

    /// tshark reads the capture as tcplab does, frame by frame: the windows scaled by 2^10
    /// where both SYNs carried window scale, and taken as written where the SYN-ACK left
    /// it out though the SYN offered it.
    func testTsharkAgreesOnEveryFrameAndWindow() throws {
        try TestEnvironment.requireTool("tshark")
        try TsharkView.assertAgreement(on: try XCTUnwrap(lab.captureFile))
    }

    /// After a loss, the receiver's ACK still asks for the missing bytes and, where SACK
    /// was negotiated, carries a block for the segment that arrived beyond them (RFC 2018):
    /// 17833 to 19281, relative to the client's initial sequence number. Without SACK the
    /// same ACK has no block.
    func testSackBlocksTellWhatArrivedBeyondALoss() throws {
        let segments = try options()
        let isn = try only("S", from: "plain", in: segments).sequenceNumber
        let sacked = lab.segments(from: "server", to: "plain").compactMap { record in
            segments[record.frame].flatMap { $0.options.sackBlocks.isEmpty ? nil : $0 }
        }
        let ack = try XCTUnwrap(sacked.first)
        XCTAssertEqual(ack.acknowledgmentNumber &- isn, 16385)
        XCTAssertEqual(ack.options.sackBlocks.map { [$0.left &- isn, $0.right &- isn] }, [[17833, 19281]])
        let unsacked = lab.segments(from: "server", to: "nosack").filter { $0.ack == 1 && !$0.flags.contains("S") }
        XCTAssertEqual(unsacked.count, 1)
        for record in lab.segments(from: "server", to: "nosack") {
            XCTAssertEqual(segments[record.frame]?.options.sackBlocks, [], "frame \(record.frame)")
        }
    }

    /// With the SACK block the client resends the lost segment as soon as the ACK comes;
    /// without it, only when the retransmission timer fires, its 200 ms minimum after the
    /// first send (on loopback the round trip adds next to nothing).
    func testWithoutSackTheLostSegmentWaitsForTheTimer() throws {
        let segments = try options()
        let withSack = try XCTUnwrap(lab.segments(from: "server", to: "plain").first { segments[$0.frame]?.options.sackBlocks.isEmpty == false })
        let resent = try XCTUnwrap(lab.segments(from: "plain").first { $0.frame > withSack.frame && $0.seq == 16385 })
        XCTAssertLessThan(resent.time - withSack.time, 0.05)
        let first = try XCTUnwrap(lab.segments(from: "nosack", label: "data").first)
        let again = try XCTUnwrap(lab.segments(from: "nosack", label: "retransmission").first)
        XCTAssertEqual(again.time - first.time, 0.2, accuracy: 0.1)
    }
}
