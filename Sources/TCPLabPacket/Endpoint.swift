/// One end of a TCP connection: an address and a port.
///
/// Stands for `struct sockaddr_in` / `sockaddr_in6` without the family field.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The IP address.
    public var address: IPAddress
    /// The TCP port.
    public var port: UInt16

    /// An endpoint at `address` and `port`.
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// "127.0.0.1:8080", or "[::1]:8080" for IPv6, as tshark and ss write them.
    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Orders by address, then port.
    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}
