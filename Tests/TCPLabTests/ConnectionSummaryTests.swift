import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import XCTest

/// `tcplab inspect --format summary`: one line per connection with Zeek's `conn_state` and
/// `history`. The lifecycle capture (Captures/lifecycle.pcapng, recorded by tcpdump from real
/// sockets; see ``LifecycleRecording`` for its scenarios) holds one connection of each kind;
/// synthetic connections cover what real sockets on loopback cannot show.
final class ConnectionSummaryTests: XCTestCase {
    private static let lifecycle = TestEnvironment.packageRoot.appendingPathComponent("Captures/lifecycle.pcapng").path

    /// The summary-jsonl objects of a capture, by server port (and stream order within).
    private func summaries(_ path: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let run = try InspectRun.run([path, "--format", "summary-jsonl"] + extra)
        XCTAssertEqual(run.status, 0, run.stderr)
        return run.objects
    }

    private func codes(_ objects: [[String: Any]], port: Int) -> [String] {
        objects.filter { ($0["server"] as? String)?.hasSuffix(":\(port)") == true }
            .sorted { ($0["stream"] as! Int) < ($1["stream"] as! Int) }
            .map { "\($0["conn_state"] as! String) \($0["history"] as! String)" }
    }

    /// Request and reply closed by the client (SF: both FINs; the client's SYN, the server's
    /// SYN-ACK, ACK, data both ways, both FINs); the half-close (the server's data comes
    /// after the client's FIN: `F` before `d`); and SO_LINGER {on, 0} (RSTO: the client's
    /// RST, no FIN).
    func testExchangeHalfCloseAndLingerResetHaveZeeksCodes() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 8080), ["SF ShADadFf", "SF ShADaFdf", "RSTO ShAR"])
        let halfClosed = try XCTUnwrap(objects.first { $0["history"] as? String == "ShADaFdf" })
        XCTAssertEqual(halfClosed["ending"] as? String, "half-close, then close")
        XCTAssertEqual(halfClosed["server_bytes"] as? Int, 100_000)
        XCTAssertEqual(halfClosed["first_to_close"] as? String, "client")
    }

    /// A connect with no listener: the SYN, then the server's RST (lower case `r`). Zeek
    /// calls it REJ; no payload either way, no handshake round trip.
    func testRefusedConnectIsREJWithHistorySr() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 9), ["REJ Sr"])
        let refused = try XCTUnwrap(objects.first { $0["conn_state"] as? String == "REJ" })
        XCTAssertEqual(refused["ending"] as? String, "refused (RST answered the SYN)")
        XCTAssertEqual(refused["client_bytes"] as? Int, 0)
        XCTAssertEqual(refused["server_bytes"] as? Int, 0)
        XCTAssertTrue(refused["handshake_rtt"] is NSNull)
    }

    /// IPv6, the server closes first: its `f` comes before the client's `F`.
    func testIPv6ConnectionClosedByTheServerFirst() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 8081), ["SF ShADafF"])
        XCTAssertEqual(objects.first { ($0["server"] as? String)?.hasPrefix("[::1]") == true }?["first_to_close"] as? String, "server")
    }

    /// Backlog 0, nothing accepted: the first client got in and was reset by the listener's
    /// close (RSTR); the second one's SYN was dropped and sent again, never answered (S0,
    /// one `S`: a SYN sent again with the same sequence number adds no letter).
    func testDroppedAndResentSYNIsS0WithOneS() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 8082), ["RSTR ShAFr", "S0 S"])
        let resent = try XCTUnwrap(objects.first { $0["conn_state"] as? String == "S0" })
        XCTAssertEqual(resent["client_segments"] as? Int, 2)
        XCTAssertEqual(resent["client_syn_retransmissions"] as? Int, 1)
    }

    /// Keep-alive: the probe is a bare ACK one below the next sequence number, so it adds no
    /// letter (`A` is recorded once) and is not a retransmission (no payload).
    func testKeepAliveAddsNoLetter() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 8083), ["SF ShAaFf"])
    }

    /// Zero window: the client, whose receive buffer filled, advertised 0: `W`.
    func testZeroWindowIsW() throws {
        let objects = try summaries(Self.lifecycle)
        XCTAssertEqual(codes(objects, port: 8084), ["SF ShAdWaFf"])
        let zero = try XCTUnwrap(objects.first { $0["history"] as? String == "ShAdWaFf" })
        XCTAssertGreaterThan(zero["client_zero_windows"] as? Int ?? 0, 0)
    }

    /// Connections come in the order they end (their last segment), not the order they start.
    func testConnectionsComeInTheOrderTheyEnd() throws {
        let objects = try summaries(Self.lifecycle)
        let ends = objects.map { ($0["start"] as! Double) + ($0["duration"] as! Double) }
        XCTAssertEqual(ends, ends.sorted())
        XCTAssertNotEqual(objects.map { $0["stream"] as! Int }, Array(0..<objects.count))
    }

    /// Each --only question keeps the connections its definition names.
    func testOnlyFiltersAnswerTheirQuestions() throws {
        func servers(_ question: String) throws -> [String] {
            try summaries(Self.lifecycle, ["--only", question]).map { $0["conn_state"] as! String }
        }
        XCTAssertEqual(try servers("refused"), ["REJ"])
        XCTAssertEqual(Set(try servers("reset")), ["RSTO", "RSTR"])
        XCTAssertEqual(try servers("half-open"), ["S0"])
        XCTAssertEqual(try servers("retransmitted-syn"), ["S0"])
        XCTAssertEqual(try servers("zero-window"), ["SF"])
        XCTAssertEqual(try servers("unfinished"), ["S0"])
        XCTAssertEqual(try summaries(Self.lifecycle, ["--only", "refused", "--only", "reset"]).count, 3)
        XCTAssertEqual(try summaries(Self.lifecycle, ["--port", "8084"]).count, 1)
        XCTAssertEqual(try summaries(Self.lifecycle, ["--host", "::1"]).count, 1)
    }

    /// A filter question that does not exist, or a filter with a per-segment format, is one
    /// clear message and exit status 64 (a usage error), not a crash.
    func testUnknownQuestionIsAUsageError() throws {
        let unknown = try InspectRun.run([Self.lifecycle, "--format", "summary", "--only", "slow"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("--only"), unknown.stderr)
        let mixed = try InspectRun.run([Self.lifecycle, "--only", "refused"])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertTrue(mixed.stderr.contains("--format summary"), mixed.stderr)
    }

    /// `--help` defines every conn_state code and every --only question, from the tables.
    func testHelpDefinesEveryCodeAndQuestion() throws {
        // The help is wrapped to the terminal's width: compare with single spaces.
        let help = try ChildProcess.run([TestEnvironment.tcplab, "inspect", "--help"]).output
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for state in ZeekConnectionState.allCases { XCTAssertTrue(help.contains("\(state.rawValue) \(state.meaning)"), "\(state)") }
        for filter in ConnectionFilter.allCases { XCTAssertTrue(help.contains("\(filter.rawValue) \(filter.definition)"), "\(filter)") }
    }

    /// The README defines every code and question in the same words as the code's tables.
    func testReadmeDefinesEveryCodeAndQuestion() throws {
        let readme = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for state in ZeekConnectionState.allCases { XCTAssertTrue(readme.contains("| \(state.rawValue) | \(state.meaning) |"), "\(state)") }
        for filter in ConnectionFilter.allCases { XCTAssertTrue(readme.contains("| \(filter.rawValue) | \(filter.definition) |"), "\(filter)") }
    }

    /// The number of connections agrees with tshark's TCP conversations (`conv,tcp`, one
    /// row per tcp.stream): one summary line per row.
    private func assertCountAgreesWithTshark(_ file: String) throws {
        let conversations = try ChildProcess.run(["tshark", "-r", file, "-q", "-z", "conv,tcp"])
        let rows = conversations.output.split(separator: "\n").filter { $0.contains("<->") }.count
        let run = try InspectRun.run([file, "--format", "summary-jsonl"])
        XCTAssertEqual(run.objects.count, rows, file)
    }

    /// On the lifecycle capture: nine connections, as tshark counts them.
    func testConnectionCountAgreesWithTsharkOnTheLifecycleCapture() throws {
        try TestEnvironment.requireTool("tshark")
        try assertCountAgreesWithTshark(Self.lifecycle)
    }

    /// On public captures of other stacks (shared/captures, see its README): a retransmitted
    /// FIN, an injected RST, retransmissions, duplicates, a capture without SYNs.
    func testConnectionCountAgreesWithTsharkOnPublicCaptures() throws {
        try TestEnvironment.requireTool("tshark")
        let shared = try TestEnvironment.requireDirectoryNearPackage("shared/captures", holding: "SOURCES.tsv", "the public capture corpus")
        for name in ["zeek-fin-retransmission.pcap", "zeek-rst-inject-rae.pcap", "arkime-wireshark-retrans.pcap", "zeek-ssh-dups.pcap", "zeek-get-nosyn.pcap"] {
            try assertCountAgreesWithTshark(shared.appendingPathComponent(name).path)
        }
    }
}

