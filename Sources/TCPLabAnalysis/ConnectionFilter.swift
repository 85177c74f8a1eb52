import TCPLabPacket

/// The questions `tcplab inspect --format summary --only NAME` answers: one table of names,
/// definitions and tests, from which the option's parser, its help and the README derive.
public enum ConnectionFilter: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// An RST answered the SYN.
    case refused
    /// An RST ended the connection after it began.
    case reset
    /// The handshake began but never completed, and nothing refused it.
    case halfOpen = "half-open"
    /// A SYN or SYN-ACK was sent again.
    case retransmittedSYN = "retransmitted-syn"
    /// A side advertised a zero window.
    case zeroWindow = "zero-window"
    /// Neither closed by both sides nor reset when the capture ended.
    case unfinished

    /// The name as typed after `--only`.
    public var description: String { rawValue }

    /// What the filter keeps, in one sentence.
    public var definition: String {
        switch self {
        case .refused: return "an RST answered the SYN: nothing listened on the port (Zeek REJ)"
        case .reset: return "an RST ended the connection after the handshake began (Zeek RSTO, RSTR, ...)"
        case .halfOpen: return "a SYN (or SYN-ACK) was seen but the handshake never completed, and no RST refused it"
        case .retransmittedSYN: return "a SYN or SYN-ACK was sent again: dropped by a full backlog, lost, or unanswered"
        case .zeroWindow: return "a side advertised a zero window: its receive buffer was full"
        case .unfinished: return "not closed by both sides nor reset when the capture ended (still open or half-closed)"
        }
    }

    /// Whether `connection` is one the filter keeps.
    public func matches(_ connection: ConnectionRecord) -> Bool {
        switch self {
        case .refused:
            if case .refused = connection.ending { return true }
            return false
        case .reset:
            if case .reset = connection.ending { return true }
            return false
        case .halfOpen:
            if case .refused = connection.ending { return false }
            return connection.opening == .notCompleted
        case .retransmittedSYN:
            return connection.fromClient.synRetransmissions + connection.fromServer.synRetransmissions > 0
        case .zeroWindow:
            return connection.fromClient.zeroWindows + connection.fromServer.zeroWindows > 0
        case .unfinished:
            switch connection.ending {
            case .stillOpen, .halfClosed: return true
            default: return false
            }
        }
    }

    /// Every filter with its definition, one per line, aligned: for `--help`.
    public static var legend: String {
        let width = allCases.map(\.rawValue.count).max() ?? 0
        return allCases.map { $0.rawValue + String(repeating: " ", count: width + 2 - $0.rawValue.count) + $0.definition }
            .joined(separator: "\n")
    }
}

/// Which connections a summary shows: any of the `--only` questions (all when none), and
/// an endpoint on one of the ports and one of the addresses (any when none given).
public struct ConnectionSelection: Sendable {
    /// The questions; a connection matching any of them is kept.
    public var only: [ConnectionFilter]
    /// Ports, either endpoint.
    public var ports: [UInt16]
    /// Addresses, either endpoint.
    public var hosts: [IPAddress]

    /// A selection keeping connections that pass every kind of test given.
    public init(only: [ConnectionFilter] = [], ports: [UInt16] = [], hosts: [IPAddress] = []) {
        self.only = only
        self.ports = ports
        self.hosts = hosts
    }

    /// Whether nothing is filtered.
    public var keepsEverything: Bool { only.isEmpty && ports.isEmpty && hosts.isEmpty }

    /// Whether `connection` is shown.
    public func matches(_ connection: ConnectionRecord) -> Bool {
        if !ports.isEmpty && !ports.contains(connection.client.port) && !ports.contains(connection.server.port) { return false }
        if !hosts.isEmpty && !hosts.contains(connection.client.address) && !hosts.contains(connection.server.address) { return false }
        return only.isEmpty || only.contains { $0.matches(connection) }
    }
}
