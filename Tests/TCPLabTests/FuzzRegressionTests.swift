import Foundation
import TCPLabCapture
import TCPLabPacket
import XCTest

/// Inputs the fuzzers (Fuzz/run) found that stopped tcplab with a Swift trap, kept so that
/// they never do again. None needs root, tshark or a network.
///
/// Each capture goes through `tcplab inspect` as a child process, as a user would run it,
/// in every output (the ladder, JSON lines, the annotated copy): a trap then fails this one
/// test with the exit status (132 for a trap, 134 for an abort, 139 for a segfault) instead
/// of ending the whole test run. Whatever the bytes, inspect must end with one of its own
/// statuses: 0 (read to the end), 1 (cannot be used), 2 (damaged part way).
final class FuzzRegressionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    /// Runs `tcplab inspect` on `bytes` in each output and asserts it ended on its own terms.
    private func assertInspectEndsWithoutTrap(
        _ bytes: [UInt8], named name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let annotated = directory.appendingPathComponent(name + ".annotated.pcapng").path
        for arguments in [[path], [path, "--format", "jsonl"], [path, "--annotate", annotated]] {
            let run = try InspectRun.run(arguments)
            XCTAssertTrue(
                [0, 1, 2].contains(run.status),
                "tcplab inspect \(arguments.count == 1 ? "(text)" : arguments.dropFirst().joined(separator: " ")) on \(name) ended with status \(run.status): \(run.stderr.prefix(300))",
                file: file, line: line)
            XCTAssertFalse(run.stderr.contains("Fatal error"), "\(name): \(run.stderr.prefix(300))", file: file, line: line)
        }
    }

    private func bytes(base64 text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        try [UInt8](XCTUnwrap(Data(base64Encoded: text), "not base64", file: file, line: line))
    }

    // MARK: TCPLabPacket

    /// An IPv6 hop-by-hop header that claims 8 bytes of which the capture holds 2: the
    /// decoder once stepped past the captured bytes to find the TCP header there, and
    /// trapped (exit 132). Raw IP link, 82 bytes in all.
    func testHopByHopHeaderLongerThanTheCaptureDoesNotTrap() throws {
        var ipv6: [UInt8] = [0x60, 0, 0, 0, 0, 8, 0, 64]  // Payload 8 bytes, next header 0 (hop-by-hop).
        ipv6 += [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [1]  // ::1 to ::1.
        let packet = ipv6 + [6, 0]  // Hop-by-hop: next header TCP, length (0 + 1) × 8 bytes; 6 of them missing.
        let file = Self.pcap(linkType: 101, records: [packet])
        XCTAssertEqual(file.count, 82)
        try assertInspectEndsWithoutTrap(file, named: "hop-by-hop-cut.pcap")
    }

    // MARK: TCPLabReport

    /// A handshake whose SYN-ACK comes 200 days after the SYN: the ladder's summary once
    /// multiplied the round trip (1.7e16 ns) by 1000 to print milliseconds, which overflows
    /// Int64 and traps. The fuzzer found it in damaged lab captures; here it is built.
    func testHandshakeRoundTripOfTwoHundredDaysDoesNotTrap() throws {
        let start: Int64 = 1_700_000_000_000_000_000
        let later = start + 200 * 86_400 * 1_000_000_000
        let frames: [(Int64, [UInt8])] = [
            (start, SyntheticFrame.tcp(from: 40000, to: 8080, seq: 100, ack: 0, flags: .syn)),
            (later, SyntheticFrame.tcp(from: 8080, to: 40000, seq: 500, ack: 101, flags: [.syn, .ack])),
            (later + 1_000, SyntheticFrame.tcp(from: 40000, to: 8080, seq: 101, ack: 501, flags: .ack)),
        ]
        let path = directory.appendingPathComponent("slow-handshake.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for (time, frame) in frames {
            try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: time), linkType: .ethernet, data: frame[...]))
        }
        try writer.close()
        try assertInspectEndsWithoutTrap(Array(try Data(contentsOf: URL(fileURLWithPath: path))), named: "slow-handshake.pcap")
    }

    /// The same trap as found: a lab capture (pcapng, millisecond resolution) whose SYN-ACK's
    /// 64-bit timestamp was damaged. Minimized by libFuzzer to 600 bytes.
    func testDamagedSynAckTimestampDoesNotTrapTheLadder() throws {
        try assertInspectEndsWithoutTrap(try bytes(base64: Self.damagedSynAckTimestamp), named: "damaged-syn-ack-time.pcapng")
    }

    // MARK: TCPLabAnalysis

    /// Two frames whose timestamps (as the reader converts a pcapng's 64-bit time in
    /// milliseconds) lie more than Int64's range apart: the analyzer once subtracted them
    /// to decide when to retire finished connections, and trapped. Minimized to 434 bytes.
    func testTimestampsFurtherApartThanInt64DoNotTrapTheAnalyzer() throws {
        try assertInspectEndsWithoutTrap(try bytes(base64: Self.timestampsApart), named: "timestamps-apart.pcapng")
    }

    // MARK: Inputs

    /// A classic pcap (microseconds, little-endian) with one record per packet, all at time 0.
    static func pcap(linkType: UInt32, records: [[UInt8]]) -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var file = le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(65535) + le32(linkType)
        for record in records {
            file += le32(0) + le32(0) + le32(UInt32(record.count)) + le32(UInt32(record.count)) + record
        }
        return file
    }

    /// fuzz-capture crash-d680f154…, minimized.
    static let damagedSynAckTimestamp = """
        Cg0NCiwAAABNPCsaAQAAAP//////////BAAGAHRjcGxhYgAAAAAAACwAAAABAAAAIAAAAAEAAAAAAAQACQABAAkAAAAAAAAAIAAAAAYAAACsAAAAAAAAAJMz6hiwHYHISgAAAEoAAAB/VcD+DQgAAAAAAAAIAEUAADxV0UAAQAbm6H8AAAF/AAABnEAfkG8Yy6EAAAAAoAL/1/4wAAACBP/XBAIIClpU2ccAAAAAAQMDCgAAAQA3AHN0cmVhbSAwOiBoYW5kc2hha2UgMS8zOyBjbGllbnQgU1lOLVNFTlQsIHNlcnZlciBMSVNURU4AAAAAAKwAAAAGAAAAtAAAAAAAAACTM+oaSFiByEoAAABKAAAAAAAAAAAAAAAAAAAACABFAAA8AABAAEAGPLp/AAABfwAAAR+QnED21P5cbxjLoqAS/8v+MAAAAgT/1wQCCAqs4wGIWlTZxwEDAwoAAAEAQABzdHJlYW0gMDogaGFuZHNoYWtlIDIvMzsgY2xpZW50IEVTVEFCTElTSEVELCBzZXJ2ZXIgU1lOLVJFQ0VJVkVEAAAAALQAAAAGAAAArAAAAAAAAACTM+o6yJaByEIAAABCAAAAAAAAAAAAAAAAAAAACABFAAA0VdJAAEAG5u9/AAABfwAAAZxAH5BvGMui9tT+XYAQAED+KAAAAQEIClpU2ces4wGIAAABAD8Ac3RyZWFtIDA6IGhhbmRzaGFrZSAzLzM7IGNsaWVudCBFU1RBQkxJU0hFRHZlciBFU1RBQkxJU0hFRAAAAAAArAAAAAasAAAA
        """

    /// fuzz-capture crash-8f53d62a…, minimized.
    static let timestampsApart = """
        Cg0NCiwAAABNPCsaAQAAAP//////////BAAGAHRjcGxhYgAAAAAAACwAAAABAAAAIAAAAAEAAAAAAAQACQABAAMAAAAAAAAAIAAAAAYAAACsAAAAAAAAAO//fiQwaSRNSgAAAEoAAAAACQAAAAAAAAAAAAAIAEUAADyYDkAAQAakq38AAAF/AAABwOofkFCHquUAAAAAoAL/1/4wAAACBP/XBAIICsmpMPYAAAAAAQMDCgAAAQA3AHN0cmVhbSAwOiBoYW5kc2hha2UgMS8zOyBjbGllbnQgU1lOLVNFTlQsIHNlcnZlciBMSVNURU4AAAAAAKwAAAAGAAAAtAAAAAAAAADvMOoYILQkTUoAAABKAAAAAAAAAAAAAAAAAAAACABFAAA8AABAAEAGPLp/AAABfwAAAR+QwOoHnhlUUIeq5qAS/8v+MAAAAgT/1wQCCAr3bNXQyakw9gEDAwoAAAEAQABzdHJlYW0gMDogaGFuZHNoYWtlIDIvMzsgY2xpZW50IEVTVEFCTElTSEVELCBzZXJ2ZXIgU1lOLVJFQ0VJVkVEAAAAALQAAAAwAKwAAAA=
        """
}
