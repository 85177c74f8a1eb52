import Foundation
import TCPLabCapture
import TCPLabPacket
import XCTest

/// `tcplab inspect` must see real-world traffic as tshark does. The 64 public captures in
/// `shared/captures` (beside the repository; see its README for where each comes from) come
/// with tshark 4.0.17's per-segment table. Every TCP segment tshark shows is compared on:
///
/// - the wire view: stream (tcp.stream), source, destination, flags, relative sequence and
///   acknowledgment numbers, and payload length: at least 99.5% must agree;
/// - the window as tshark scales it: at least 99%;
/// - the tcp.analysis findings (retransmission, fast retransmission, duplicate ACK, zero
///   window, zero-window probe, keep-alive, window update, out-of-order, previous segment
///   not captured): at least 99%.
///
/// A segment tcplab does not show counts against all three. The agreement per file is
/// printed as a table, with the first disagreements of each file below it.
final class RealWorldAgreementTests: XCTestCase {
    static let wireGoal = 99.5
    static let windowGoal = 99.0
    static let findingsGoal = 99.0

    func testEveryTCPSegmentOfThePublicCapturesAgreesWithTshark() throws {
        let directory = try TestEnvironment.requireDirectoryNearPackage("shared/captures", holding: "tshark", "the public capture corpus")
        let corpus = PublicCaptures(directory: directory)
        // tshark tells which IP header is the inner one where a frame has both families.
        try TestEnvironment.requireTool("tshark")
        let files = try corpus.files()
        XCTAssertFalse(files.isEmpty, "no tshark tables in \(corpus.directory.path)/tshark")

        let runs = try InspectBatch.run(files.map(\.capture), batchSize: 4)
        var total = Agreement(name: "total")
        var rows: [Agreement] = []
        var examples: [String] = []
        for (file, run) in zip(files, runs) {
            let table = try TsharkTable(contentsOf: file.table, capture: file.capture)
            // 2: damaged part way (one capture is cut short; tshark stops there too), after
            // printing the frames before the damage, which are compared like any others.
            XCTAssert(run.status == 0 || run.status == 2, "\(file.name): exit status \(run.status): \(run.stderr)")
            var agreement = Agreement(name: file.name)
            let ours = run.segmentsByFrame()
            for expected in table.rows {
                let disagreement = agreement.count(expected, against: ours[expected.frame])
                if let disagreement, examples.filter({ $0.hasPrefix(file.name) }).count < 3 {
                    examples.append("\(file.name) frame \(expected.frame): \(disagreement)")
                }
            }
            total.add(agreement)
            rows.append(agreement)
        }
        print(Agreement.table(rows + [total]))
        if !examples.isEmpty { print("First disagreements:\n  " + examples.joined(separator: "\n  ")) }

        XCTAssertGreaterThanOrEqual(total.wirePercent, Self.wireGoal, "stream/src/dst/flags/seq/ack/len agree on \(total.wire) of \(total.segments) segments")
        XCTAssertGreaterThanOrEqual(total.windowPercent, Self.windowGoal, "window agrees on \(total.window) of \(total.segments) segments")
        XCTAssertGreaterThanOrEqual(total.findingsPercent, Self.findingsGoal, "tcp.analysis findings agree on \(total.findings) of \(total.segments) segments")
    }
}

/// Behaviours the public corpus does not show (its README lists them), in captures made
/// here frame by frame, compared with what tshark makes of them on this machine: every
/// segment must agree.
final class CraftedAgreementTests: XCTestCase {
    override func setUpWithError() throws {
        try TestEnvironment.requireTool("tshark")
    }

