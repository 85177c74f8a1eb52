#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Keeps a socket's last close(2) apart from the birth of a child process.
///
/// Stands for a `pthread_rwlock_t`. posix_spawn(3) clones the process, and until the
/// child's execve(2) the child holds a copy of the whole descriptor table, close-on-exec
/// descriptors included. A socket that another thread closes in that window is not
/// released by its close(2): the child's copy holds it, and releases it at the exec, in
/// the child. Its FIN or RST then goes out late, and with SO_LINGER {on, N} the wait
/// happens in the child while the lab's close(2) returns at once (seen with labs running
/// at once: one lab's close during another lab's `nft` spawn). ``Command`` spawns with
/// the fence held exclusively (glibc's posix_spawn returns only after the exec, as it uses
/// CLONE_VFORK); ``closingSocket(_:)`` holds it shared, so closes never wait for each other.
public enum SpawnFence {
    /// Runs `body`, a spawn, while no socket is being closed.
    public static func spawning<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.exclusive()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body`, which makes a descriptor and only then marks it close-on-exec (as
    /// accept(2) then fcntl(2) does), while no child is being spawned.
    public static func makingDescriptor<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.exclusive()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body`, a close(2) of a socket, while no child is between clone and exec.
    public static func closingSocket<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.shared()
        defer { lock.unlock() }
        return try body()
    }

    private static let lock = ReadWriteLock()

    /// A process-wide reader-writer lock.
    private final class ReadWriteLock: Sendable {
        // Allocated once, never moved or freed (the one instance lives as long as the
        // process); pthread_rwlock_* are safe to call from any thread on a fixed address.
        // A let of a pointer is Sendable-clean only as an integer: kept as its address.
        private let address: UInt

        init() {
            let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
            pthread_rwlock_init(lock, nil)
            address = UInt(bitPattern: lock)
        }

        private var pointer: UnsafeMutablePointer<pthread_rwlock_t> {
            UnsafeMutablePointer(bitPattern: address)!
        }

        func exclusive() { pthread_rwlock_wrlock(pointer) }
        func shared() { pthread_rwlock_rdlock(pointer) }
        func unlock() { pthread_rwlock_unlock(pointer) }
    }
}
