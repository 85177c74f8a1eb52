import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem
import XCTest

/// `inspect` writes its lines as bytes, not through `String`: addresses from a table of
/// octets, padding before numbers whose width is worked out first, large batches of lines
/// handed to the kernel without a copy. These tests hold that text to what `String` would
/// have printed, at the edges where byte-level shortcuts go wrong.
final class OutputBytesTests: XCTestCase {
    /// Every octet's width (one, two and three digits), the smallest and largest ports:
    /// each endpoint in the JSON lines, the ladder and the summary reads exactly as
    /// ``Endpoint/description`` writes it.
    func testEndpointsAreWrittenAsTheirDescription() throws {
        let pairs = [
            ("0.0.0.0:0", "255.255.255.255:65535"),
            ("1.22.100.9:1", "10.99.250.0:80"),
            ("192.0.2.1:40000", "198.51.100.2:9"),
        ]
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("endpoints.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        var expected: [String] = []
        for (client, server) in pairs {
            var connection = SyntheticConnection(client: client, server: server)
            connection.handshake()
            for packet in connection.packets { try writer.write(packet) }
            expected += [connection.client.description, connection.server.description]
        }
        try writer.close()
        XCTAssertEqual(expected, pairs.flatMap { [$0.0, $0.1] }, "the descriptions this test compares with")

        let json = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let segments = json.objects.filter { $0["type"] as? String == "segment" }
        XCTAssertEqual(segments.count, 9)
        for (index, (client, server)) in pairs.enumerated() {
            let first = segments[index * 3]
            XCTAssertEqual(first["src"] as? String, client)
            XCTAssertEqual(first["dst"] as? String, server)
            let answer = segments[index * 3 + 1]
            XCTAssertEqual(answer["src"] as? String, server)
            XCTAssertEqual(answer["dst"] as? String, client)
        }

        let text = try InspectRun.run([path])
        XCTAssertEqual(text.status, 0, text.stderr)
        for (client, server) in pairs {
            XCTAssertTrue(text.stdout.contains("client \(client) \u{2192} server \(server)\n"), text.stdout)
        }

        let summary = try InspectRun.run([path, "--format", "summary"])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        for (client, server) in pairs {
            XCTAssertNotNil(summary.stdout.range(of: "\(client) +\(server) ", options: .regularExpression), summary.stdout)
        }
    }

    /// The ladder's arrow is 46 columns whichever way it points: the dashes go after the
    /// numbers of an arrow to the right and before those of an arrow to the left, and
    /// never fewer than two, so long numbers make it wider.
    func testLadderArrowsKeepTheirWidthBothWays() throws {
        var connection = SyntheticConnection(clientISN: 1000, serverISN: 5000)
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 1)
        connection.send(.server, [.psh, .ack], bytes: 1400)
        // An acknowledgment far beyond what was sent: numbers long enough to crowd the arrow.
        connection.send(.client, .ack, ack: 4_000_000_000)
        connection.send(.server, .ack, ack: 4_000_000_000)
        let run = try inspect(connection, named: "arrows")
        XCTAssertEqual(run.status, 0, run.stderr)
        for arrow in [
            "---S seq=0 ack=0 len=0 win=65535------------->",
            "<------------SA seq=0 ack=1 len=0 win=65535---",
            "---AP seq=1 ack=1 len=1 win=65535------------>",
            "<---------AP seq=1 ack=2 len=1400 win=65535---",
            // Crowded by long numbers: two dashes still, the arrow wider than 46.
            "---A seq=2 ack=3999995000 len=0 win=65535---->",
            "<--A seq=1401 ack=3999999000 len=0 win=65535---",
        ] {
            XCTAssertTrue(run.stdout.contains("  \(arrow)  "), "no \(arrow) in\n\(run.stdout)")
        }
    }