/// Zeek's rules for `conn_state` and `history` on connections written segment by segment.
final class ZeekHistoryTests: XCTestCase {
    private func track(_ connection: SyntheticConnection) -> [ConnectionRecord] {
        var tracker = ConnectionTracker()
        for packet in connection.packets { tracker.process(packet.decode(), timestamp: packet.timestamp.nanoseconds) }
        tracker.finish()
        var records: [ConnectionRecord] = []
        while let record = tracker.nextRecord() { records.append(record) }
        return records
    }

    /// A SYN then nothing: S0, history `S`; a SYN sent again with the same number adds nothing.
    func testUnansweredSYNIsS0() throws {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.resend(0)
        let record = try XCTUnwrap(track(connection).first)
        XCTAssertEqual(record.zeekState, .s0)
        XCTAssertEqual(record.history, "S")
        XCTAssertEqual(record.fromClient.synRetransmissions, 1)
        XCTAssertTrue(ConnectionFilter.halfOpen.matches(record))
    }

    /// The originator's SYN then its own RST, no SYN-ACK: RSTOS0.
    func testSYNThenOriginatorRSTIsRSTOS0() throws {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.send(.client, .rst)
        let record = try XCTUnwrap(track(connection).first)
        XCTAssertEqual(record.zeekState, .rstos0)
        XCTAssertEqual(record.history, "SR")
    }

