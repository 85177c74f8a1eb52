#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex with a condition variable, for one thread to wait until another reports an event.
///
/// Stands for `pthread_mutex_t` with `pthread_cond_t`. Waits use `CLOCK_MONOTONIC`, so a
/// change to the wall clock never stretches or cuts a deadline. Small on purpose: TCPLab
/// waits for events (a captured segment, a finished step) with deadlines, never by sleeping.
public final class Condition: @unchecked Sendable {
    // Allocated once and never moved: pthread objects must stay at one address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// A new, unlocked condition.
    public init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes the lock (pthread_mutex_lock).
    public func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock (pthread_mutex_unlock).
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes every waiting thread (pthread_cond_broadcast). Call with the lock held.
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Releases the lock, waits for a broadcast or the deadline, and takes the lock again
    /// (pthread_cond_timedwait). Call with the lock held.
    ///
    /// - Returns: false when the deadline has passed, true when woken before it (which may
    ///   be spurious: check the awaited state again).
    public func wait(until deadline: ContinuousClock.Instant) -> Bool {
        let remaining = ContinuousClock.now.duration(to: deadline)
        if remaining <= .zero { return false }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = remaining.components
        var nanoseconds = Int64(now.tv_nsec) + attoseconds / 1_000_000_000
        var wholeSeconds = Int64(now.tv_sec) + seconds + nanoseconds / 1_000_000_000
        nanoseconds %= 1_000_000_000
        if wholeSeconds < 0 { wholeSeconds = .max }
        var limit = timespec(tv_sec: Int(wholeSeconds), tv_nsec: Int(nanoseconds))
        return pthread_cond_timedwait(condition, mutex, &limit) != ETIMEDOUT
    }

    /// Releases the lock, waits for a broadcast, and takes the lock again (pthread_cond_wait).
    public func wait() { pthread_cond_wait(condition, mutex) }
}
