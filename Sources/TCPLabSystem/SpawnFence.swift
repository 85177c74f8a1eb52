#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Keeps a socket's close(2) apart from the birth of a child process.
///
/// posix_spawn(3) clones the process, and until the child's exec has dropped them the
/// child holds a copy of every descriptor, close-on-exec ones included. A socket that
/// another thread closes in that window is not released by its close(2): the child's copy
/// holds it, and releases it at the exec, in the child. Its FIN or RST then goes out late,
/// and with SO_LINGER {on, N} the wait happens in the child while the lab's close(2)
/// returns at once (seen with labs running at once: one lab's close during another lab's
/// `nft` spawn; linger-timeout's close returned in 0.01 ms instead of 1 s).
///
/// So a close does not begin while a child is being spawned, from before the clone until
/// the child's exec has dropped the close-on-exec descriptors (glibc's posix_spawn
/// returns when the exec has begun, as it uses CLONE_VFORK; ``Command`` then waits for end
/// of file on a close-on-exec pipe the child inherited). And a spawn does not begin while
/// a close is under way: closes never wait for each other, but a spawn waits for a close
/// that lingers (SO_LINGER {on, N}: up to N seconds). Waiting for the whole close, not just
/// until the descriptor has left the table, is deliberate: with spawns allowed during a
/// lingering close, that close returned early (after 6 to 850 ms of its 1 s) in
/// SpawnFenceTests, for a reason not yet understood.
public enum SpawnFence {
    /// Runs `body`, a spawn, once no socket is being closed; no close begins until it returns.
    public static func spawning<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        state.withLock {
            while closes > 0 || makings > 0 { state.wait() }
            spawns += 1
        }
        defer { state.withLock { spawns -= 1; state.broadcast() } }
        return try body()
    }

    /// Runs `body`, which makes a descriptor and only then marks it close-on-exec (as
    /// accept(2) then fcntl(2) does), while no child is being spawned; closes go on.
    public static func makingDescriptor<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        state.withLock {
            while spawns > 0 { state.wait() }
            makings += 1
        }
        defer { state.withLock { makings -= 1; state.broadcast() } }
        return try body()
    }

    /// Runs `body`, a close(2) of a socket, once no child is being spawned.
    public static func closing<Result>(_ body: () -> Result) -> Result {
        state.withLock {
            while spawns > 0 { state.wait() }
            closes += 1
        }
        defer { state.withLock { closes -= 1; state.broadcast() } }
        return body()
    }

    // Guarded by `state`'s lock: read and written only inside state.withLock.
    nonisolated(unsafe) private static var spawns = 0
    nonisolated(unsafe) private static var closes = 0
    nonisolated(unsafe) private static var makings = 0
    private static let state = Condition()
}
