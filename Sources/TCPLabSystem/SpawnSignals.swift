#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Makes a spawned child start with no signal blocked and SIGPIPE at its default, whatever
/// this process blocks (its signal thread takes SIGINT and SIGTERM) or ignores (SIGPIPE).
///
/// Stands for posix_spawnattr_setsigmask(3) and posix_spawnattr_setsigdefault(3), then
/// posix_spawnattr_setflags(3) with POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSIGDEF and
/// `otherFlags` (set their attributes first).
func startWithDefaultSignals(_ attributes: inout posix_spawnattr_t, otherFlags: Int32 = 0) throws(SystemCallError) {
    var empty = sigset_t()
    sigemptyset(&empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    try systemCallReturningErrno("posix_spawnattr_setsigmask") { posix_spawnattr_setsigmask(&attributes, &empty) }
    try systemCallReturningErrno("posix_spawnattr_setsigdefault") { posix_spawnattr_setsigdefault(&attributes, &defaults) }
    try systemCallReturningErrno("posix_spawnattr_setflags") {
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | otherFlags))
    }
}
