import CTCPLabShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// kill(2): the C call, named apart because ``HoldingProcess/kill(_:)`` hides it inside
/// the class.
private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }

/// A child process that holds one of this process's descriptors and does nothing else, so
/// that what happens to the descriptor when a process dies can be shown on a real process:
/// when it dies, however it dies, the kernel closes its descriptors as at any exit.
///
/// Stands for posix_spawn(3) of cat(1), kill(2) and waitpid(2). The child gets the held
/// descriptor as its descriptor 3, the read end of a pipe as 0, /dev/null as 1 and 2, and
/// nothing else (`posix_spawn_file_actions_addclosefrom_np`): no other descriptor of this
/// process, such as another lab's sockets or the pipes of a command spawned meanwhile, is
/// kept open by it. cat waits in read(2) on the pipe, whose write end only this object
/// holds, so the child ends by itself once that end closes: it cannot outlive this
/// process even when this process is killed. It has a process group of its own, so a
/// Ctrl-C at the terminal reaches tcplab, which then ends it with ``end()``. Spawned from
/// the calling thread, it runs in that thread's network namespace.
public final class HoldingProcess {
    /// How the child ended, as waitpid(2) reports it.
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it (WTERMSIG).
        case signalled(Int32)

        /// "was killed by SIGKILL", "exited with status 0".
        public var description: String {
            switch self {
            case .exited(let status): return "exited with status \(status)"
            case .signalled(let number): return "was killed by \(HoldingProcess.signalName(number))"
            }
        }
    }

    /// The child's process id.
    public let pid: pid_t
    /// The pipe's write end; -1 once closed.
    private var lifeline: Int32
    /// How the child ended, once reaped.
    public private(set) var termination: Termination?

    /// The program the child runs.
    public static let program = "cat"

    /// Spawns the child holding `descriptor` (as its descriptor 3). The caller may close its
    /// own copy: the open file then lives on in the child alone.
    public init(holding descriptor: Int32) throws(SystemCallError) {
        var ends: [Int32] = [-1, -1]
        try systemCall("pipe2") { pipe2(&ends, O_CLOEXEC) }
        // The read end is the child's alone; the write end stays here once the child runs.
        var spawned = false
        defer {
            _ = close(ends[0])
            if !spawned { _ = close(ends[1]) }
        }
        // Each posix_spawn call below returns an error number (ENOMEM, EBADF): a child
        // spawned after one failed would hold the wrong descriptors, so a failure ends here.
        var actions = posix_spawn_file_actions_t()
        try systemCallReturningErrno("posix_spawn_file_actions_init") { posix_spawn_file_actions_init(&actions) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy; the originals stay close-on-exec.
        try systemCallReturningErrno("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, ends[0], 0) }
        try systemCallReturningErrno("posix_spawn_file_actions_addopen") { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        try systemCallReturningErrno("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
        try systemCallReturningErrno("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, descriptor, 3) }
        try systemCallReturningErrno("posix_spawn_file_actions_addclosefrom_np") { posix_spawn_file_actions_addclosefrom_np(&actions, 4) }
        var attributes = posix_spawnattr_t()
        try systemCallReturningErrno("posix_spawnattr_init") { posix_spawnattr_init(&attributes) }
        defer { posix_spawnattr_destroy(&attributes) }
        // No signal blocked (this process blocks SIGINT and SIGTERM for its signal thread),
        // SIGPIPE at its default, and a process group of its own (group 0: its pid).
        try systemCallReturningErrno("posix_spawnattr_setpgroup") { posix_spawnattr_setpgroup(&attributes, 0) }
        try startWithDefaultSignals(&attributes, otherFlags: Int32(POSIX_SPAWN_SETPGROUP))
        let argv = [strdup(Self.program), nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        // From the clone until the file actions' closefrom the child holds every descriptor
        // of this process; glibc's posix_spawn returns only once the exec has begun
        // (CLONE_VFORK), after those actions: no socket may be closed meanwhile (SpawnFence).
        try SpawnFence.spawning { () throws(SystemCallError) in
            try systemCallReturningErrno("posix_spawnp(\(Self.program))") {
                posix_spawnp(&child, Self.program, &actions, &attributes, argv, environ)
            }
        }
        spawned = true
        pid = child
        lifeline = ends[1]
    }

    deinit { end() }

    /// Whether the child has been reaped.
    public var hasEnded: Bool { termination != nil }

    /// Sends `signal` (kill(2)) and waits for the child to end (waitpid(2)).
    @discardableResult
    public func kill(_ signal: Int32) throws(SystemCallError) -> Termination {
        if let termination { return termination }
        try systemCall("kill") { sendSignal(pid, signal) }
        return try reap()
    }

    /// Ends the child if it still runs (SIGKILL) and reaps it; closes the pipe. For
    /// clean-up after a failure or an interruption: never throws, safe to call twice.
    public func end() {
        if termination == nil {
            _ = sendSignal(pid, SIGKILL)
            _ = try? reap()
        }
        if lifeline >= 0 {
            _ = close(lifeline)
            lifeline = -1
        }
    }

    private func reap() throws(SystemCallError) -> Termination {
        var status: Int32 = 0
        try systemCall("waitpid") { waitpid(pid, &status, 0) }
        // WIFEXITED: no signal number in the low seven bits.
        let ended: Termination = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        termination = ended
        return ended
    }

    /// "SIGKILL" for the signals tcplab sends; "signal N" otherwise.
    public static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGPIPE: return "SIGPIPE"
        default: return "signal \(number)"
        }
    }
}
