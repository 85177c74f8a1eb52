/// The link-layer header type of captured packets.
///
/// Stands for the LINKTYPE_ values of the pcap and pcapng formats (the tcpdump.org
/// link-layer header types registry, draft-ietf-opsawg-pcaplinktype).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The registry number.
    public let rawValue: UInt32

    /// Wraps a registry number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback (LINKTYPE_NULL, 0): a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// Ethernet (LINKTYPE_ETHERNET, 1); also what a capture on Linux `lo` gives.
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP as some BSDs number it in files (DLT_RAW, 12).
    public static let rawBSD12 = LinkType(rawValue: 12)
    /// Raw IP as OpenBSD numbers it in files (DLT_RAW, 14).
    public static let rawBSD14 = LinkType(rawValue: 14)
    /// Raw IP (LINKTYPE_RAW, 101): the packet starts with the IPv4 or IPv6 header.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback (LINKTYPE_LOOP, 108): a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113), what the `any` device gives.
    public static let linuxSLL = LinkType(rawValue: 113)
    /// Raw IPv4 (LINKTYPE_IPV4, 228).
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6 (LINKTYPE_IPV6, 229).
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276).
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether the decoder understands this link type.
    public var isSupported: Bool { LinkType.names[rawValue] != nil }

    /// The registry's name ("ETHERNET") or "LINKTYPE 147" for others.
    public var description: String { LinkType.names[rawValue] ?? "LINKTYPE \(rawValue)" }

    private static let names: [UInt32: String] = [
        0: "NULL", 1: "ETHERNET", 12: "RAW", 14: "RAW", 101: "RAW", 108: "LOOP",
        113: "LINUX_SLL", 228: "IPV4", 229: "IPV6", 276: "LINUX_SLL2",
    ]
}