    /// Established, the client closes, the server never answers: S2. The server closes and
    /// the client never answers: S3.
    func testOneSidedCloseIsS2OrS3() throws {
        var clientCloses = SyntheticConnection()
        clientCloses.handshake()
        clientCloses.send(.client, [.fin, .ack])
        XCTAssertEqual(track(clientCloses).first?.zeekState, .s2)
        var serverCloses = SyntheticConnection()
        serverCloses.handshake()
        serverCloses.send(.server, [.fin, .ack])
        let record = try XCTUnwrap(track(serverCloses).first)
        XCTAssertEqual(record.zeekState, .s3)
        XCTAssertEqual(record.history, "ShAf")
        XCTAssertTrue(ConnectionFilter.unfinished.matches(record))
    }

    /// Established and left open: S1; data in the middle of a connection whose handshake the
    /// capture missed: OTH.
    func testOpenIsS1AndMidstreamIsOTH() throws {
        var open = SyntheticConnection()
        open.handshake()
        open.send(.client, [.psh, .ack], bytes: 10)
        let record = try XCTUnwrap(track(open).first)
        XCTAssertEqual(record.zeekState, .s1)
        XCTAssertEqual(record.history, "ShAD")
        var midstream = SyntheticConnection()
        midstream.send(.client, [.psh, .ack], bytes: 10)
        midstream.send(.server, .ack)
        let joined = try XCTUnwrap(track(midstream).first)
        XCTAssertEqual(joined.zeekState, .oth)
        XCTAssertEqual(joined.opening, .notSeen)
    }

