#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a program to completion from the calling thread (posix_spawnp(3)), feeding it text
/// on standard input and collecting what it prints.
///
/// Spawned from the calling thread, the child inherits that thread's network namespace:
/// `nft` started inside a lab's namespace changes only that namespace's rules.
public enum Command {
    /// How a program ended and what it printed.
    public struct Outcome: Sendable {
        /// Exit status, or 128 + the signal number when a signal ended it.
        public var status: Int32
        /// Standard output and standard error together, in the order written.
        public var output: String
    }

    /// Runs `arguments[0]`, found on PATH, with `input` on its standard input.
    public static func run(_ arguments: [String], input: String = "") throws(SystemCallError) -> Outcome {
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        var sentinel: [Int32] = [-1, -1]
        defer { for end in inputPipe + outputPipe + sentinel where end >= 0 { _ = close(end) } }
        // Every end close-on-exec before another child (another lab's thread) can be
        // spawned and keep one, which would hold our child's output open past its exit;
        // the dup2 onto 0, 1 and 2 clears the flag on the child's copies.
        try SpawnFence.makingDescriptor { () throws(SystemCallError) in
            try systemCall("pipe") { pipe(&inputPipe) }
            try systemCall("pipe") { pipe(&outputPipe) }
            try systemCall("pipe") { pipe(&sentinel) }
            for end in inputPipe + outputPipe + sentinel { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 2)
        // The child starts with no signal blocked and SIGPIPE at its default, whatever this
        // process has blocked (Ctrl-C goes to one thread here) or ignored (SIGPIPE).
        var attributes = posix_spawnattr_t()
        try systemCallReturningErrno("posix_spawnattr_init") { posix_spawnattr_init(&attributes) }
        defer { posix_spawnattr_destroy(&attributes) }
        try startWithDefaultSignals(&attributes)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        // Until its exec the child holds every descriptor of this process: no socket may
        // be closed meanwhile (see SpawnFence).
        try SpawnFence.spawning { () throws(SystemCallError) in
            try systemCallReturningErrno("posix_spawnp(\(arguments.first ?? ""))") {
                posix_spawnp(&child, arguments.first ?? "", &actions, &attributes, argv, environ)
            }
            // posix_spawn returns when the child's exec has begun (CLONE_VFORK), but the
            // exec drops the close-on-exec descriptors a moment later. The sentinel's
            // write end is one of them: end of file on its read end says the child holds
            // none of this process's descriptors any more.
            _ = close(sentinel[1]); sentinel[1] = -1
            var byte: UInt8 = 0
            while read(sentinel[0], &byte, 1) < 0 && errno == EINTR {}
        }
        _ = close(inputPipe[0]); inputPipe[0] = -1
        _ = close(outputPipe[1]); outputPipe[1] = -1

        // Input first (lab inputs are small, well under a pipe's 64 KiB), then output to EOF.
        let bytes = Array(input.utf8)
        var written = 0
        while written < bytes.count {
            let count = try systemCall("write") {
                bytes.withUnsafeBytes { raw in write(inputPipe[1], raw.baseAddress! + written, raw.count - written) }
            }
            written += count
        }
        _ = close(inputPipe[1]); inputPipe[1] = -1
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try systemCall("read") {
                chunk.withUnsafeMutableBytes { raw in read(outputPipe[0], raw.baseAddress, raw.count) }
            }
            if count == 0 { break }
            output += chunk[..<count]
        }
        var status: Int32 = 0
        try systemCall("waitpid") { waitpid(child, &status, 0) }
        let exit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: exit, output: String(decoding: output, as: UTF8.self))
    }
}
