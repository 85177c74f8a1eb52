import ArgumentParser
import Foundation
import Glibc
import TCPLabCapture
import TCPLabPacket
import TCPLabSystem

/// `tcplab-benchmark`: times `tcplab inspect --format jsonl` and `--format text` against
/// tshark on one large generated capture, compares their peak memory, then runs tcplab
/// alone on a capture of at least 1 GB to show that memory stays flat and time grows linearly.
///
/// Build it in release mode with the tool it measures: `swift build -c release`, then
/// `.build/release/tcplab-benchmark`. It looks for `tcplab` beside itself.
@main
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcplab-benchmark",
        abstract: "Time tcplab inspect against tshark on a generated capture of complete connections.")

    @Option(help: "Complete connections in the capture.")
    var connections = 50_000

    @Option(help: "Connections open at the same time (their segments interleave).")
    var concurrent = 16

    @Option(help: "Milliseconds between one group of concurrent connections and the next. With the default, 50,000 connections span about 10 minutes (80 new connections a second), so finished connections leave memory as they would on a busy server; 0 packs them into 3.5 s, all remembered to the end.")
    var gap = 190

    @Option(help: "Where to write the capture (kept afterwards).")
    var output = "/tmp/tcplab-benchmark.pcap"

    @Option(help: "Runs of each timed command; the one with the least CPU time counts (on a shared machine one run varies by a third).")
    var runs = 3

    @Option(help: "Connections in the large capture (0: skip that run). The default makes about 1.1 GB.")
    var largeConnections = 680_000

    @Option(help: "Where to write the large capture (removed afterwards).")
    var largeOutput = "/tmp/tcplab-benchmark-large.pcap"

    mutating func run() throws {
        let generator = CaptureGenerator(connections: connections, concurrent: concurrent, groupGap: Int64(gap) * 1_000_000)
        let generated = try generator.write(to: output)
        let size = Benchmark.fileSize(output)
        print("capture: \(output), \(generated) segments in \(connections) connections, \(size / 1_048_576) MiB")

        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("tcplab").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw ValidationError("no tcplab beside the benchmark at \(tool): run `swift build -c release` first")
        }
        let fields = ["frame.number", "tcp.stream", "frame.time_relative", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport",
                      "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len", "tcp.window_size", "tcp.analysis.flags"]
        let best = try Measurement.best(of: runs, [
            [tool, "inspect", output, "--format", "jsonl"],
            [tool, "inspect", output, "--format", "text"],
            ["tshark", "-r", output, "-T", "fields"] + fields.flatMap { ["-e", $0] },
        ])
        let (jsonl, text, theirs) = (best[0], best[1], best[2])
        print("tcplab inspect --format jsonl: \(jsonl)")
        print("tcplab inspect --format text: \(text)")
        print("tshark -T fields (same fields): \(theirs)")
        var held = jsonl.status == 0 && text.status == 0 && theirs.status == 0
        for (name, ours) in [("jsonl", jsonl), ("text", text)] {
            let faster = theirs.seconds / ours.seconds
            let fasterCPU = theirs.cpuSeconds / ours.cpuSeconds
            let leaner = Double(theirs.peakKiB) / Double(ours.peakKiB)
            // Judged by CPU time: on a shared machine wall time measures the other loads
            // (tshark's 12 s of CPU can take a minute of wall time), CPU time the work.
            let met = fasterCPU >= 30 && leaner >= 15
            print(String(format: "%@: tcplab is %.1f times faster in CPU time (goal: 30; %.1f in wall time) and uses %.1f times less memory (peak RSS; goal: 15)%@",
                         name, fasterCPU, faster, leaner, met ? "" : " (GOAL MISSED)"))
        }
        if largeConnections > 0 {
            held = try measureLargeCapture(tool: tool, small: (generated, jsonl: jsonl, text: text)) && held
        }
        let summariesHeld = try measureSummaries(tool: tool, capture: output)
        if !held || !summariesHeld { throw ExitCode(1) }
    }

    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

/// One timed run of a program, its output discarded: wall time, CPU time and peak resident
/// memory. CPU time (user and system, from the child's rusage) is what the run cost on a
/// shared machine, where wall time also counts the waits for a core.
struct Measurement: CustomStringConvertible {
    var seconds: Double
    var cpuSeconds: Double = 0
    var peakKiB: Int
    var status: Int32
    /// Over several runs: how many, and the most CPU time one took (this one took the least).
    var runs = 1
    var worstCPUSeconds: Double = 0

    var description: String {
        String(format: "%.2f s (CPU %.2f s), peak %.1f MiB", seconds, cpuSeconds, Double(peakKiB) / 1024)
            + (runs > 1 ? String(format: " (least CPU of %d runs; the most: %.2f s)", runs, worstCPUSeconds) : "")
            + (status == 0 ? "" : " (exit status \(status))")
    }

    /// Runs each of `commands` in turn, `runs` rounds, and keeps for each the run with the
    /// least CPU time: what the work costs, where the others also measure what else the
    /// machine was doing (a shared machine's speed drifts by a third from minute to minute,
    /// so the commands take turns rather than each running its rounds in a block). A
    /// failed run is kept instead, so that its status shows.
    static func best(of runs: Int, _ commands: [[String]]) throws -> [Measurement] {
        var best: [Measurement?] = Array(repeating: nil, count: commands.count)
        var worst = Array(repeating: 0.0, count: commands.count)
        var made = Array(repeating: 0, count: commands.count)
        for _ in 0 ..< max(runs, 1) {
            // A command that failed is not run again: its failure is what shows.
            for (index, arguments) in commands.enumerated() where best[index]?.status ?? 0 == 0 {
                let next = try run(arguments)
                made[index] += 1
                if next.status == 0 { worst[index] = max(worst[index], next.cpuSeconds) }
                if let kept = best[index], next.status == 0, kept.cpuSeconds <= next.cpuSeconds { continue }
                best[index] = next
            }
        }
        return best.indices.map { index in
            var kept = best[index]!
            kept.runs = made[index]
            kept.worstCPUSeconds = worst[index]
            return kept
        }
    }

    /// Starts `arguments` with stdout and stderr to /dev/null and waits with wait4(2), whose
    /// rusage gives this child's own peak RSS.
    static func run(_ arguments: [String]) throws -> Measurement {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let start = ContinuousClock.now
        try systemCallReturningErrno("posix_spawnp(\(arguments[0]))") { posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) }
        var status: Int32 = 0
        var usage = rusage()
        try systemCall("wait4") { wait4(pid, &status, 0, &usage) }
        let elapsed = ContinuousClock.now - start
        let (whole, fraction) = elapsed.components
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Measurement(
            seconds: Double(whole) + Double(fraction) / 1e18, cpuSeconds: cpu, peakKiB: usage.ru_maxrss,
            status: status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
    }
}
