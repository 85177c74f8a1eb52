import TCPLabSystem

/// Why a live capture could not start or stop.
public enum CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The process lacks CAP_NET_RAW for a packet socket on the interface.
    case permissionDenied(interface: String)
    /// There is no such interface in this network namespace.
    case noSuchInterface(String)
    /// The BPF filter expression does not compile (pcap_compile).
    case invalidFilter(String, reason: String)
    /// libpcap reported another failure.
    case libpcap(call: String, message: String)
    /// A system call failed.
    case system(SystemCallError)
    /// ``LiveCapture/start()`` was called twice, or ``LiveCapture/stop()`` before start.
    case wrongState(String)

    /// One line saying what went wrong and what to do.
    public var description: String {
        switch self {
        case .permissionDenied(let interface):
            return "capturing on \(interface) needs CAP_NET_RAW: run as root, or inside a user and network namespace (unshare -rn)"
        case .noSuchInterface(let name):
            return "there is no interface \(name) in this network namespace"
        case .invalidFilter(let filter, let reason):
            return "the capture filter '\(filter)' is not valid: \(reason)"
        case .libpcap(let call, let message):
            return "\(call): \(message)"
        case .system(let error):
            return error.description
        case .wrongState(let text):
            return text
        }
    }
}
