import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's TCP and IP counters for the calling thread's network namespace.
///
/// Stands for /proc/net/netstat (TcpExt, IpExt, ...) and /proc/net/snmp (Ip, Tcp, ...),
/// read through /proc/thread-self/net: /proc/net follows the process's main thread, and a
/// lab's namespace belongs to the thread that runs it. Each file is pairs of lines, a line of
/// names and a line of values under one prefix; a counter is named "Prefix.Name", as
/// `nstat` names them (TcpExt.ListenOverflows, Tcp.ActiveOpens).
public struct KernelCounters: Sendable, Equatable {
    /// Every counter by its "Prefix.Name".
    public private(set) var values: [String: Int64]

    /// Counters from text in /proc/net/netstat or /proc/net/snmp form.
    public init(parsing texts: [String]) {
        var values: [String: Int64] = [:]
        for text in texts {
            let lines = text.split(separator: "\n")
            var index = 0
            while index + 1 < lines.count {
                let names = lines[index].split(separator: " ")
                let numbers = lines[index + 1].split(separator: " ")
                index += 2
                guard let prefix = names.first, prefix == numbers.first, prefix.hasSuffix(":") else { continue }
                let group = prefix.dropLast()
                for (name, number) in zip(names.dropFirst(), numbers.dropFirst()) {
                    if let value = Int64(number) { values["\(group).\(name)"] = value }
                }
            }
        }
        self.values = values
    }

    /// The counters now.
    public static func read() throws(SystemCallError) -> KernelCounters {
        KernelCounters(parsing: [
            try readFile("/proc/thread-self/net/netstat"),
            try readFile("/proc/thread-self/net/snmp"),
        ])
    }

    /// Whether a counter of this name exists.
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// How much each counter grew since `earlier`; only the ones that changed.
    public func changes(since earlier: KernelCounters) -> [(name: String, change: Int64)] {
        values.compactMap { name, value in
            let change = value - (earlier.values[name] ?? 0)
            return change == 0 ? nil : (name, change)
        }.sorted { $0.name < $1.name }
    }
}

/// Reads a whole /proc file as text.
func readFile(_ path: String) throws(SystemCallError) -> String {
    String(decoding: try FileDescriptor.readAll(path), as: UTF8.self)
}
