import ArgumentParser
import Foundation
import Glibc
import TCPLabCapture
import TCPLabPacket
import TCPLabSystem

/// `tcplab-benchmark`: times `tcplab inspect --format jsonl` against tshark on one large
/// generated capture, and compares their peak memory.
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

    @Option(help: "Where to write the capture (kept afterwards).")
    var output = "/tmp/tcplab-benchmark.pcap"

    mutating func run() throws {
        let generated = try CaptureGenerator(connections: connections, concurrent: concurrent).write(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("capture: \(output), \(generated) segments in \(connections) connections, \(size / 1_048_576) MiB")

        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("tcplab").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw ValidationError("no tcplab beside the benchmark at \(tool): run `swift build -c release` first")
        }
        let fields = ["frame.number", "tcp.stream", "frame.time_relative", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport",
                      "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len", "tcp.window_size", "tcp.analysis.flags"]
        let ours = try Measurement.run([tool, "inspect", output, "--format", "jsonl"])
        let theirs = try Measurement.run(["tshark", "-r", output, "-T", "fields"] + fields.flatMap { ["-e", $0] })
        print("tcplab inspect --format jsonl: \(ours)")
        print("tshark -T fields (same fields): \(theirs)")
        print(String(format: "tcplab is %.1f times faster and uses %.1f times less memory (peak RSS)",
                     theirs.seconds / ours.seconds, Double(theirs.peakKiB) / Double(ours.peakKiB)))
        let summariesHeld = try measureSummaries(tool: tool, capture: output)
        if ours.status != 0 || theirs.status != 0 || !summariesHeld { throw ExitCode(1) }
    }
}

/// One timed run of a program, its output discarded: wall time and peak resident memory.
struct Measurement: CustomStringConvertible {
    var seconds: Double
    var peakKiB: Int
    var status: Int32

    var description: String {
        String(format: "%.2f s, peak %.1f MiB", seconds, Double(peakKiB) / 1024) + (status == 0 ? "" : " (exit status \(status))")
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
        return Measurement(
            seconds: Double(whole) + Double(fraction) / 1e18, peakKiB: usage.ru_maxrss,
            status: status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
    }
}
