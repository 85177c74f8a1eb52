import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem
import XCTest

/// How the analysis reads traffic that does not follow the textbook: a connection opened
/// again after a reset, a capture without the handshake, segments with no flags or with
/// every flag, and numbers a damaged file can hold. Segments are built by hand and fed to
/// the analyzer in-process: no root, no network, no tshark.
final class AnalyzerBehaviourTests: XCTestCase {
    /// In a simultaneous open each side's SYN-ACK answers the other's SYN and repeats its own
    /// SYN's sequence number (RFC 9293 figure 8): the labels call both SYN-ACKs part of the
    /// simultaneous open, not retransmissions, though tshark's sequence analysis flags them.
    func testSimultaneousOpenSYNACKsAreAnswersNotRetransmissions() {
        let run = Exchange.analyse([
            .client(seq: 100, ack: 0, [.syn]),
            .server(seq: 300, ack: 0, [.syn]),
            .client(seq: 100, ack: 301, [.syn, .ack]),
            .server(seq: 300, ack: 101, [.syn, .ack]),
            .client(seq: 101, ack: 301, [.ack]),
        ])
        XCTAssertEqual(run.segments[1].labels, [.simultaneousOpen])
        XCTAssertEqual(run.segments[2].labels, [.simultaneousOpen])
        XCTAssertEqual(run.segments[3].labels, [.simultaneousOpen])
        XCTAssertEqual(run.states(3), "ESTABLISHED/ESTABLISHED")
        XCTAssertEqual(run.summaries.first?.opening, .simultaneousOpen)
    }

