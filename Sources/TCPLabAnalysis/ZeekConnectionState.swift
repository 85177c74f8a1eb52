/// A connection's end state in the vocabulary of Zeek's `conn.log` (its `conn_state` field).
///
/// Engineers who read Zeek logs know these codes; TCPLab derives them with Zeek's rules
/// (`Conn::conn_state` in scripts/base/protocols/conn/main.zeek) from the per-endpoint states
/// that ``ConnectionHistory`` keeps as Zeek's TCP analyzer does. The originator is TCPLab's
/// client (the side that sent the first SYN), the responder its server.
public enum ZeekConnectionState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Connection attempt seen, no reply.
    case s0 = "S0"
    /// Established, not terminated.
    case s1 = "S1"
    /// Established and terminated normally.
    case sf = "SF"
    /// Attempt rejected.
    case rej = "REJ"
    /// Established, the originator tried to close, no reply.
    case s2 = "S2"
    /// Established, the responder tried to close, no reply.
    case s3 = "S3"
    /// Established, the originator aborted (RST).
    case rsto = "RSTO"
    /// The responder sent an RST.
    case rstr = "RSTR"
    /// SYN then RST from the originator, no SYN-ACK.
    case rstos0 = "RSTOS0"
    /// SYN-ACK then RST from the responder, no SYN.
    case rstrh = "RSTRH"
    /// SYN then FIN from the originator, no SYN-ACK.
    case sh = "SH"
    /// SYN-ACK then FIN from the responder, no SYN.
    case shr = "SHR"
    /// No SYN seen: midstream traffic.
    case oth = "OTH"

    /// The code as Zeek writes it ("SF").
    public var description: String { rawValue }

    /// What the code means, in one sentence: the one table from which `--help`, the README
    /// and the JSON output take their words.
    public var meaning: String {
        switch self {
        case .s0: return "connection attempt seen, no reply"
        case .s1: return "established, not terminated"
        case .sf: return "established and terminated normally (both sides closed)"
        case .rej: return "connection attempt rejected (RST answered the SYN)"
        case .s2: return "established, the originator closed, no reply from the responder"
        case .s3: return "established, the responder closed, no reply from the originator"
        case .rsto: return "established, the originator aborted (sent RST)"
        case .rstr: return "the responder sent RST"
        case .rstos0: return "the originator sent SYN then RST, never a SYN-ACK from the responder"
        case .rstrh: return "the responder sent SYN-ACK then RST, never a SYN from the originator"
        case .sh: return "the originator sent SYN then FIN, never a SYN-ACK from the responder (half open)"
        case .shr: return "the responder sent SYN-ACK then FIN, never a SYN from the originator"
        case .oth: return "no SYN seen, just midstream traffic"
        }
    }

    /// Every code with its meaning, one per line, aligned: for `--help`.
    public static var legend: String {
        allCases.map { $0.rawValue + String(repeating: " ", count: 7 - $0.rawValue.count) + $0.meaning }
            .joined(separator: "\n")
    }
}

/// One endpoint's state as Zeek's TCP analyzer tracks it (`TCP_ENDPOINT_*` in
/// src/analyzer/protocol/tcp/TCP_Endpoint.h): coarser than RFC 9293's, and the input of
/// ``ZeekConnectionState``.
enum ZeekEndpointState: UInt8, Sendable {
    /// Nothing sent yet.
    case inactive
    /// Sent a SYN.
    case synSent
    /// Sent a SYN-ACK without having been seen to receive a SYN (as originator).
    case synACKSent
    /// Sent something, but no SYN was seen: the capture joined midstream.
    case partial
    /// The handshake was seen.
    case established
    /// Sent a FIN.
    case closed
    /// Sent an RST.
    case reset

    /// Inactive or partial: Zeek's `o_inactive` and `r_inactive`.
    var isInactive: Bool { self == .inactive || self == .partial }
}