    /// `tcpFrames`: how many of the frames tshark shows as TCP (all of them unless fragments
    /// are among them).
    private func assertAgreement(
        _ name: String, _ frames: [[UInt8]], tcpFrames: Int? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("\(name).pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for (index, frame) in frames.enumerated() {
            let time = 1_700_000_000_000_000_000 + Int64(index) * 1_000_000
            try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: time), linkType: .ethernet, data: frame[...]))
        }
        try writer.close()
        let table = try TsharkTable(runningTsharkOn: path)
        XCTAssertEqual(table.rows.count, tcpFrames ?? frames.count, "the frames tshark sees as TCP", file: file, line: line)
        let run = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        var agreement = Agreement(name: name)
        let ours = Dictionary(run.segments.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(ours.count, table.rows.count, "the frames tcplab decodes as TCP", file: file, line: line)
        for expected in table.rows {
            if let disagreement = agreement.count(expected, against: ours[expected.frame]) {
                XCTFail("\(name) frame \(expected.frame): \(disagreement)", file: file, line: line)
            }
        }
    }

    private func c(_ seq: UInt32, _ ack: UInt32, _ flags: TCPFlags, payload: Int = 0, window: UInt16 = 65535, options: [UInt8] = []) -> [UInt8] {
        SyntheticFrame.tcp(fromClient: true, clientPort: 51000, serverPort: 80, seq: seq, ack: ack, flags: flags, window: window, payload: payload, options: options)
    }

    private func s(_ seq: UInt32, _ ack: UInt32, _ flags: TCPFlags, payload: Int = 0, window: UInt16 = 65535, options: [UInt8] = []) -> [UInt8] {
        SyntheticFrame.tcp(fromClient: false, clientPort: 51000, serverPort: 80, seq: seq, ack: ack, flags: flags, window: window, payload: payload, options: options)
    }

    /// Refused, the same SYN again, a handshake; later a reset and a new SYN (a new stream).
    func testReopeningAfterAResetAgreesWithTshark() throws {
        try assertAgreement("reopen", [
            c(100, 0, .syn), s(0, 101, [.rst, .ack]), c(100, 0, .syn), s(7000, 101, [.syn, .ack]),
            c(101, 7001, .ack), c(101, 7001, [.ack, .psh], payload: 10), s(7001, 111, .ack), s(7001, 111, .rst),
            c(500, 0, .syn), s(9000, 501, [.syn, .ack]), c(501, 9001, .ack),
        ])
    }

    /// A challenge ACK, the client's RST, the SYN again, a SYN-ACK with a new number.
    func testChallengeACKThenResetThenSYNAgreesWithTshark() throws {
        try assertAgreement("challenge", [
            c(100, 0, .syn), s(90_000, 55_555, .ack), c(55_555, 0, .rst), c(100, 0, .syn),
            s(3000, 101, [.syn, .ack]), c(101, 3001, .ack), s(3001, 101, [.ack, .psh], payload: 20), c(101, 3021, .ack),
        ])
    }

    /// No flags, every flag, SYN+FIN, SYN+RST, in and out of a connection.
    func testSegmentsWithNoFlagsOrEveryFlagAgreeWithTshark() throws {
        let every: TCPFlags = [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ae]
        try assertAgreement("flags", [
            c(100, 0, .syn), s(7000, 101, [.syn, .ack]), c(101, 7001, .ack), c(101, 1234, []), c(101, 7001, every),
            c(102, 7001, [.ack, .psh], payload: 5), s(7001, 107, .ack), c(107, 7001, [.syn, .fin]), c(107, 7001, [.syn, .rst]),
            c(107, 7001, [.ack, .psh], payload: 5), s(7001, 0, []), s(7001, 112, .ack),
        ])
    }

    /// Zero window, zero-window probes and their ACKs, the window update, keep-alives and
    /// their ACKs, a retransmission, a gap and an out-of-order segment.
    func testZeroWindowProbesAndKeepAlivesAgreeWithTshark() throws {
        try assertAgreement("probes", [
            c(100, 0, .syn, options: SyntheticFrame.windowScaleOption(7)), s(7000, 101, [.syn, .ack], options: SyntheticFrame.windowScaleOption(7)),
            c(101, 7001, .ack, window: 100), c(101, 7001, [.ack, .psh], payload: 1000), s(7001, 1101, .ack, window: 0),
            c(1101, 7001, .ack, payload: 1), s(7001, 1101, .ack, window: 0), c(1101, 7001, .ack, payload: 1),
            s(7001, 1101, .ack, window: 0), s(7001, 1101, .ack, window: 50), c(1101, 7001, [.ack, .psh], payload: 100),
            s(7001, 1201, .ack, window: 50), c(1200, 7001, .ack), s(7001, 1201, .ack, window: 50),
            c(1200, 7001, .ack, payload: 1), s(7001, 1201, .ack, window: 50), s(7001, 1201, .ack, window: 50),
            c(1201, 7001, [.ack, .psh], payload: 10), c(1201, 7001, [.ack, .psh], payload: 10),
            c(1211, 7001, [.ack, .psh], payload: 10), c(1251, 7001, [.ack, .psh], payload: 10), c(1221, 7001, [.ack, .psh], payload: 10),
        ])
    }

    /// Window scale shifts above 14 (tshark caps them at 14), and a capture that starts
    /// with the server's SYN-ACK, is reset, and gets a SYN-ACK with a new number.
    func testLargeWindowScaleAndANewSYNACKAgreeWithTshark() throws {
        try assertAgreement("wscale", [
            c(100, 0, .syn, options: SyntheticFrame.windowScaleOption(15)), s(7000, 101, [.syn, .ack], options: SyntheticFrame.windowScaleOption(255)),
            c(101, 7001, .ack, window: 1000), s(7001, 101, .ack, window: 3),
        ])
        try assertAgreement("synack-first", [
            s(7000, 101, [.syn, .ack]), c(101, 7001, .ack), c(101, 7001, .rst), s(8000, 101, [.syn, .ack]), c(101, 8001, .ack),
        ])
    }

    /// Segments that IP fragmentation split, their fragments out of order and one sent
    /// twice, in IPv4 and IPv6: each segment is at the frame whose fragment completed it.
    func testFragmentedSegmentsAgreeWithTshark() throws {
        let client = Endpoint(address: IPAddress("10.0.0.1")!, port: 51000)
        let server = Endpoint(address: IPAddress("10.0.0.2")!, port: 80)
        func frame(_ from: Endpoint, _ to: Endpoint, _ seq: UInt32, _ ack: UInt32, _ flags: TCPFlags, payload: Int = 0) -> [UInt8] {
            SyntheticFrame.tcp(from: from, to: to, seq: seq, ack: ack, flags: flags, payload: payload)
        }
        let big = SyntheticFrame.fragments(of: frame(server, client, 7001, 101, [.ack, .psh], payload: 3000), sizes: [1480, 1480, 0])
        try assertAgreement("fragments", [
            frame(client, server, 100, 0, .syn), frame(server, client, 7000, 101, [.syn, .ack]), frame(client, server, 101, 7001, .ack),
            big[1], big[0], big[1], big[2],
            frame(client, server, 101, 10001, .ack),
        ], tcpFrames: 5)
        let client6 = Endpoint(address: IPAddress("2001:db8::1")!, port: 51000)
        let server6 = Endpoint(address: IPAddress("2001:db8::2")!, port: 80)
        let big6 = SyntheticFrame.fragments(of: frame(server6, client6, 7001, 101, [.ack, .psh], payload: 2000), sizes: [1448, 0])
        try assertAgreement("fragments6", [
            frame(client6, server6, 100, 0, .syn), frame(server6, client6, 7000, 101, [.syn, .ack]), frame(client6, server6, 101, 7001, .ack),
            big6[1], big6[0], frame(client6, server6, 101, 9001, .ack),
        ], tcpFrames: 5)
    }
}

