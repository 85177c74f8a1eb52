#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address, stored by value so that hashing and comparing cost nothing.
///
/// Stands for `struct in_addr` and `struct in6_addr` (RFC 791, RFC 8200).
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// An IPv4 address, in host order (127.0.0.1 is 0x7F00_0001).
    case v4(UInt32)
    /// An IPv6 address as two 64-bit halves in host order, high half first.
    case v6(high: UInt64, low: UInt64)

    /// The IPv4 loopback address, 127.0.0.1.
    public static let loopbackV4 = IPAddress.v4(0x7F00_0001)
    /// The IPv6 loopback address, ::1.
    public static let loopbackV6 = IPAddress.v6(high: 0, low: 1)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (inet_pton(3)).
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let reader = ByteReader(withUnsafeBytes(of: &v6) { Array($0) })
        guard let high = reader.getInteger(at: 0, as: UInt64.self), let low = reader.getInteger(at: 8, as: UInt64.self) else {
            return nil
        }
        self = .v6(high: high, low: low)
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    /// The address as text: "127.0.0.1", or RFC 5952 form for IPv6 ("::1"), via inet_ntop(3).
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch self {
        case .v4(let value):
            var address = in_addr(s_addr: value.bigEndian)
            _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        case .v6(let high, let low):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { bytes in
                bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// IPv4 sorts before IPv6; within a family, by numeric value.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let ah, let al), .v6(let bh, let bl)): return (ah, al) < (bh, bl)
        }
    }
}