    /// A SYN refused by RST, then the same SYN again and a handshake: tshark keeps one
    /// stream, and the states start over with the new handshake instead of staying CLOSED.
    func testSYNAgainAfterAResetOpensTheSameStreamAndTheStatesStartOver() {
        let run = Exchange.analyse([
            .client(seq: 100, ack: 0, [.syn]),
            .server(seq: 0, ack: 101, [.rst, .ack]),
            .client(seq: 100, ack: 0, [.syn]),
            .server(seq: 7000, ack: 101, [.syn, .ack]),
            .client(seq: 101, ack: 7001, [.ack]),
            .client(seq: 101, ack: 7001, [.ack, .psh], payload: 10),
        ])
        XCTAssertEqual(run.segments.map(\.stream), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(run.states(1), "CLOSED/CLOSED", "the RST refuses the first SYN")
        XCTAssertEqual(run.segments[2].clientState, .synSent, "the SYN sent again starts a new handshake")
        XCTAssertEqual(run.segments[2].labels, [.synRetransmission])
        XCTAssertEqual(run.states(3), "ESTABLISHED/SYN-RECEIVED")
        XCTAssertEqual(run.segments[3].labels, [.handshakeSYNACK])
        XCTAssertEqual(run.states(4), "ESTABLISHED/ESTABLISHED")
        XCTAssertEqual(run.states(5), "ESTABLISHED/ESTABLISHED", "data flows in ESTABLISHED, not CLOSED")
        XCTAssertEqual(run.segments[3].relativeSequence, 0, "the SYN-ACK's number is the server's base")
        XCTAssertEqual(run.segments[5].relativeAcknowledgment, 1)
        XCTAssertEqual(run.summaries.first?.reopenings, 1)
        XCTAssertEqual(run.summaries.first?.opening, .threeWayHandshake)
        XCTAssertEqual(run.summaries.first.map { "\($0.ending)" }, "still open")
    }

    /// The SYN met a stale connection: the server answers with a challenge ACK from the old
    /// connection's numbers (RFC 5961 section 4), the client resets it and sends its SYN
    /// again. The server's SYN-ACK brings a new sequence number, which tshark takes as the
    /// server's base (and notes the ports as reused).
    func testChallengeACKAnsweredByResetThenTheSYNAgainRebasesTheServer() {
        let run = Exchange.analyse([
            .client(seq: 100, ack: 0, [.syn]),
            .server(seq: 90_000, ack: 55_555, [.ack]),
            .client(seq: 55_555, ack: 0, [.rst]),
            .client(seq: 100, ack: 0, [.syn]),
            .server(seq: 3000, ack: 101, [.syn, .ack]),
            .client(seq: 101, ack: 3001, [.ack]),
            .server(seq: 3001, ack: 101, [.ack, .psh], payload: 20),
        ])
        XCTAssertEqual(Set(run.segments.map(\.stream)), [0])
        XCTAssertEqual(run.segments[1].relativeSequence, 1, "without a SYN, the base is one below the first number")
        XCTAssertEqual(run.segments[4].relativeSequence, 0, "the new SYN-ACK is the server's new base")
        XCTAssertTrue(run.segments[4].analysis.contains(.reusedPorts))
        XCTAssertEqual(run.segments[5].relativeAcknowledgment, 1)
        XCTAssertEqual(run.segments[6].relativeSequence, 1)
        XCTAssertEqual(run.states(3), "SYN-SENT/LISTEN")
        XCTAssertEqual(run.states(6), "ESTABLISHED/ESTABLISHED")
    }

    /// Without a handshake the first sender is not necessarily the client: a capture that
    /// starts with the server's reply from port 80 makes port 80 the server, and the
    /// summary says the roles were guessed.
    func testWithoutAHandshakeTheLowerPortIsTheServerAndTheSummarySaysSo() throws {
        let run = Exchange.analyse([
            .server(seq: 5000, ack: 200, [.ack, .psh], payload: 100),
            .client(seq: 200, ack: 5100, [.ack]),
        ])
        XCTAssertEqual(run.segments[0].sender, .server)
        let summary = try XCTUnwrap(run.summaries.first)
        XCTAssertEqual(summary.server, Exchange.server)
        XCTAssertEqual(summary.client, Exchange.client)
        XCTAssertTrue(summary.rolesGuessed)
        XCTAssertEqual(summary.opening, .notSeen)

        let text = try Exchange.render(run, as: .text)
        XCTAssertTrue(text.contains("guessed from the ports"), text)
        let json = try Exchange.render(run, as: .jsonl)
        XCTAssertTrue(json.contains("\"roles_guessed\":true"), json)
    }

    /// With the handshake captured, the SYN names the client, whatever the ports.
    func testAHandshakeNamesTheClientWhateverThePorts() throws {
        let run = Exchange.analyse([
            .server(seq: 1, ack: 0, [.syn]),
            .client(seq: 9, ack: 2, [.syn, .ack]),
        ])
        let summary = try XCTUnwrap(run.summaries.first)
        XCTAssertEqual(summary.client, Exchange.server, "the SYN's sender is the client, even from port 80")
        XCTAssertFalse(summary.rolesGuessed)
    }

    /// A segment with no flags at all (a "null scan") is named for what it is, changes
    /// neither side's state, and shows its acknowledgment field as on the wire.
    func testASegmentWithNoFlagsIsNamedAndMovesNoState() {
        let run = Exchange.analyse(Exchange.handshake + [
            .client(seq: 101, ack: 1234, []),
            .client(seq: 101, ack: 7001, [.ack, .psh], payload: 5),
        ])
        XCTAssertEqual(run.segments[3].labels, [.noFlags])
        XCTAssertEqual(run.states(3), "ESTABLISHED/ESTABLISHED")
        XCTAssertEqual(run.segments[3].relativeAcknowledgment, 1234, "no ACK flag: the field as sent")
        XCTAssertEqual(run.segments[4].labels, [.data])
    }

    /// Every flag at once (a "Christmas tree" segment) is SYN with FIN and RST: named as
    /// such, no state moves, and, as in tshark, SYN and FIN together take one sequence
    /// number, so the next segment is not taken for a gap.
    func testASegmentWithEveryFlagIsNamedMovesNoStateAndCountsSYNAndFINOnce() {
        let every: TCPFlags = [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ae]
        let run = Exchange.analyse(Exchange.handshake + [
            .client(seq: 101, ack: 7001, every),
            .client(seq: 102, ack: 7001, [.ack, .psh], payload: 5),
        ])
        XCTAssertEqual(run.segments[3].labels, [.contradictoryFlags])
        XCTAssertEqual(run.states(3), "ESTABLISHED/ESTABLISHED")
        XCTAssertFalse(run.segments[4].analysis.contains(.lostSegment), "\(run.segments[4].analysis.names)")
        XCTAssertEqual(run.segments.map(\.stream), [0, 0, 0, 0, 0])
    }

    /// A zero-window probe goes into a window the peer advertised as zero: before the peer
    /// has sent anything, its window is unknown, so one-byte segments are just data (and the
    /// next one is no gap), as tshark has it.
    func testOneByteSegmentsBeforeThePeerAdvertisesAWindowAreNotProbes() {
        let run = Exchange.analyse([
            .client(seq: 1, ack: 1, [.ack, .psh], payload: 1),
            .client(seq: 2, ack: 1, [.ack, .psh], payload: 1),
            .client(seq: 3, ack: 1, [.ack, .psh], payload: 1),
        ])
        XCTAssertEqual(run.segments.map(\.analysis), [[], [], []])
        XCTAssertEqual(run.segments.map(\.labels), [[.data], [.data], [.data]])
    }

    /// A SYN whose options the snap length cut (a 40-byte header, 20 bytes captured) still
    /// has its ports, numbers and flags: it is analysed like any SYN and marked as cut, in
    /// the labels and in the JSON line.
    func testASegmentWhoseHeaderTheSnapLengthCutIsShownAndMarked() throws {
        var frame = SyntheticFrame.tcp(from: 51000, to: 80, seq: 100, ack: 0, flags: .syn)
        frame[14 + 20 + 12] = 0xA0  // Data offset 10: a 40-byte header, of which 20 are captured.
        frame[14 + 2] = 0
        frame[14 + 3] = 60  // The IP header says 20 + 40 bytes.
        guard case .tcp(let segment) = PacketDecoder.decode(frame, linkType: .ethernet, originalLength: frame.count + 20) else {
            return XCTFail("a cut header with its flags is still a segment")
        }
        XCTAssertTrue(segment.headerCut)
        let analyzer = TCPAnalyzer()
        analyzer.process(frame: 1, timestamp: 0, decoded: .tcp(segment))
        analyzer.finish()
        var run = Exchange.Run(analyzer: analyzer)
        while let event = analyzer.nextEvent() { run.events.append(event) }
        run.frames = 1
        guard case .segment(let annotated, _)? = run.events.first else { return XCTFail("no segment") }
        XCTAssertEqual(annotated.labels, [.handshakeSYN, .headerCut])
        XCTAssertEqual(annotated.clientState, .synSent)
        let json = try Exchange.render(run, as: .jsonl, firstTimestamp: 0)
        XCTAssertTrue(json.contains("\"len\":0,\"cut\":true,"), json)
    }

    /// A window scale option above 14 is read as 14 (RFC 7323 section 2.3, as tshark does).
    func testAWindowScaleAbove14IsCappedAt14() {
        var syn = Exchange.Step.client(seq: 100, ack: 0, [.syn])
        syn.windowScale = 255
        var synACK = Exchange.Step.server(seq: 7000, ack: 101, [.syn, .ack])
        synACK.windowScale = 200
        let run = Exchange.analyse([syn, synACK, .client(seq: 101, ack: 7001, [.ack], window: 1000)])
        XCTAssertEqual(run.segments[2].window, 1000 << 14)
    }

    /// Times from a damaged file can be anything: Int64.min next to Int64.max, backwards,
    /// a handshake of centuries. The analysis and every renderer must still print.
    func testTimestampsAtTheExtremesOfInt64AreAnalysedAndPrinted() throws {
        let times: [Int64] = [.max, .min, .max, 0, .min, .max, -1, .min]
        let run = Exchange.analyse(Exchange.handshake + [
            .client(seq: 101, ack: 7001, [.ack, .psh], payload: 10),
            .client(seq: 101, ack: 7001, [.ack, .psh], payload: 10),
            .server(seq: 7001, ack: 111, [.ack]),
            .server(seq: 7001, ack: 111, [.ack]),
            .server(seq: 7001, ack: 111, [.ack]),
        ], times: times)
        XCTAssertEqual(run.segments.count, 8)
        for format in [Exchange.Format.text, .jsonl] {
            let output = try Exchange.render(run, as: format, firstTimestamp: .max)
            XCTAssertTrue(output.contains("8 TCP segments") || output.contains("\"tcp_segments\":8"), output)
        }
        let json = try Exchange.render(run, as: .jsonl, firstTimestamp: .max)
        XCTAssertTrue(json.contains("\"time\":-9223372036.854775808"), "Int64.min - Int64.max saturates: \(json)")
    }

    /// The ladder prints the handshake round trip in milliseconds; a round trip of 136
    /// years (SYN at 1 s, ACK at the end of a 32-bit pcap's seconds) once overflowed while
    /// being scaled to milliseconds (found by damaging real captures at random).
    func testAHandshakeRoundTripOfCenturiesPrintsInMilliseconds() throws {
        let second: Int64 = 1_000_000_000
        let run = Exchange.analyse(Exchange.handshake, times: [second, second + 1, 4_294_967_295 * second])
        XCTAssertEqual(run.summaries.first?.handshakeRoundTrip, 4_294_967_294 * second)
        let text = try Exchange.render(run, as: .text, firstTimestamp: 0)
        XCTAssertTrue(text.contains("handshake round trip 4294967294000.000 ms"), text)

        // The same through `tcplab inspect` on a pcap file, as a user meets it.
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("centuries.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let frames = SyntheticFrame.exchange(timeStart: 0)
        for (index, packet) in frames.prefix(3).enumerated() {
            let time = index == 2 ? 4_294_967_295 * second : second + Int64(index)
            try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: time), linkType: .ethernet, data: packet.data))
        }
        try writer.close()
        let inspect = try InspectRun.run([path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("handshake round trip 4294967294000.000 ms"), inspect.stdout)
    }
}

