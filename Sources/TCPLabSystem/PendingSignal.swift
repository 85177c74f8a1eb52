#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Catches a signal the kernel directs at the calling thread during a call, without
/// running its handler or its default action, and reports whether it came.
///
/// Stands for pthread_sigmask(3) and sigtimedwait(2). A blocked signal is never discarded,
/// even when its disposition is SIG_IGN, so it waits on the thread until sigtimedwait
/// takes it. Used to show the SIGPIPE that send(2) without MSG_NOSIGNAL raises on a
/// broken connection: by default that signal ends the process.
public enum PendingSignal {
    /// Runs `body` with `signal` blocked on this thread; returns its result and whether
    /// the signal arrived meanwhile (it is then taken, so it never fires).
    public static func catching<Result>(
        _ signal: Int32, _ body: () throws -> Result
    ) throws -> (result: Result, raised: Bool) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        var previous = sigset_t()
        try systemCallReturningErrno("pthread_sigmask") { pthread_sigmask(SIG_BLOCK, &set, &previous) }
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let result = try body()
        var immediately = timespec(tv_sec: 0, tv_nsec: 0)
        // EAGAIN means nothing was pending; a thread-directed signal is pending as soon as
        // the call that raised it returns.
        let taken = sigtimedwait(&set, nil, &immediately)
        return (result, taken == signal)
    }
}
