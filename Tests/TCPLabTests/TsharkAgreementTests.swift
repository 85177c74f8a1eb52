import Foundation
import XCTest

/// `tcplab inspect --format jsonl` must agree with tshark frame by frame, so the two can be
/// diffed: the same connection numbers (tcp.stream), flags, relative sequence and
/// acknowledgment numbers, lengths, scaled windows, times, and the same retransmission,
/// zero-window and keep-alive findings. The captures are made by tcpdump on real sockets and
/// converted by editcap, mergecap and text2pcap, so the reader meets files as real tools write them.
final class TsharkAgreementTests: XCTestCase {
    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTool("tcpdump")
        try TestEnvironment.requireTool("tshark")
    }

    /// The classic pcap tcpdump wrote (microseconds, Ethernet on lo).
    func testEverySegmentOfATcpdumpCaptureMatchesTshark() throws {
        let recording = try LifecycleRecording.recording()
        try TsharkView.assertAgreement(on: recording.path)
    }

    /// The same capture as pcapng and as nanosecond pcap, converted by editcap.
    func testPcapngAndNanosecondCopiesMatchTshark() throws {
        let recording = try LifecycleRecording.recording()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        for format in ["pcapng", "nsecpcap"] {
            let copy = directory.appendingPathComponent("copy.\(format)").path
            XCTAssertEqual(try ChildProcess.run(["editcap", "-F", format, recording.path, copy]).status, 0)
            try TsharkView.assertAgreement(on: copy)
            XCTAssertEqual(try wireView(copy), try wireView(recording.path), "\(format) gives another analysis")
        }
    }

    /// Linux cooked (SLL, SLL2), BSD null, raw IP and 802.1Q-tagged Ethernet versions of the
    /// capture, rebuilt with text2pcap: the same segments, whatever the link header.
    func testEveryLinkTypeDecodesToTheSameSegments() throws {
        try TestEnvironment.requireTool("text2pcap")
        let recording = try LifecycleRecording.recording()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let original = try wireView(recording.path)
        for variant in LinkVariant.allCases {
            let path = directory.appendingPathComponent("\(variant).pcap").path
            try variant.write(try readPackets(recording.path), to: path, scratch: directory)
            try TsharkView.assertAgreement(on: path)
            XCTAssertEqual(try wireView(path), original, "\(variant) gives another analysis")
        }
    }

    /// A pcapng with two interfaces of different link types (Ethernet and Linux cooked),
    /// merged by mergecap in time order.
    func testTwoInterfacePcapngFromMergecapMatchesTshark() throws {
        try TestEnvironment.requireTool("mergecap")
        let recording = try LifecycleRecording.recording()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let packets = try readPackets(recording.path)
        let half = packets.count / 2
        let ethernet = directory.appendingPathComponent("first.pcap").path
        let cooked = directory.appendingPathComponent("second.pcap").path
        try LinkVariant.ethernet.write(Array(packets[..<half]), to: ethernet, scratch: directory)
        try LinkVariant.linuxSLL.write(Array(packets[half...]), to: cooked, scratch: directory)
        let merged = directory.appendingPathComponent("merged.pcapng").path
        XCTAssertEqual(try ChildProcess.run(["mergecap", "-F", "pcapng", "-w", merged, ethernet, cooked]).status, 0)
        try TsharkView.assertAgreement(on: merged)
    }

    /// `--annotate` writes a pcapng that tshark opens, with our annotation as each packet's comment.
    func testAnnotatedCopyCarriesCommentsTsharkShows() throws {
        let recording = try LifecycleRecording.recording()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let annotated = directory.appendingPathComponent("annotated.pcapng").path
        let run = try InspectRun.run([recording.path, "--format", "jsonl", "--annotate", annotated])
        XCTAssertEqual(run.status, 0, run.stderr)
        let comments = try ChildProcess.run(["tshark", "-r", annotated, "-T", "fields", "-e", "frame.comment"])
        XCTAssertEqual(comments.status, 0, comments.error)
        let lines = comments.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, run.segments.count)
        // Frame 1 is the first SYN: its labels, both states, and the state-table row that
        // moved the client.
        XCTAssertEqual(
            lines.first.map(String.init),
            "stream 0: handshake 1/3; client SYN-SENT, server LISTEN; client CLOSED → SYN-SENT by closed/active-open (RFC 9293 §3.10.1)")
        // The copy analyses exactly like the original.
        try TsharkView.assertAgreement(on: annotated)
        XCTAssertEqual(try wireView(annotated), try wireView(recording.path))
    }

    private func wireView(_ path: String) throws -> [String] {
        let run = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return run.segments.map(\.wireView)
    }
}
