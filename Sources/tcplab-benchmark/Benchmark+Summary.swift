import Foundation

extension Benchmark {
    /// Times `tcplab inspect --format summary` against tshark's TCP conversation table on
    /// the same capture, prints both, the ratio (the goal is 50), and whether the connection
    /// counts agree. Returns false when a run failed or the counts differ.
    func measureSummaries(tool: String, capture: String) throws -> Bool {
        let best = try Measurement.best(of: runs, [
            [tool, "inspect", capture, "--format", "summary"], ["tshark", "-r", capture, "-q", "-z", "conv,tcp"],
        ])
        let (ours, theirs) = (best[0], best[1])
        print("tcplab inspect --format summary: \(ours)")
        print("tshark -q -z conv,tcp: \(theirs)")
        print(String(format: "summary: tcplab is %.1f times faster than tshark's conversation table in CPU time (goal: 50; %.1f in wall time) and uses %.1f times less memory",
                     theirs.cpuSeconds / ours.cpuSeconds, theirs.seconds / ours.seconds, Double(theirs.peakKiB) / Double(ours.peakKiB)))
        // The counts, outside the timing: one summary line per connection, one row per conversation.
        let summaryLines = try Measurement.output([tool, "inspect", capture, "--format", "summary-jsonl"])
            .reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let conversationRows = String(decoding: try Measurement.output(["tshark", "-r", capture, "-q", "-z", "conv,tcp"]), as: UTF8.self)
            .split(separator: "\n").filter { $0.contains("<->") }.count
        print("connections: tcplab \(summaryLines), tshark conversations \(conversationRows)" + (summaryLines == conversationRows ? " (agree)" : " (DIFFER)"))
        return ours.status == 0 && theirs.status == 0 && summaryLines == conversationRows
    }
}

extension Measurement {
    /// Runs `arguments` to completion and returns its standard output.
    static func output(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
