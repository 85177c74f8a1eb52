import CTCPLabShims
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#endif

/// Lets an ordinary user run labs: the process moves into a new user namespace where it is
/// root, which gives it the capabilities to make network namespaces, capture on their lo
/// and set their sysctls, and nothing on the host.
///
/// Stands for unshare(2) with CLONE_NEWUSER plus the uid_map, setgroups and gid_map writes
/// of user_namespaces(7). The kernel allows CLONE_NEWUSER only in a single-threaded
/// process, so call ``enterIfUnprivileged()`` before any thread starts.
public enum UserNamespace {
    /// Why the user namespace could not be entered.
    public struct Failure: Error, CustomStringConvertible {
        /// The call that failed.
        public var error: SystemCallError

        /// One line naming what is missing.
        public var description: String {
            "tcplab run needs root (CAP_SYS_ADMIN and CAP_NET_RAW), or a kernel that lets ordinary users create user namespaces; \(error.call) failed with \(error.errno.name) (see sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone)"
        }
    }

    /// Whether the process runs as root already.
    public static var isPrivileged: Bool { geteuid() == 0 }

    /// As root, does nothing. Otherwise enters a new user namespace, mapping the user to root in it.
    public static func enterIfUnprivileged() throws(Failure) {
        guard !isPrivileged else { return }
        let user = getuid()
        let group = getgid()
        do throws(SystemCallError) {
            try systemCall("unshare(CLONE_NEWUSER)") { unshare(tcplab_clone_newuser) }
            try writeFile("/proc/self/uid_map", "0 \(user) 1\n")
            // setgroups must be denied before an unprivileged process may write gid_map.
            try writeFile("/proc/self/setgroups", "deny\n")
            try writeFile("/proc/self/gid_map", "0 \(group) 1\n")
        } catch {
            throw Failure(error: error)
        }
    }

    private static func writeFile(_ path: String, _ text: String) throws(SystemCallError) {
        let file = FileDescriptor(rawValue: try systemCall("open(\(path))") { open(path, O_WRONLY | O_CLOEXEC) })
        defer { try? file.close() }
        let bytes = Array(text.utf8)
        let written = try systemCall("write(\(path))") { bytes.withUnsafeBytes { write(file.rawValue, $0.baseAddress, $0.count) } }
        if written != bytes.count { throw SystemCallError(call: "write(\(path))", errno: Errno(rawValue: EIO)) }
    }
}
