import TCPLabPacket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Endpoint {
    /// Calls `body` with the endpoint as a `struct sockaddr_in` or `sockaddr_in6` (ip(7), ipv6(7)).
    /// Its result (a system call's return value, for bind(2) and connect(2)) may be ignored.
    @discardableResult
    func withSocketAddress<Result>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        switch address {
        case .v4(let value):
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_port = port.bigEndian
            storage.sin_addr = in_addr(s_addr: value.bigEndian)
            return try withUnsafeBytes(of: &storage) { raw throws(SystemCallError) in
                try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        case .v6(let high, let low):
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &storage.sin6_addr) { bytes in
                for index in 0..<8 {
                    bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                    bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
                }
            }
            return try withUnsafeBytes(of: &storage) { raw throws(SystemCallError) in
                try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }

    /// The endpoint in a `struct sockaddr_storage` that getsockname(2) or accept(2) filled.
    init?(socketAddress storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let value = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            self.init(address: .v4(UInt32(bigEndian: value.sin_addr.s_addr)), port: UInt16(bigEndian: value.sin_port))
        case AF_INET6:
            let value = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            let address = withUnsafeBytes(of: value.sin6_addr) { bytes in
                IPAddress.v6(
                    high: bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) },
                    low: bytes.suffix(8).reduce(0) { $0 << 8 | UInt64($1) })
            }
            self.init(address: address, port: UInt16(bigEndian: value.sin6_port))
        default:
            return nil
        }
    }
}
