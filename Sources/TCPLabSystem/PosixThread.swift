#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Threads of TCPLab's own, where the thread itself matters: a network namespace belongs to
/// the thread that entered it, and a capture or signal loop must not share a thread pool.
///
/// Stands for pthread_create(3); the caller joins (pthread_join) or detaches the thread.
public enum PosixThread {
    /// Starts `body` on a new thread and returns it.
    public static func start(_ body: @escaping () -> Void) throws(SystemCallError) -> pthread_t {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        do {
            try systemCallReturningErrno("pthread_create") {
                pthread_create(&thread, nil, { context in
                    Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                    return nil
                }, box.toOpaque())
            }
        } catch {
            box.release()
            throw error
        }
        return thread
    }

    /// The thread's work, boxed to cross pthread_create's C boundary.
    private final class Body: @unchecked Sendable {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
