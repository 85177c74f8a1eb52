import Foundation
import TCPLabCapture
import TCPLabPacket
import XCTest

/// `tcplab inspect` on a capture file written from a synthetic connection: the whole way
/// a user's file takes (reading, decoding, analysis, output) with no root, no network and
/// no tshark.
final class SyntheticInspectTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    /// Handshake, 100 bytes each way, and a four-way close from the client, as a pcap file.
    private func exchange(_ name: String = "exchange.pcap") throws -> String {
        var connection = SyntheticConnection(client: "192.0.2.1:40000", server: "198.51.100.2:80")
        connection.handshake()
        connection.send(.client, [.psh, .ack], bytes: 100)
        connection.send(.server, [.psh, .ack], bytes: 100)
        connection.send(.client, [.fin, .ack])
        connection.send(.server, .ack)
        connection.send(.server, [.fin, .ack])
        connection.send(.client, .ack)
        let path = directory.appendingPathComponent(name).path
        try connection.writePcap(to: path)
        return path
    }

    /// Each segment line carries tshark's fields under tshark's meanings (frame from 1,
    /// stream from 0, time from the first frame, relative seq and ack, scaled window, the
    /// tcp.analysis names) and the teaching view (labels, both endpoints' states), so a
    /// line can be diffed against tshark's and read by a person.
    func testJSONLinesSegmentCarriesTsharksFieldsAndTheTeachingView() throws {
        let run = try InspectRun.run([try exchange(), "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.segments.count, 9)
        let fields: Set = ["type", "frame", "stream", "time", "src", "dst", "flags", "seq", "ack", "len", "window",
                           "labels", "analysis", "client_state", "server_state"]
        for segment in run.segments {
            XCTAssertTrue(fields.isSubset(of: segment.json.keys), "frame \(segment.frame) lacks \(fields.subtracting(segment.json.keys))")
        }
        let synACK = run.segments[1]
        XCTAssertEqual(synACK.frame, 2)
        XCTAssertEqual(synACK.stream, 0)
        XCTAssertEqual(synACK.time, 0.001, accuracy: 1e-9, "seconds since the first frame")
        XCTAssertEqual(synACK.src, "198.51.100.2:80")
        XCTAssertEqual(synACK.dst, "192.0.2.1:40000")
        XCTAssertEqual(synACK.flags, "SA")
        XCTAssertEqual([synACK.seq, synACK.ack, synACK.len, synACK.window], [0, 1, 0, 65535])
        XCTAssertEqual(synACK.labels, ["handshake 2/3"])
        XCTAssertEqual(synACK.analysis, [])
        XCTAssertEqual([synACK.clientState, synACK.serverState], ["ESTABLISHED", "SYN-RECEIVED"])
        XCTAssertEqual(run.segments.map(\.len), [0, 0, 0, 100, 100, 0, 0, 0, 0])
    }

    /// After the segments, one line per connection sums it up (how it opened and ended,
    /// who holds TIME-WAIT, the bytes each way), and a last line counts the frames.
    func testJSONLinesEndWithTheConnectionAndTheTotals() throws {
        let run = try InspectRun.run([try exchange(), "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let connection = try XCTUnwrap(run.connections.first)
        XCTAssertEqual(run.connections.count, 1)
        XCTAssertEqual(connection["stream"] as? Int, 0)
        XCTAssertEqual(connection["opening"] as? String, "three-way handshake")
        XCTAssertEqual(connection["ending"] as? String, "four-way close")
        XCTAssertEqual(connection["first_to_close"] as? String, "client")
        XCTAssertEqual(connection["time_wait"] as? [String], ["client"])
        XCTAssertEqual(connection["bytes_from_client"] as? Int, 100)
        XCTAssertEqual(connection["bytes_from_server"] as? Int, 100)
        XCTAssertEqual(connection["segments"] as? Int, 9)
        XCTAssertEqual(connection["retransmissions"] as? Int, 0)
        XCTAssertEqual([connection["first_frame"] as? Int, connection["last_frame"] as? Int], [1, 9])
        XCTAssertEqual(connection["handshake_rtt"] as? Double ?? 0, 0.002, accuracy: 1e-9)
        let totals = try XCTUnwrap(run.objects.last)
        XCTAssertEqual(totals["type"] as? String, "totals")
        XCTAssertEqual(totals["frames"] as? Int, 9)
        XCTAssertEqual(totals["tcp_segments"] as? Int, 9)
        XCTAssertEqual(totals["connections"] as? Int, 1)
    }

    /// `--annotate` writes a pcapng holding every frame unchanged, at its time, with the
    /// annotation as its comment (what Wireshark shows); read again, it gives the same
    /// analysis as the original.
    func testAnnotatedPcapngKeepsEveryFrameAndReadsBackTheSame() throws {
        let original = try exchange()
        let annotated = directory.appendingPathComponent("annotated.pcapng").path
        let run = try InspectRun.run([original, "--format", "jsonl", "--annotate", annotated])
        XCTAssertEqual(run.status, 0, run.stderr)
        let written = try readPackets(annotated)
        let source = try readPackets(original)
        XCTAssertEqual(written.map(\.data), source.map(\.data))
        XCTAssertEqual(written.map(\.timestamp), source.map(\.timestamp))
        XCTAssertEqual(written.first?.comment, "stream 0: handshake 1/3; client SYN-SENT, server LISTEN; client CLOSED → SYN-SENT by closed/active-open (RFC 9293 §3.10.1)")
        XCTAssertEqual(written.last?.comment, "stream 0: ACK of FIN; client TIME-WAIT, server CLOSED; server LAST-ACK → CLOSED by last-ack/ack-of-fin (RFC 9293 §3.10.7.4)")
        XCTAssertEqual(written.map(\.comment).compactMap { $0 }.count, 9, "every frame has its comment")
        let again = try InspectRun.run([annotated, "--format", "jsonl"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.segments.map(\.wireView), run.segments.map(\.wireView))
    }

    /// The text view draws the connection as a ladder and ends with the summary in words.
    func testTextViewNamesTheOpeningAndTheEnding() throws {
        let run = try InspectRun.run([try exchange()])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("three-way handshake"), run.stdout)
        XCTAssertTrue(run.stdout.contains("four-way close"), run.stdout)
        XCTAssertTrue(run.stdout.contains("9 frames, 9 TCP segments in 1 connection"), run.stdout)
        XCTAssertEqual(run.stderr, "")
    }
}