/// The corpus folder: `shared/captures` beside the repository (CI clones the repository
/// with `shared/` next to it), or beside a directory above it.
private struct PublicCaptures {
    let directory: URL

    struct File {
        let name: String
        let capture: String
        let table: URL
    }

    /// Every capture with a tshark table, by name.
    func files() throws -> [File] {
        let tables = directory.appendingPathComponent("tshark")
        let names = try FileManager.default.contentsOfDirectory(atPath: tables.path)
            .filter { $0.hasSuffix(".tsv") }.map { String($0.dropLast(4)) }.sorted()
        return names.compactMap { name in
            let capture = ["pcap", "pcapng"].map { directory.appendingPathComponent("\(name).\($0)").path }
                .first { FileManager.default.fileExists(atPath: $0) }
            return capture.map { File(name: name, capture: $0, table: tables.appendingPathComponent("\(name).tsv")) }
        }
    }
}

/// One file of tshark's per-segment table (format in shared/captures/tshark/README.md).
private struct TsharkTable {
    struct Row {
        var frame: Int
        var stream: Int
        var sources: [String]
        var destinations: [String]
        var flags: String
        var seq: UInt32
        var ack: UInt32
        var len: Int
        var window: Int
        var findings: Set<String>
    }

    /// The tcp.analysis columns after tcp.analysis.flags, in table order.
    static let findingColumns = [
        "retransmission", "fast_retransmission", "duplicate_ack", "zero_window", "zero_window_probe",
        "keep_alive", "window_update", "out_of_order", "lost_segment",
    ]