    /// The ladder's time column holds 9 characters, up to 99.999999 s; a later time widens
    /// the row rather than running into the frame number (frame 4 at 150 s once read
    /// "     4150.000000").
    func testLadderTimesPastAHundredSecondsStayApartFromTheFrameNumber() throws {
        var connection = SyntheticConnection()
        connection.handshake()
        connection.wait(.seconds(150))
        connection.send(.client, [.fin, .ack])
        let run = try inspect(connection, named: "late")
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdout.split(separator: "\n").filter { $0.contains("seq=") }
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows[0].hasPrefix("     1  0.000000  "), String(rows[0]))
        XCTAssertTrue(rows[3].hasPrefix("     4 150.003000  "), String(rows[3]))
    }

    /// `tcplab inspect` (the ladder) on a pcap of `connection`'s frames.
    private func inspect(_ connection: SyntheticConnection, named name: String) throws -> InspectRun {
        let path = try TestEnvironment.temporaryDirectory(for: self).appendingPathComponent("\(name).pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for packet in connection.packets { try writer.write(packet) }
        try writer.close()
        return try InspectRun.run([path])
    }

    /// A large piece (a renderer's batch of lines) goes to the file from where it is,
    /// after what the writer had collected and before what comes next: the order of the
    /// bytes is the order of the writes.
    func testBufferedWriterKeepsTheOrderOfSmallAndLargePieces() throws {
        let path = try TestEnvironment.temporaryDirectory(for: self).appendingPathComponent("pieces").path
        let descriptor = try FileDescriptor.openForWriting(path)
        let output = BufferedWriter(descriptor, capacity: 1024)
        let small: [UInt8] = Array("first line\n".utf8)
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        let last: [UInt8] = Array("\nlast line\n".utf8)
        try output.write(small.span.bytes)
        try output.write(large.span.bytes)
        try output.write(last.span.bytes)
        try output.write("and a string\n")
        try output.flush()
        try descriptor.close()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written, small + large + last + Array("and a string\n".utf8))
    }

    /// A batch of JSON lines that fails part way (here a non-blocking pipe that fills) is
    /// not written again: `inspect`'s error path flushes what the renderer still holds, and a
    /// batch kept after its failure went out a second time, from its first line.
    func testJSONLinesBatchThatFailedIsNotWrittenAgain() throws {
        var connection = SyntheticConnection()
        connection.handshake()
        for _ in 0..<600 { connection.send(.client, .ack, bytes: 100) }
        let analyzer = TCPAnalyzer()
        for (index, packet) in connection.packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
        }
        analyzer.finish()

        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]); close(ends[1]) }
        for end in ends { XCTAssertEqual(fcntl(end, F_SETFL, O_NONBLOCK), 0) }
        let output = BufferedWriter(FileDescriptor(rawValue: ends[1]))
        let renderer = JSONLinesRenderer(output: output, firstTimestamp: connection.packets[0].timestamp.nanoseconds)
        var failure: SystemCallError?
        while failure == nil, let event = analyzer.nextEvent() {
            do { try renderer.render(event) } catch let error as SystemCallError { failure = error }
        }
        XCTAssertEqual(failure?.errno, .wouldBlock, "the pipe should have filled mid-batch")

        // The reader catches up; the error path then flushes what the renderer holds.
        var received = Self.drain(ends[0])
        try? renderer.flush()
        try? output.flush()
        received += Self.drain(ends[0])

        // Whole lines only: the pipe cut the last one where it filled.
        let text = String(decoding: received, as: UTF8.self)
        let whole = text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
        let frames = whole.split(separator: "\n").compactMap { line in
            line.firstRange(of: "\"frame\":").map { Int(line[$0.upperBound...].prefix { $0.isNumber })! }
        }
        XCTAssertGreaterThan(frames.count, 100)
        XCTAssertEqual(frames, Array(1...frames.count), "each line once, in order")
    }

    /// Everything the pipe holds now.
    private static func drain(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// Zeek's history has no length limit: a connection reset again and again at new
    /// sequence numbers gets a letter for each reset, past the sixteen held in place.
    func testHistoryLongerThanSixteenLettersIsKeptWhole() throws {
        var connection = SyntheticConnection()
        connection.handshake()
        let start = connection.nextSequence(of: .server)
        for offset in 0..<20 { connection.send(.server, .rst, seq: start &+ UInt32(offset) &* 1000) }
        var tracker = ConnectionTracker()
        for packet in connection.packets { tracker.process(packet.decode(), timestamp: packet.timestamp.nanoseconds) }
        tracker.finish()
        let record = try XCTUnwrap(tracker.nextRecord())
        XCTAssertEqual(record.history, "ShA" + String(repeating: "r", count: 20))
        XCTAssertEqual(record.zeekState, .rstr)
    }

    /// Label sets spelled `.a | .b` are the same sets as array literals.
    func testLabelSetsSpelledWithBarEqualArrayLiterals() {
        XCTAssertEqual(SegmentLabel.handshakeSYN | .synRetransmission, [.handshakeSYN, .synRetransmission])
        XCTAssertEqual(SegmentLabel.data | .retransmission | .data, [.data, .retransmission])
        let three: SegmentLabels = SegmentLabel.ackOfFIN | .keepAlive | .zeroWindowProbe
        XCTAssertEqual(three, [.ackOfFIN, .keepAlive, .zeroWindowProbe])
        XCTAssertEqual(Array(three).count, 3)
    }
}
