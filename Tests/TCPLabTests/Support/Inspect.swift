import Foundation
import XCTest

/// `tcplab inspect` run as a user runs it, with its output parsed.
struct InspectRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `tcplab inspect` with `arguments`.
    static func run(_ arguments: [String]) throws -> InspectRun {
        let result = try ChildProcess.run([TestEnvironment.tcplab, "inspect"] + arguments)
        return InspectRun(status: result.status, stdout: result.output, stderr: result.error)
    }

    /// The JSON objects of a `--format jsonl` run.
    var objects: [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The segment objects.
    var segments: [Segment] { objects.filter { $0["type"] as? String == "segment" }.map(Segment.init) }

    /// The connection summaries.
    var connections: [[String: Any]] { objects.filter { $0["type"] as? String == "connection" } }

    /// One segment line, typed for assertions.
    struct Segment {
        let json: [String: Any]
        var frame: Int { json["frame"] as! Int }
        var stream: Int { json["stream"] as! Int }
        var src: String { json["src"] as! String }
        var dst: String { json["dst"] as! String }
        var flags: String { json["flags"] as! String }
        var seq: Int { json["seq"] as! Int }
        var ack: Int { json["ack"] as! Int }
        var len: Int { json["len"] as! Int }
        var window: Int { json["window"] as! Int }
        var time: Double { json["time"] as! Double }
        var labels: [String] { json["labels"] as! [String] }
        var analysis: [String] { json["analysis"] as! [String] }
        var clientState: String { json["client_state"] as! String }
        var serverState: String { json["server_state"] as! String }
        /// The fields tshark also prints, for comparing two files' analyses.
        var wireView: String { "\(stream) \(src)>\(dst) \(flags) \(seq) \(ack) \(len) \(window) \(labels) \(clientState) \(serverState)" }
    }
}

/// tshark's view of every TCP frame, for frame-by-frame comparison.
struct TsharkView {
    struct Frame: Equatable, CustomStringConvertible {
        var stream: Int
        var flags: String
        var seq: Int
        var ack: Int
        var len: Int
        var window: Int
        var retransmission: Bool
        var zeroWindow: Bool
        var keepAlive: Bool
        var time: Double

        var description: String {
            "stream \(stream) \(flags) seq=\(seq) ack=\(ack) len=\(len) win=\(window) retrans=\(retransmission) zerowin=\(zeroWindow) keepalive=\(keepAlive)"
        }

        static func == (a: Frame, b: Frame) -> Bool {
            (a.stream, a.flags, a.seq, a.ack, a.len, a.window) == (b.stream, b.flags, b.seq, b.ack, b.len, b.window)
                && (a.retransmission, a.zeroWindow, a.keepAlive) == (b.retransmission, b.zeroWindow, b.keepAlive)
                && abs(a.time - b.time) < 2e-6
        }
    }

    static let fields = [
        "frame.number", "tcp.stream", "frame.time_relative", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len",
        "tcp.window_size", "tcp.analysis.retransmission", "tcp.analysis.zero_window", "tcp.analysis.keep_alive",
    ]

    /// Frames by number, as tshark 4 dissects `path` with its default TCP preferences.
    static func frames(of path: String) throws -> [Int: Frame] {
        let arguments = ["tshark", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "occurrence=f"] + fields.flatMap { ["-e", $0] }
        let result = try ChildProcess.run(arguments)
        XCTAssertEqual(result.status, 0, result.error)
        var frames: [Int: Frame] = [:]
        for line in result.output.split(separator: "\n") {
            let v = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let bits = Int(v[3].dropFirst(2), radix: 16) ?? 0
            let letters = [(0x002, "S"), (0x010, "A"), (0x001, "F"), (0x004, "R"), (0x008, "P"), (0x020, "U"), (0x040, "E"), (0x080, "C")]
                .filter { bits & $0.0 != 0 }.map(\.1).joined()
            frames[Int(v[0])!] = Frame(
                stream: Int(v[1])!, flags: letters, seq: Int(v[4])!, ack: bits & 0x010 != 0 ? Int(v[5])! : 0,
                len: Int(v[6])!, window: Int(v[7])!, retransmission: !v[8].isEmpty, zeroWindow: !v[9].isEmpty,
                keepAlive: !v[10].isEmpty, time: Double(v[2])!)
        }
        return frames
    }

    /// Our segment in tshark's terms.
    static func frame(from segment: InspectRun.Segment) -> Frame {
        let analysis = Set(segment.analysis)
        return Frame(
            stream: segment.stream, flags: segment.flags, seq: segment.seq, ack: segment.ack, len: segment.len,
            window: segment.window,
            retransmission: !analysis.isDisjoint(with: ["retransmission", "fast_retransmission", "spurious_retransmission"]),
            zeroWindow: analysis.contains("zero_window"), keepAlive: analysis.contains("keep_alive"), time: segment.time)
    }

    /// Asserts that `tcplab inspect --format jsonl` and tshark agree on every TCP frame of `path`.
    static func assertAgreement(on path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try frames(of: path)
        let run = try InspectRun.run([path, "--format", "jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        let ours = run.segments
        XCTAssertEqual(ours.count, reference.count, "segments: tcplab \(ours.count), tshark \(reference.count)", file: file, line: line)
        for segment in ours {
            let expected = reference[segment.frame]
            XCTAssertEqual(frame(from: segment), expected, "frame \(segment.frame) of \(path)", file: file, line: line)
        }
    }
}
