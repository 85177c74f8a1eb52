import Foundation
import Glibc
import TCPLabSystem

/// A real program (tcpdump, tshark, editcap, tcplab) started with posix_spawn from the calling
/// thread, so it inherits that thread's network namespace.
final class ChildProcess {
    let pid: pid_t
    private let errorPipe: Int32?

    /// Starts `arguments[0]` (searched on PATH) with stdout to `stdoutPath` (or /dev/null);
    /// stderr goes to a pipe readable with `waitForErrorLine` when `pipeStderr`.
    init(_ arguments: [String], stdoutPath: String = "/dev/null", stderrPath: String? = nil, pipeStderr: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pipeEnds: [Int32] = [-1, -1]
        if pipeStderr {
            try systemCall("pipe") { pipe(&pipeEnds) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        try systemCallReturningErrno("posix_spawnp(\(arguments[0]))") {
            posix_spawnp(&child, arguments[0], &actions, nil, argv, environ)
        }
        pid = child
        if pipeStderr {
            _ = close(pipeEnds[1])
            errorPipe = pipeEnds[0]
        } else {
            errorPipe = nil
        }
    }

    deinit { if let errorPipe { _ = close(errorPipe) } }

    /// Reads the child's stderr until a line contains `text`, or `timeout` passes.
    func waitForErrorLine(containing text: String, timeout: Double) throws -> Bool {
        guard let errorPipe else { return false }
        let deadline = Date(timeIntervalSinceNow: timeout)
        var seen = ""
        while !seen.contains(text) {
            let remaining = Int32(max(deadline.timeIntervalSinceNow * 1000, 0))
            var descriptor = pollfd(fd: errorPipe, events: Int16(POLLIN), revents: 0)
            guard try systemCall("poll", { poll(&descriptor, 1, remaining) }) > 0 else { return false }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = try buffer.withUnsafeMutableBytes { raw in try systemCall("read") { read(errorPipe, raw.baseAddress, raw.count) } }
            if count == 0 { return false }
            seen += String(decoding: buffer.prefix(count), as: UTF8.self)
        }
        return true
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the child to exit and returns its exit status (128 + signal if killed).
    @discardableResult
    func wait() throws -> Int32 {
        var status: Int32 = 0
        try systemCall("waitpid") { waitpid(pid, &status, 0) }
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }

    /// Runs a program to completion: its exit status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path
        let err = directory.appendingPathComponent("err").path
        let child = try ChildProcess(arguments, stdoutPath: out, stderrPath: err)
        let status = try child.wait()
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
