import CTCPLabShims
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#endif

/// A fresh network namespace with its own loopback interface, for the life of one call.
///
/// Stands for unshare(2) with CLONE_NEWNET on a dedicated thread: namespaces belong to
/// threads on Linux, so only that thread, the sockets it opens and the processes it starts
/// live in the namespace. When the call returns, the thread ends and, with it, the
/// namespace (once the sockets and children it holds are closed and reaped). The host's
/// interfaces and sysctls are never touched.
public enum NetworkNamespace {
    /// Why a namespace could not be made.
    public enum Failure: Error, CustomStringConvertible {
        /// unshare(CLONE_NEWNET) was refused.
        case notPermitted(SystemCallError)
        /// Another call failed.
        case system(SystemCallError)

        /// One line saying what is missing.
        public var description: String {
            switch self {
            case .notPermitted:
                return "creating a network namespace needs CAP_SYS_ADMIN: run as root, or inside a user namespace (unshare -rn)"
            case .system(let error):
                return error.description
            }
        }
    }

    /// Runs `body` on a new thread inside a new network namespace whose `lo` is up.
    ///
    /// - Returns: What `body` returned. Errors from `body` are rethrown.
    public static func run<Result>(_ body: @escaping () throws -> Result) throws -> Result {
        var outcome: Swift.Result<Result, any Error>?
        let thread = try PosixThread.start {
            do {
                do throws(SystemCallError) {
                    try systemCall("unshare(CLONE_NEWNET)") { unshare(tcplab_clone_newnet) }
                } catch {
                    throw error.errno == .notPermitted ? Failure.notPermitted(error) : Failure.system(error)
                }
                do throws(SystemCallError) { try bringLoopbackUp() } catch { throw Failure.system(error) }
                outcome = .success(try body())
            } catch {
                outcome = .failure(error)
            }
        }
        try systemCallReturningErrno("pthread_join") { pthread_join(thread, nil) }
        return try outcome!.get()
    }

    /// Sets `lo` up in the calling thread's namespace (SIOCSIFFLAGS with IFF_UP).
    static func bringLoopbackUp() throws(SystemCallError) {
        let fd = try systemCall("socket") { socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0) }
        defer { _ = close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { name in
            for (index, byte) in "lo".utf8.enumerated() { name[index] = byte }
        }
        try systemCall("ioctl(SIOCGIFFLAGS)") { ioctl(fd, UInt(SIOCGIFFLAGS), &request) }
        request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
        try systemCall("ioctl(SIOCSIFFLAGS)") { ioctl(fd, UInt(SIOCSIFFLAGS), &request) }
    }
}
