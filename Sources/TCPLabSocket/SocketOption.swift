#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A socket option a lab may set, by its C name.
///
/// Stands for the `level` and `optname` arguments of setsockopt(2): SOL_SOCKET options from
/// socket(7), IPPROTO_TCP options from tcp(7).
public enum SocketOption: String, CaseIterable, Sendable, Codable {
    /// Bind to a port that a TIME-WAIT socket still holds, if that socket had it too.
    case reuseAddress = "SO_REUSEADDR"
    /// Several sockets listen on one port; the kernel spreads connections among them.
    case reusePort = "SO_REUSEPORT"
    /// What close() does with unsent data: {on, 0} aborts with RST. Takes two values.
    case linger = "SO_LINGER"
    /// Receive buffer size (the kernel doubles the value for its bookkeeping).
    case receiveBuffer = "SO_RCVBUF"
    /// Send buffer size (doubled likewise).
    case sendBuffer = "SO_SNDBUF"
    /// Turn keep-alive probing on.
    case keepAlive = "SO_KEEPALIVE"
    /// Disable Nagle's algorithm: small segments go out at once.
    case noDelay = "TCP_NODELAY"
    /// Idle seconds before the first keep-alive probe.
    case keepIdle = "TCP_KEEPIDLE"
    /// Seconds between keep-alive probes.
    case keepInterval = "TCP_KEEPINTVL"
    /// Unanswered probes before the connection is dropped with ETIMEDOUT.
    case keepCount = "TCP_KEEPCNT"
    /// Milliseconds that sent data (or a SYN) may stay unacknowledged before ETIMEDOUT.
    case userTimeout = "TCP_USER_TIMEOUT"
    /// SYN retransmissions before connect() gives up.
    case synCount = "TCP_SYNCNT"
    /// The largest segment this socket sends and the MSS its SYN announces; set before
    /// connect() or listen() (tcp(7)). The kernel takes the options' bytes off it.
    case maximumSegment = "TCP_MAXSEG"
    /// An IPv6 socket takes IPv6 only: 0 lets a listener on [::] accept IPv4 clients as
    /// v4-mapped addresses (ipv6(7); the default is net.ipv6.bindv6only, 0).
    case v6Only = "IPV6_V6ONLY"

    /// The option's protocol level: SOL_SOCKET, IPPROTO_IPV6 or IPPROTO_TCP.
    public var level: Int32 {
        if rawValue.hasPrefix("SO_") { return SOL_SOCKET }
        return rawValue.hasPrefix("IPV6_") ? Int32(IPPROTO_IPV6) : Int32(IPPROTO_TCP)
    }

    /// The option number.
    public var name: Int32 {
        switch self {
        case .reuseAddress: return SO_REUSEADDR
        case .reusePort: return SO_REUSEPORT
        case .linger: return SO_LINGER
        case .receiveBuffer: return SO_RCVBUF
        case .sendBuffer: return SO_SNDBUF
        case .keepAlive: return SO_KEEPALIVE
        case .noDelay: return Int32(TCP_NODELAY)
        case .keepIdle: return Int32(TCP_KEEPIDLE)
        case .keepInterval: return Int32(TCP_KEEPINTVL)
        case .keepCount: return Int32(TCP_KEEPCNT)
        case .userTimeout: return Int32(TCP_USER_TIMEOUT)
        case .synCount: return Int32(TCP_SYNCNT)
        case .maximumSegment: return Int32(TCP_MAXSEG)
        case .v6Only: return Int32(IPV6_V6ONLY)
        }
    }

    /// How many integers the option takes: two for SO_LINGER (on, seconds), one otherwise.
    public var valueCount: Int { self == .linger ? 2 : 1 }
}