/// A hand-made exchange between 10.0.0.1:51000 (client) and 10.0.0.2:80 (server), fed to
/// the analyzer one segment per frame.
private enum Exchange {
    static let client = Endpoint(address: IPAddress("10.0.0.1")!, port: 51000)
    static let server = Endpoint(address: IPAddress("10.0.0.2")!, port: 80)

    struct Step {
        var fromClient: Bool
        var seq: UInt32
        var ack: UInt32
        var flags: TCPFlags
        var payload = 0
        var window: UInt16 = 64000
        var windowScale: UInt8?

        static func client(seq: UInt32, ack: UInt32, _ flags: TCPFlags, payload: Int = 0, window: UInt16 = 64000) -> Step {
            Step(fromClient: true, seq: seq, ack: ack, flags: flags, payload: payload, window: window)
        }

        static func server(seq: UInt32, ack: UInt32, _ flags: TCPFlags, payload: Int = 0, window: UInt16 = 64000) -> Step {
            Step(fromClient: false, seq: seq, ack: ack, flags: flags, payload: payload, window: window)
        }

        var segment: TCPSegment {
            var options = TCPOptions()
            options.windowScale = windowScale
            return TCPSegment(
                source: fromClient ? Exchange.client : Exchange.server,
                destination: fromClient ? Exchange.server : Exchange.client,
                sequenceNumber: seq, acknowledgmentNumber: ack, flags: flags, window: window,
                payloadLength: payload, options: options)
        }
    }

