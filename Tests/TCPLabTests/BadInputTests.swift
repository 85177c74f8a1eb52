import Foundation
import TCPLabCapture
import TCPLabPacket
import XCTest

/// Bad input gets one clear line on stderr naming the file and the problem, and a non-zero
/// exit; never a crash. A file damaged part way still yields the frames before the damage.
final class BadInputTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A pcap of the synthetic exchange, written by TCPLab's writer.
    private func exchangePcap(_ name: String = "exchange.pcap") throws -> String {
        let path = directory.appendingPathComponent(name).path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for packet in SyntheticFrame.exchange() { try writer.write(packet) }
        try writer.close()
        return path
    }

    private func assertRejected(_ path: String, saying fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try InspectRun.run([path])
        XCTAssertEqual(run.status, 1, file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.contains(path), "names the file: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.contains(fragment), "says '\(fragment)': \(run.stderr)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("Fatal error"), file: file, line: line)
    }

    /// A run that stops on an error keeps what it printed: here the annotated copy goes to
    /// /dev/full, which fails once that copy's buffer first fills, a few hundred frames in
    /// (full-size segments, so that the copy grows faster than the JSON lines). The lines of
    /// the frames before the failure and of the one it failed on are all printed, exactly
    /// as a run without the copy prints them.
    func testAFailedRunKeepsTheLinesPrintedBeforeTheFailure() throws {
        let path = directory.appendingPathComponent("bulk.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let (client, server): (UInt16, UInt16) = (40_000, 8080)
        var frames = [
            SyntheticFrame.tcp(from: client, to: server, seq: 100, ack: 0, flags: .syn),
            SyntheticFrame.tcp(from: server, to: client, seq: 500, ack: 101, flags: [.syn, .ack]),
            SyntheticFrame.tcp(from: client, to: server, seq: 101, ack: 501, flags: .ack),
        ]
        for index in 0..<600 {
            frames.append(SyntheticFrame.tcp(from: client, to: server, seq: 101 + UInt32(index) * 1_400, ack: 501, flags: .ack, payload: 1_400))
        }
        for (index, frame) in frames.enumerated() {
            try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: Int64(index) * 1_000), linkType: .ethernet, data: frame[...]))
        }
        try writer.close()

        let whole = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(whole.status, 0)
        let failed = try InspectRun.run([path, "--format", "jsonl", "--annotate", "/dev/full"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("ENOSPC"), failed.stderr)
        let printed = failed.segments.map(\.frame)
        XCTAssertGreaterThan(printed.count, 10, "the lines made before the failure are printed")
        XCTAssertLessThan(printed.count, frames.count, "the copy failed part way")
        XCTAssertEqual(printed, (0..<printed.count).map { $0 + 1 }, "every frame from the first")
        XCTAssertTrue(whole.stdout.hasPrefix(failed.stdout), "the same lines as a whole run's")
        XCTAssertTrue(failed.stdout.hasSuffix("\n"))
    }

    /// A path that does not exist is named, and said to be missing.
    func testMissingFileIsNamedAsMissing() throws {
        try assertRejected(directory.appendingPathComponent("nope.pcap").path, saying: "no such file")
    }

    /// A directory is not a capture file: one line says so, not a crash.
    func testDirectoryIsNotACaptureFile() throws {
        try assertRejected(directory.path, saying: "is a directory")
    }

    /// An empty file has no magic number to tell pcap from pcapng.
    func testEmptyFileIsRejected() throws {
        try assertRejected(try file("empty.pcap", []), saying: "is empty")
    }

    /// A file that starts with neither magic number is not a capture file, whatever follows.
    func testRandomBytesAreNotACaptureFile() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Make sure the random start is no magic number by chance.
        try assertRejected(try file("random.bin", [0x42, 0x42] + bytes), saying: "not a pcap or pcapng capture file")
    }

    /// A pcapng block length must be a multiple of 4 (the format pads every block); one
    /// that is not is a corrupt length, reported as such.
    func testPcapngBlockWithAWrongLengthIsReported() throws {
        // A section header whose length is not a multiple of 4.
        let header: [UInt8] = [0x0A, 0x0D, 0x0D, 0x0A, 0x1D, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0]
            + [UInt8](repeating: 0xFF, count: 8) + [0x1D, 0, 0, 0]
        let run = try InspectRun.run([try file("bad.pcapng", header)])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("corrupt length"), run.stderr)
    }

    /// A link type tcplab does not decode (802.11 here) is named by its number, so the user
    /// knows what the file holds.
    func testUnsupportedLinkTypeIsNamed() throws {
        // A valid pcap header for LINKTYPE_IEEE802_11 (105), which tcplab does not decode.
        let header: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 105, 0, 0, 0]
        try assertRejected(try file("wifi.pcap", header), saying: "link type LINKTYPE 105")
    }

    /// A file cut in the middle of a packet: the whole packets before the cut are analysed,
    /// then one warning, and exit status 2.
    func testTruncatedFileKeepsTheFramesBeforeTheCut() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try exchangePcap()))
        let cut = try file("cut.pcap", Array(whole.prefix(whole.count - 10)))
        let run = try InspectRun.run([cut, "--format", "jsonl"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.segments.count, 8, "the ninth frame was cut")
        XCTAssertTrue(run.stderr.contains("cut short"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1)
    }

    /// A record header claiming an impossible length stops the reading there, with a warning.
    func testCorruptRecordLengthKeepsTheFramesBeforeIt() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try exchangePcap())))
        // Frame 4's record header starts after the file header and three records (54 bytes of data each).
        let record4 = 24 + 3 * (16 + 54)
        bytes.replaceSubrange(record4 + 8 ..< record4 + 12, with: [0xFF, 0xFF, 0xFF, 0x7F])
        let run = try InspectRun.run([try file("corrupt.pcap", bytes), "--format", "jsonl"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.segments.count, 3)
        XCTAssertTrue(run.stderr.contains("corrupt length"), run.stderr)
    }

    /// A snap length that cuts into the TCP header: the frame is counted and skipped.
    /// One that keeps the header but not the payload: still annotated, with the IP length.
    func testSnapLengthCutsAreAnnotatedOrCountedAsTheHeadersAllow() throws {
        let path = directory.appendingPathComponent("snapped.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet, snapshotLength: 60)
        let packets = SyntheticFrame.exchange()
        for (index, packet) in packets.enumerated() {
            var cut = packet
            cut.data = index == 3 ? packet.data.prefix(40) : packet.data.prefix(60)  // Frame 4: TCP header cut.
            cut.originalLength = packet.data.count
            try writer.write(cut)
        }
        try writer.close()
        let run = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.segments.map(\.frame), [1, 2, 3, 5, 6, 7, 8, 9])
        XCTAssertEqual(run.segments.first { $0.frame == 5 }?.len, 5, "payload length from the IP header")
        let totals = try XCTUnwrap(run.objects.last)
        XCTAssertEqual((totals["skipped"] as? [String: Int])?["TCP header cut by snap length"], 1)
    }

    /// Frames that are not TCP are counted and skipped, and the summary says so.
    func testNonTCPFramesAreCountedInTheSummary() throws {
        let path = directory.appendingPathComponent("mixed.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        var arp = [UInt8](repeating: 0, count: 42)
        arp[12] = 0x08; arp[13] = 0x06
        try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: 1), linkType: .ethernet, data: arp[...]))
        for packet in SyntheticFrame.exchange() { try writer.write(packet) }
        try writer.close()
        let run = try InspectRun.run([path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("10 frames, 9 TCP segments in 1 connection; skipped 1 not IP."), run.stdout)
    }
}
