import TCPLabSystem

/// Why the kernel log could not start.
public enum KernelLogError: Error, CustomStringConvertible, Sendable {
    /// The kernel refused to load or attach BPF programs: not root in the initial user
    /// namespace (CAP_BPF and CAP_PERFMON are needed there).
    case notPermitted(SystemCallError)
    /// Another libbpf call failed.
    case system(SystemCallError)

    /// One line saying why.
    public var description: String {
        switch self {
        case .notPermitted(let error):
            return "loading BPF programs needs root (CAP_BPF and CAP_PERFMON in the initial user namespace); \(error.call) failed with \(error.errno.name)"
        case .system(let error):
            return error.description
        }
    }
}
