import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Network sysctls of the calling thread's network namespace, never the host's.
///
/// Stands for the files under /proc/sys/net (sysctl(8)). The kernel resolves them in the
/// namespace of the thread that opens them, and a fresh namespace shows only the settings
/// that are its own; ``write(_:_:)`` also refuses to run outside a namespace of TCPLab's.
public enum Sysctl {
    /// Why a setting could not be changed.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// Not a per-namespace network setting ("net." prefix, file present).
        case unknown(String)
        /// The caller is in the process's own namespace: writing would change the host.
        case notInLabNamespace(String)
        /// The kernel refused the value.
        case refused(String, SystemCallError)

        /// One line.
        public var description: String {
            switch self {
            case .unknown(let name):
                return "\(name) is not a network sysctl of a network namespace (it must start with net. and exist in /proc/sys inside one)"
            case .notInLabNamespace(let name):
                return "refusing to set \(name): the calling thread is not in a lab's network namespace, so this would change the host"
            case .refused(let name, let error):
                return "setting \(name): \(error)"
            }
        }
    }

    /// The path of `name` ("net.ipv4.tcp_syn_retries" is /proc/sys/net/ipv4/tcp_syn_retries).
    static func path(_ name: String) -> String? {
        guard name.hasPrefix("net."), !name.contains("/"), !name.contains("..") else { return nil }
        return "/proc/sys/" + name.split(separator: ".").joined(separator: "/")
    }

    /// Whether `name` has the form of a network sysctl ("net." and dotted words).
    public static func isWellFormed(_ name: String) -> Bool { path(name) != nil }

    /// The current value, with white space trimmed (tabs between numbers become spaces).
    public static func read(_ name: String) throws -> String {
        guard let path = path(name), access(path, F_OK) == 0 else { throw Failure.unknown(name) }
        let text = try readFile(path)
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }

    /// Sets `name` to `value` in the calling thread's namespace.
    public static func write(_ name: String, _ value: String) throws {
        guard let path = path(name), access(path, F_OK) == 0 else { throw Failure.unknown(name) }
        guard try isInOwnNetworkNamespace() else { throw Failure.notInLabNamespace(name) }
        do throws(SystemCallError) {
            let file = try FileDescriptor.openForWriting(path)
            defer { try? file.close() }
            let text = Array((value + "\n").utf8)
            let written = try systemCall("write") { text.withUnsafeBytes { raw in Glibc.write(file.rawValue, raw.baseAddress, raw.count) } }
            if written != text.count { throw SystemCallError(call: "write", errno: Errno(rawValue: EIO)) }
        } catch {
            throw Failure.refused(name, error)
        }
    }

    /// Whether the calling thread's network namespace differs from the process's main
    /// thread's, which is the one the process started in.
    public static func isInOwnNetworkNamespace() throws(SystemCallError) -> Bool {
        var thread = stat()
        var process = stat()
        try systemCall("stat(/proc/thread-self/ns/net)") { stat("/proc/thread-self/ns/net", &thread) }
        try systemCall("stat(/proc/self/ns/net)") { stat("/proc/self/ns/net", &process) }
        return thread.st_ino != process.st_ino || thread.st_dev != process.st_dev
    }
}
