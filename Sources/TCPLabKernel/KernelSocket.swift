import TCPLabAnalysis
import TCPLabPacket

/// One TCP socket as the kernel reports it through sock_diag: a line of `ss -tan -o`.
///
/// Stands for `struct inet_diag_msg` (linux/inet_diag.h), the reply to a
/// SOCK_DIAG_BY_FAMILY request.
public struct KernelSocket: Hashable, Sendable, Encodable {
    /// What the kernel's timer for the socket is doing (`idiag_timer`, ss's `timer:(...)`).
    public enum Timer: String, Hashable, Sendable, Encodable, CustomStringConvertible {
        /// No timer runs.
        case off
        /// Retransmission of unacknowledged data or SYN (ss "on").
        case retransmit = "on"
        /// Keep-alive probing (ss "keepalive").
        case keepalive
        /// The TIME-WAIT timer, 60 s on Linux (ss "timewait").
        case timewait
        /// Zero-window probing (ss "persist").
        case persist

        /// The kernel's timer number (0 off, 1 on, 2 keepalive, 3 timewait, 4 persist).
        public init(kernelTimer: UInt8) {
            switch kernelTimer {
            case 1: self = .retransmit
            case 2: self = .keepalive
            case 3: self = .timewait
            case 4: self = .persist
            default: self = .off
            }
        }

        /// The name ss prints.
        public var description: String { rawValue }
    }

    /// The RFC 9293 state (the kernel's TCP_NEW_SYN_RECV request socket is SYN-RECEIVED).
    public var state: TCPState
    /// Local address and port.
    public var local: Endpoint
    /// Remote address and port (0.0.0.0:0 or [::]:0 for a listener).
    public var remote: Endpoint
    /// ss's Recv-Q: unread bytes; for a listener, connections waiting in the accept queue.
    public var receiveQueue: UInt32
    /// ss's Send-Q: unacknowledged bytes; for a listener, the backlog.
    public var sendQueue: UInt32
    /// The running timer.
    public var timer: Timer
    /// Time until the timer fires, in milliseconds (`idiag_expires`).
    public var expiresMilliseconds: UInt32
    /// Retransmissions or probes sent so far (`idiag_retrans`).
    public var retransmits: UInt8
    /// The socket's inode; 0 for TIME-WAIT and request sockets, which no file refers to.
    public var inode: UInt32
    /// What the handshake settled (`ss -i`): options in use, window scales, MSS; nil for
    /// request and TIME-WAIT sockets, and for records not read from the kernel.
    public var info: TCPInfo? = nil

    /// Makes a record; sock_diag decoding and tests use it.
    public init(
        state: TCPState, local: Endpoint, remote: Endpoint, receiveQueue: UInt32, sendQueue: UInt32,
        timer: Timer, expiresMilliseconds: UInt32, retransmits: UInt8, inode: UInt32
    ) {
        self.state = state
        self.local = local
        self.remote = remote
        self.receiveQueue = receiveQueue
        self.sendQueue = sendQueue
        self.timer = timer
        self.expiresMilliseconds = expiresMilliseconds
        self.retransmits = retransmits
        self.inode = inode
    }

    /// The socket as `ss -tan -o` prints it, in fixed columns.
    public var line: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        var text = pad(state.rawValue, 13) + pad(String(receiveQueue), 7) + pad(String(sendQueue), 7)
        text += pad(local.description, 22) + pad(remote.description, 22)
        if timer != .off {
            let seconds = Double(expiresMilliseconds) / 1000
            let rounded = (seconds * 10).rounded() / 10
            text += "timer:(\(timer),\(rounded)s,\(retransmits))"
        }
        return text
    }

    enum CodingKeys: String, CodingKey {
        case state, local, remote, timer, retransmits, inode
        case receiveQueue = "recv_q", sendQueue = "send_q", expiresMilliseconds = "expires_ms"
    }

    /// Encodes as ss's fields: state name, "ip:port" endpoints, queues, timer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(local.description, forKey: .local)
        try container.encode(remote.description, forKey: .remote)
        try container.encode(receiveQueue, forKey: .receiveQueue)
        try container.encode(sendQueue, forKey: .sendQueue)
        try container.encode(timer, forKey: .timer)
        try container.encode(expiresMilliseconds, forKey: .expiresMilliseconds)
        try container.encode(retransmits, forKey: .retransmits)
        try container.encode(inode, forKey: .inode)
    }

    /// The column titles matching ``line``.
    public static let header = "State        Recv-Q Send-Q Local                 Peer                  Timer"
}
