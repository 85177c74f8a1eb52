import CTCPLabShims
import TCPLabSystem

/// A Linux capability: one of the pieces root's privilege is split into (capabilities(7)),
/// such as CAP_NET_BIND_SERVICE, which lets a socket bind a port below
/// `net.ipv4.ip_unprivileged_port_start`.
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// Its number, as <linux/capability.h> defines it.
    public var rawValue: Int32
    /// Its name, "CAP_NET_BIND_SERVICE".
    public var name: String

    /// CAP_NET_BIND_SERVICE: bind ports below ip_unprivileged_port_start.
    public static let netBindService = Capability(rawValue: CAP_NET_BIND_SERVICE, name: "CAP_NET_BIND_SERVICE")
    /// CAP_NET_ADMIN: network configuration, sysctls, firewall rules.
    public static let netAdmin = Capability(rawValue: CAP_NET_ADMIN, name: "CAP_NET_ADMIN")
    /// CAP_NET_RAW: raw and packet sockets (capture).
    public static let netRaw = Capability(rawValue: CAP_NET_RAW, name: "CAP_NET_RAW")

    /// The capabilities a lab may name.
    public static let known: [Capability] = [.netBindService, .netAdmin, .netRaw]

    /// The capability called `name`, if it is one of ``known``.
    public init?(name: String) {
        guard let found = Self.known.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    init(rawValue: Int32, name: String) {
        self.rawValue = rawValue
        self.name = name
    }

    /// The name.
    public var description: String { name }

    /// Runs `body` with `capabilities` removed from the calling thread's effective set,
    /// then puts them back.
    ///
    /// Stands for capget(2) and capset(2). Capabilities belong to a thread, not to the
    /// process, so the lab's other actors (on other calls) and the rest of the process keep
    /// theirs. The capabilities stay in the permitted set, which is what lets them come
    /// back; a privileged server that drops them the same way can raise them again too.
    public static func withoutEffective<Result>(
        _ capabilities: [Capability], _ body: () throws -> Result
    ) throws -> Result {
        if capabilities.isEmpty { return try body() }
        var header = __user_cap_header_struct(version: UInt32(_LINUX_CAPABILITY_VERSION_3), pid: 0)
        // Version 3 uses two 32-bit words per set: capabilities 0–31, then 32–63.
        var data = [__user_cap_data_struct](repeating: __user_cap_data_struct(), count: 2)
        try systemCall("capget") { data.withUnsafeMutableBufferPointer { capget(&header, $0.baseAddress) } }
        let saved = data
        for capability in capabilities {
            let word = Int(capability.rawValue / 32)
            data[word].effective &= ~(UInt32(1) << UInt32(capability.rawValue % 32))
        }
        try systemCall("capset") { data.withUnsafeMutableBufferPointer { capset(&header, $0.baseAddress) } }
        defer {
            var restore = saved
            _ = try? systemCall("capset") { restore.withUnsafeMutableBufferPointer { capset(&header, $0.baseAddress) } }
        }
        return try body()
    }
}