    var rows: [Row] = []

    init(contentsOf url: URL, capture: String) throws {
        try self.init(text: try String(contentsOf: url, encoding: .utf8), name: url.lastPathComponent, capture: capture)
    }

    /// The table tshark 4 makes of `capture` now, with the command of shared/captures/tshark/README.md.
    init(runningTsharkOn capture: String) throws {
        var arguments = [
            "tshark", "-r", capture, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=l",
            "-o", "tcp.relative_sequence_numbers:TRUE", "-o", "tcp.analyze_sequence_numbers:TRUE", "-Y", "tcp",
        ]
        let fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                      "tcp.flags.str", "tcp.seq", "tcp.ack", "tcp.len", "tcp.window_size", "tcp.analysis.flags"]
            + TsharkTable.findingColumns.map { "tcp.analysis.\($0)" }
        arguments += fields.flatMap { ["-e", $0] }
        let result = try ChildProcess.run(arguments)
        XCTAssertEqual(result.status, 0, result.error)
        try self.init(text: result.output, name: capture, capture: capture)
    }

    init(text: String, name: String, capture: String) throws {
        var innerFamily: [Int: String]?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let v = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard v.count == 23, let frame = Int(v[0]), let stream = Int(v[1]), let seq = UInt32(v[9]),
                  let ack = UInt32(v[10]), let len = Int(v[11]), let window = Int(v[12]) else {
                XCTFail("\(name): unreadable line \(line)")
                continue
            }
            var sources = TsharkTable.endpoints(v[2], v[3], v[4])
            var destinations = TsharkTable.endpoints(v[5], v[6], v[7])
            if sources.count > 1 {
                // Both an IPv4 and an IPv6 header: the TCP segment belongs to the inner one.
                if innerFamily == nil { innerFamily = try TsharkTable.innerFamilies(of: capture) }
                let index = innerFamily?[frame] == "ipv6" ? 1 : 0
                sources = [sources[index]]
                destinations = [destinations[index]]
            }
            let findings = Set(zip(TsharkTable.findingColumns, v[14...]).filter { $0.1 == "1" }.map(\.0))
            rows.append(Row(
                frame: frame, stream: stream, sources: sources, destinations: destinations,
                flags: TsharkTable.letters(v[8]), seq: seq, ack: ack, len: len, window: window, findings: findings))
        }
    }

    /// "1.2.3.4:80" and/or "[::1]:80", as tcplab prints endpoints.
    static func endpoints(_ ipv4: String, _ ipv6: String, _ port: String) -> [String] {
        var result: [String] = []
        if !ipv4.isEmpty { result.append("\(ipv4):\(port)") }
        if !ipv6.isEmpty { result.append("[\(ipv6)]:\(port)") }
        return result
    }

    /// tshark's 12-character flag string (unset flags as U+00B7) in tcplab's letters:
    /// SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, AE ("SAFRPUECN" order; N for AE by its old
    /// name NS). The three reserved bits have no letter.
    static func letters(_ flags: String) -> String {
        let characters = Array(flags)
        guard characters.count == 12 else { return flags }
        let positions: [(Int, Character)] = [
            (10, "S"), (7, "A"), (11, "F"), (9, "R"), (8, "P"), (6, "U"), (5, "E"), (4, "C"), (3, "N"),
        ]
        return String(positions.filter { characters[$0.0] != "\u{00B7}" }.map(\.1))
    }

    /// For each frame, which of "ip" and "ipv6" comes last in tshark's protocol stack.
    static func innerFamilies(of capture: String) throws -> [Int: String] {
        let result = try ChildProcess.run(["tshark", "-r", capture, "-Y", "tcp", "-T", "fields", "-e", "frame.number", "-e", "frame.protocols"])
        var families: [Int: String] = [:]
        for line in result.output.split(separator: "\n") {
            let v = line.split(separator: "\t")
            guard v.count == 2, let frame = Int(v[0]) else { continue }
            families[frame] = v[1].split(separator: ":").last { $0 == "ip" || $0 == "ipv6" }.map(String.init)
        }
        return families
    }
}

/// Counts of agreeing segments for one file, or for all.
private struct Agreement {
    var name: String
    var segments = 0
    var missing = 0
    var wire = 0
    var window = 0
    var findings = 0