    /// SYN (client ISN 100), SYN-ACK (server ISN 7000), ACK.
    static let handshake: [Step] = [
        .client(seq: 100, ack: 0, [.syn]),
        .server(seq: 7000, ack: 101, [.syn, .ack]),
        .client(seq: 101, ack: 7001, [.ack]),
    ]

    struct Run {
        var events: [AnalysisEvent] = []
        var segments: [AnnotatedSegment] = []
        var summaries: [ConnectionSummary] = []
        var frames = 0
        var analyzer: TCPAnalyzer

        /// "client/server" states after segment `index`.
        func states(_ index: Int) -> String {
            "\(segments[index].clientState)/\(segments[index].serverState)"
        }
    }

    /// Runs the steps through a fresh analyzer, a millisecond apart unless `times` says otherwise.
    static func analyse(_ steps: [Step], times: [Int64]? = nil) -> Run {
        let analyzer = TCPAnalyzer()
        var run = Run(analyzer: analyzer)
        for (index, step) in steps.enumerated() {
            let time = times?[index] ?? 1_700_000_000_000_000_000 + Int64(index) * 1_000_000
            analyzer.process(frame: index + 1, timestamp: time, decoded: .tcp(step.segment))
            while let event = analyzer.nextEvent() { run.events.append(event) }
        }
        analyzer.finish()
        while let event = analyzer.nextEvent() { run.events.append(event) }
        run.frames = steps.count
        for event in run.events {
            switch event {
            case .segment(let segment, _): run.segments.append(segment)
            case .connection(let summary): run.summaries.append(summary)
            case .skipped: break
            }
        }
        return run
    }

    enum Format { case text, jsonl }

    /// What a renderer prints for the run.
    static func render(_ run: Run, as format: Format, firstTimestamp: Int64 = 1_700_000_000_000_000_000) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-render-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = try FileDescriptor.openForWriting(path)
        let output = BufferedWriter(descriptor)
        let renderer: AnalysisRenderer = switch format {
        case .text: LadderRenderer(output: output, firstTimestamp: firstTimestamp)
        case .jsonl: JSONLinesRenderer(output: output, firstTimestamp: firstTimestamp)
        }
        for event in run.events { try renderer.render(event) }
        try renderer.finish(AnalysisTotals(
            frames: run.frames, segments: run.analyzer.segmentCount, connections: run.analyzer.connectionCount, skipped: [:]))
        try descriptor.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
