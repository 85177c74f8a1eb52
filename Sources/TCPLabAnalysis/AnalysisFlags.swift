/// The sequence-analysis findings tshark reports for a segment (`tcp.analysis.*`).
///
/// TCPLab computes these with Wireshark's rules (retransmission, duplicate ACK, zero window,
/// keep-alive, ...) so that its output can be diffed against tshark's frame by frame; the
/// teaching ``SegmentLabel``s are derived from them and from the lifecycle.
public struct AnalysisFlags: OptionSet, Hashable, Sendable {
    /// The bits.
    public let rawValue: UInt16

    /// Wraps bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `tcp.analysis.retransmission` without fast or spurious.
    public static let retransmission = AnalysisFlags(rawValue: 1 << 0)
    /// `tcp.analysis.fast_retransmission`: resent after two or more duplicate ACKs.
    public static let fastRetransmission = AnalysisFlags(rawValue: 1 << 1)
    /// `tcp.analysis.spurious_retransmission`: resent bytes the peer had acknowledged.
    public static let spuriousRetransmission = AnalysisFlags(rawValue: 1 << 2)
    /// `tcp.analysis.out_of_order`.
    public static let outOfOrder = AnalysisFlags(rawValue: 1 << 3)
    /// `tcp.analysis.lost_segment`: previous segment not captured.
    public static let lostSegment = AnalysisFlags(rawValue: 1 << 4)
    /// `tcp.analysis.ack_lost_segment`: ACKed unseen segment.
    public static let ackedUnseenSegment = AnalysisFlags(rawValue: 1 << 5)
    /// `tcp.analysis.window_update`.
    public static let windowUpdate = AnalysisFlags(rawValue: 1 << 6)
    /// `tcp.analysis.keep_alive`.
    public static let keepAlive = AnalysisFlags(rawValue: 1 << 7)
    /// `tcp.analysis.keep_alive_ack`.
    public static let keepAliveACK = AnalysisFlags(rawValue: 1 << 8)
    /// `tcp.analysis.duplicate_ack`.
    public static let duplicateACK = AnalysisFlags(rawValue: 1 << 9)
    /// `tcp.analysis.zero_window`.
    public static let zeroWindow = AnalysisFlags(rawValue: 1 << 10)
    /// `tcp.analysis.zero_window_probe`.
    public static let zeroWindowProbe = AnalysisFlags(rawValue: 1 << 11)
    /// `tcp.analysis.zero_window_probe_ack`.
    public static let zeroWindowProbeACK = AnalysisFlags(rawValue: 1 << 12)
    /// `tcp.analysis.reused_ports`: a new SYN on a 4-tuple seen before.
    public static let reusedPorts = AnalysisFlags(rawValue: 1 << 13)

    /// Any kind of retransmission, as tshark's `tcp.analysis.retransmission` field shows it
    /// (tshark sets that field for fast and spurious retransmissions too).
    public static let anyRetransmission: AnalysisFlags = [.retransmission, .fastRetransmission, .spuriousRetransmission]

    /// The tshark field names (without `tcp.analysis.`), in a fixed order.
    public var names: [String] {
        rawValue == 0 ? [] : AnalysisFlags.allNames.filter { contains($0.0) }.map(\.1)
    }

    static let allNames: [(AnalysisFlags, String)] = [
        (.retransmission, "retransmission"), (.fastRetransmission, "fast_retransmission"),
        (.spuriousRetransmission, "spurious_retransmission"), (.outOfOrder, "out_of_order"),
        (.lostSegment, "lost_segment"), (.ackedUnseenSegment, "ack_lost_segment"),
        (.windowUpdate, "window_update"), (.keepAlive, "keep_alive"), (.keepAliveACK, "keep_alive_ack"),
        (.duplicateACK, "duplicate_ack"), (.zeroWindow, "zero_window"), (.zeroWindowProbe, "zero_window_probe"),
        (.zeroWindowProbeACK, "zero_window_probe_ack"), (.reusedPorts, "reused_ports"),
    ]
}
