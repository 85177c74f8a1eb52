import TCPLabReport
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns Ctrl-C (SIGINT) and SIGTERM into an event a lab can wait on, so that a run stops
/// between system calls and cleans up (sockets, capture, namespace) instead of dying.
///
/// ``install()`` blocks the two signals in the calling thread, which every thread started
/// later inherits, and starts one thread that takes them with sigwait(3). A signal sets
/// ``isRequested`` and makes ``descriptor`` readable, which every wait in a lab polls.
public final class Interruption: @unchecked Sendable {
    /// Readable once a signal arrived.
    public let descriptor: Int32
    private let writeEnd: Int32
    private let condition = Condition()
    private var signalNumber: Int32 = 0

    private init(descriptor: Int32, writeEnd: Int32) {
        self.descriptor = descriptor
        self.writeEnd = writeEnd
    }

    /// Blocks SIGINT and SIGTERM in this and all later threads and starts the thread that
    /// receives them. Call before starting any other thread.
    public static func install() throws(SystemCallError) -> Interruption {
        var ends: [Int32] = [-1, -1]
        try systemCall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) }
        let interruption = Interruption(descriptor: ends[0], writeEnd: ends[1])
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        try systemCallReturningErrno("pthread_sigmask") { pthread_sigmask(SIG_BLOCK, &signals, nil) }
        // A shell starts background jobs with SIGINT ignored, and an ignored signal is
        // discarded, never queued for sigwait: take the default disposition back.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        pthread_detach(try PosixThread.start { interruption.receive() })
        return interruption
    }

    private func receive() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        var number: Int32 = 0
        while sigwait(&signals, &number) != 0 {}
        condition.withLock { signalNumber = number }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
        // A second signal ends the process at once, as users expect of a second Ctrl-C.
        while sigwait(&signals, &number) != 0 {}
        _exit(128 + number)
    }

    /// Whether a signal has arrived.
    public var isRequested: Bool { condition.withLock { signalNumber != 0 } }

    /// The signal that arrived ("SIGINT"), or nil.
    public var signalName: String? {
        switch condition.withLock({ signalNumber }) {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return nil
        }
    }

    /// The exit status for a run stopped by the signal: 128 + its number.
    public var exitStatus: Int32 { 128 + condition.withLock { signalNumber } }
}