    var wirePercent: Double { percent(wire) }
    var windowPercent: Double { percent(window) }
    var findingsPercent: Double { percent(findings) }

    private func percent(_ count: Int) -> Double { segments == 0 ? 100 : 100 * Double(count) / Double(segments) }

    /// Counts one of tshark's rows against tcplab's segment for that frame; returns what
    /// differed, if anything.
    mutating func count(_ expected: TsharkTable.Row, against ours: InspectRun.Segment?) -> String? {
        segments += 1
        guard let ours else {
            missing += 1
            return "missing (tshark: stream \(expected.stream) \(expected.sources[0]) > \(expected.destinations[0]) \(expected.flags))"
        }
        var differences: [String] = []
        let wireAgrees = ours.stream == expected.stream && expected.sources.contains(ours.src)
            && expected.destinations.contains(ours.dst) && ours.flags == expected.flags
            && UInt32(truncatingIfNeeded: ours.seq) == expected.seq && UInt32(truncatingIfNeeded: ours.ack) == expected.ack
            && ours.len == expected.len
        if wireAgrees {
            wire += 1
        } else {
            differences.append("tshark stream \(expected.stream) \(expected.sources[0])>\(expected.destinations[0]) \(expected.flags) seq=\(expected.seq) ack=\(expected.ack) len=\(expected.len), "
                + "tcplab stream \(ours.stream) \(ours.src)>\(ours.dst) \(ours.flags) seq=\(ours.seq) ack=\(ours.ack) len=\(ours.len)")
        }
        if ours.window == expected.window {
            window += 1
        } else {
            differences.append("window tshark \(expected.window), tcplab \(ours.window)")
        }
        var found = Set(ours.analysis)
        // tshark sets tcp.analysis.retransmission for fast and spurious retransmissions too.
        if !found.isDisjoint(with: ["fast_retransmission", "spurious_retransmission"]) { found.insert("retransmission") }
        let compared = found.intersection(TsharkTable.findingColumns)
        if compared == expected.findings {
            findings += 1
        } else {
            differences.append("findings tshark \(expected.findings.sorted()), tcplab \(compared.sorted())")
        }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    mutating func add(_ other: Agreement) {
        segments += other.segments
        missing += other.missing
        wire += other.wire
        window += other.window
        findings += other.findings
    }

    static func table(_ rows: [Agreement]) -> String {
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - text.count, 0)) + text }
        func percent(_ value: Double) -> String { String(format: "%.2f", value) }
        var lines = ["capture" + String(repeating: " ", count: 33) + cell("segments", 9) + cell("missing", 9)
            + cell("wire %", 9) + cell("window %", 10) + cell("findings %", 12)]
        for row in rows {
            lines.append(row.name.padding(toLength: 40, withPad: " ", startingAt: 0) + cell(String(row.segments), 9)
                + cell(String(row.missing), 9) + cell(percent(row.wirePercent), 9) + cell(percent(row.windowPercent), 10)
                + cell(percent(row.findingsPercent), 12))
        }
        return lines.joined(separator: "\n")
    }
}

/// `tcplab inspect --format jsonl` on many files, a few processes at a time.
private enum InspectBatch {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String

        func segmentsByFrame() -> [Int: InspectRun.Segment] {
            let run = InspectRun(status: status, stdout: stdout, stderr: stderr)
            return Dictionary(run.segments.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    static func run(_ captures: [String], batchSize: Int) throws -> [Run] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var runs: [Run] = []
        var start = 0
        while start < captures.count {
            let batch = Array(captures[start..<min(start + batchSize, captures.count)].enumerated())
            var children: [ChildProcess] = []
            do {
                for (index, capture) in batch {
                    children.append(try ChildProcess(
                        [TestEnvironment.tcplab, "inspect", capture, "--format", "jsonl"],
                        stdoutPath: directory.appendingPathComponent("\(start + index).out").path,
                        stderrPath: directory.appendingPathComponent("\(start + index).err").path))
                }
            } catch {
                for child in children { _ = try? child.wait() }  // None outlives the test.
                throw error
            }
            for (child, (index, _)) in zip(children, batch) {
                let status = try child.wait()
                let out = directory.appendingPathComponent("\(start + index).out").path
                let err = directory.appendingPathComponent("\(start + index).err").path
                runs.append(Run(
                    status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                    stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""))
            }
            start += batchSize
        }
        return runs
    }
}
