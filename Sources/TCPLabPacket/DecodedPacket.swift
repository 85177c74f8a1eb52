/// What the decoder made of one captured frame: a TCP segment, or why it was skipped.
public enum DecodedPacket: Hashable, Sendable {
    /// A TCP segment: its header captured whole, or at least to the flags.
    case tcp(TCPSegment)
    /// A frame the analysis passes over, and why.
    case skipped(SkipReason)

    /// Why a frame carries no TCP segment the analysis can use.
    public enum SkipReason: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// Not IPv4 or IPv6 (ARP, for instance).
        case notIP = "not IP"
        /// IP, but not TCP (UDP, ICMP, ...).
        case notTCP = "not TCP"
        /// An IPv4 or IPv6 fragment: the TCP header cannot be read alone.
        case fragment = "IP fragment"
        /// The capture's snap length cut the frame before the TCP flags (a header cut after
        /// them still gives a segment, marked ``TCPSegment/headerCut``).
        case headerCut = "TCP header cut by snap length"
        /// A header field is impossible (bad version, lengths that do not fit).
        case malformed = "malformed header"
        /// Tunnels nested deeper than ``PacketDecoder/maximumLayers``.
        case tooDeep = "encapsulations nested too deep"
        /// The link type is not one the decoder knows.
        case unsupportedLinkType = "unsupported link type"

        /// The reason in words.
        public var description: String { rawValue }
    }
}