    /// A SYN-ACK first (the SYN was not captured): roles come from it, `^` marks the flip, and
    /// a later RST from the responder with no SYN seen is RSTRH; a FIN instead is SHR.
    func testSYNACKFirstIsFlippedAndRSTRHOrSHR() throws {
        var reset = SyntheticConnection()
        reset.send(.server, [.syn, .ack])
        reset.send(.server, .rst, seq: reset.nextSequence(of: .server))
        let record = try XCTUnwrap(track(reset).first)
        XCTAssertEqual(record.history, "^hr")
        XCTAssertEqual(record.zeekState, .rstrh)
        var closed = SyntheticConnection()
        closed.send(.server, [.syn, .ack])
        closed.send(.server, [.fin, .ack])
        XCTAssertEqual(track(closed).first?.zeekState, .shr)
    }

    /// Zeek's own RST cases (its conn_state-RST-behavior test): a lone RST is OTH; SYN then
    /// RST, with or without the responder's bare ACK between, is RSTOS0; a FIN before the RST
    /// breaks the SYN-then-RST pattern, so OTH again.
    func testZeeksRSTCasesGetZeeksCodes() throws {
        var lone = SyntheticConnection()
        lone.send(.client, .rst)
        var synRST = SyntheticConnection()
        synRST.send(.client, .syn)
        synRST.send(.client, .rst)
        var synAckRST = SyntheticConnection()
        synAckRST.send(.client, .syn)
        synAckRST.send(.server, .ack)
        synAckRST.send(.client, .rst)
        var synAckFinRST = SyntheticConnection()
        synAckFinRST.send(.client, .syn)
        synAckFinRST.send(.server, .ack)
        synAckFinRST.send(.client, .fin)
        synAckFinRST.send(.client, .rst)
        let results = [lone, synRST, synAckRST, synAckFinRST].compactMap { track($0).first }.map { "\($0.history), \($0.zeekState)" }
        XCTAssertEqual(results, ["R, OTH", "SR, RSTOS0", "SaR, RSTOS0", "SaFR, OTH"])
    }

    /// SYN then FIN from the originator, no SYN-ACK: SH.
    func testSYNThenFINIsSH() throws {
        var connection = SyntheticConnection()
        connection.send(.client, .syn)
        connection.send(.client, .fin)
        XCTAssertEqual(track(connection).first?.zeekState, .sh)
    }

    /// Retransmitted payload is `T` on the 1st, 10th and 100th time (logarithmic), and a zero
    /// window `W` likewise; `D` and `A` are recorded once per direction, and a letter for a
    /// segment comes before its zero window.
    func testRetransmissionsAreLogarithmic() throws {
        var connection = SyntheticConnection()
        connection.handshake()
        let start = connection.nextSequence(of: .client)
        connection.send(.client, [.psh, .ack], bytes: 100)
        for _ in 0..<10 { connection.send(.client, [.psh, .ack], bytes: 100, seq: start) }
        connection.send(.server, .ack, window: 0)
        connection.send(.server, .ack, window: 0)
        let record = try XCTUnwrap(track(connection).first)
        XCTAssertEqual(record.history, "ShADTTaw")  // The server's first pure ACK, then its zero window.
        XCTAssertEqual(record.fromClient.retransmissions, 10)
        XCTAssertEqual(record.fromClient.bytes, 100)
        XCTAssertEqual(record.fromServer.zeroWindows, 2)
    }

    /// A new SYN with another initial sequence number on the same 4-tuple is a new
    /// connection, as tshark's tcp.stream counts it.
    func testPortReuseStartsANewConnection() throws {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.send(.client, .rst, seq: connection.nextSequence(of: .client))
        connection.send(.client, .syn, seq: connection.nextSequence(of: .client) &+ 100_000)
        let records = track(connection)
        XCTAssertEqual(records.map(\.stream), [0, 1])
        XCTAssertEqual(records.map(\.zeekState), [.rsto, .s0])
    }
}
