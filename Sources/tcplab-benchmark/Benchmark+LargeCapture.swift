import Foundation

extension Benchmark {
    /// Runs tcplab alone (tshark's memory grows with the file) on a generated capture of
    /// `largeConnections` connections, at least 1 GB, in both formats; prints time per
    /// million segments and peak memory beside the standard run's, and whether memory stayed
    /// within 10% and time grew linearly: CPU time per segment within 25% (wall time on a
    /// shared machine depends on the other loads more than on the file). Removes the capture
    /// afterwards. Returns false when a run failed.
    func measureLargeCapture(tool: String, small: (segments: Int, jsonl: Measurement, text: Measurement)) throws -> Bool {
        let generator = CaptureGenerator(connections: largeConnections, concurrent: concurrent, groupGap: Int64(gap) * 1_000_000)
        defer { unlink(largeOutput) }
        let segments = try generator.write(to: largeOutput)
        let size = Benchmark.fileSize(largeOutput)
        print("large capture: \(largeOutput), \(segments) segments in \(largeConnections) connections, \(size / 1_048_576) MiB"
            + (size >= 1_000_000_000 ? "" : " (less than 1 GB)"))
        let jsonl = try Measurement.run([tool, "inspect", largeOutput, "--format", "jsonl"])
        let text = try Measurement.run([tool, "inspect", largeOutput, "--format", "text"])
        print("tcplab inspect --format jsonl (large): \(jsonl)")
        print("tcplab inspect --format text (large): \(text)")
        for (name, before, after) in [("jsonl", small.jsonl, jsonl), ("text", small.text, text)] {
            let memory = Double(after.peakKiB) / Double(before.peakKiB)
            let perMillionBefore = before.cpuSeconds / Double(small.segments) * 1e6
            let perMillionAfter = after.cpuSeconds / Double(segments) * 1e6
            let growth = perMillionAfter / perMillionBefore
            print(String(format: "%@: %.1f times the segments; peak memory %.1f MiB vs %.1f MiB (%+.1f%%, goal within 10%%)%@; "
                         + "CPU %.3f s vs %.3f s per million segments (%.2f times; linear: 1)%@",
                         name, Double(segments) / Double(small.segments),
                         Double(after.peakKiB) / 1024, Double(before.peakKiB) / 1024, (memory - 1) * 100,
                         abs(memory - 1) <= 0.10 ? "" : " (GOAL MISSED)",
                         perMillionAfter, perMillionBefore, growth, abs(growth - 1) <= 0.25 ? "" : " (NOT LINEAR)"))
        }
        return jsonl.status == 0 && text.status == 0
    }
}
