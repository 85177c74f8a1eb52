/// A header the decoder unwraps on its way from the link layer to the TCP header.
///
/// tshark annotates the innermost TCP of a tunnelled frame and keys its streams by the inner
/// addresses and ports only, so the decoder walks every layer below; each case names the
/// document that defines it. Which number announces which layer is in one table,
/// ``Encapsulation/announcements``, from which the decoder's look-ups derive.
public enum Encapsulation: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Ethernet II (IEEE 802.3), also inside VXLAN, GENEVE, GRE bridging, ERSPAN and MPLS pseudowires.
    case ethernet = "Ethernet"
    /// An IEEE 802.1Q or 802.1ad VLAN tag (4 bytes; the EtherType follows).
    case vlan = "VLAN tag"
    /// An MPLS label stack (RFC 3032), then IPv4, IPv6 or an Ethernet pseudowire (RFC 4448).
    case mpls = "MPLS"
    /// A PPPoE session (RFC 2516): 6 bytes, then a PPP protocol number.
    case pppoeSession = "PPPoE session"
    /// PPP (RFC 1661), as carried by L2TP or GRE: optional address and control bytes, protocol.
    case ppp = "PPP"
    /// IPv4 (RFC 791); as a payload of IP, IP in IP (RFC 2003).
    case ipv4 = "IPv4"
    /// IPv6 (RFC 8200); as a payload of IP, RFC 2473 (IPv6 in IPv6) or RFC 4213 (6in4).
    case ipv6 = "IPv6"
    /// GRE (RFC 2784, RFC 2890; version 1 as in PPTP, RFC 2637), also over UDP (RFC 8086).
    case gre = "GRE"
    /// UDP (RFC 768), whose port names the tunnel inside.
    case udp = "UDP"
    /// VXLAN (RFC 7348): 8 bytes, then Ethernet.
    case vxlan = "VXLAN"
    /// GENEVE (RFC 8926): 8 bytes and options, then the protocol its EtherType names.
    case geneve = "GENEVE"
    /// GTP-U (3GPP TS 29.281): the user-plane header and extension headers, then IP.
    case gtpUser = "GTP-U"
    /// L2TP version 2 data messages (RFC 2661), then PPP.
    case l2tp = "L2TP"
    /// ERSPAN type II (8 bytes, then Ethernet); type I when GRE carries no sequence number.
    case erspanII = "ERSPAN type II"
    /// ERSPAN type III (12 bytes and an optional 8-byte platform header, then Ethernet).
    case erspanIII = "ERSPAN type III"
    /// IEEE 802.11 data frames, as Aruba access points tunnel them in GRE.
    case ieee80211 = "IEEE 802.11"
    /// IEEE 802.2 LLC with a SNAP header (RFC 1042): 8 bytes ending in an EtherType.
    case llcSNAP = "LLC/SNAP"
    /// An IPsec Authentication Header (RFC 4302) in IPv4, in tunnel or transport mode.
    case authenticationHeader = "IPsec AH"
    /// IP payload compression (RFC 3173) with DEFLATE (RFC 2394), inflated as tshark does.
    case ipComp = "IPComp"

    /// The layer's name.
    public var description: String { rawValue }

    /// A number in an outer header that says which header follows.
    public enum Announcement: Hashable, Sendable {
        /// An EtherType: in Ethernet, VLAN tags, Linux cooked captures, GENEVE, and GRE.
        case etherType(UInt16)
        /// A GRE protocol type that only GRE uses.
        case greProtocol(UInt16)
        /// An IPv4 protocol or IPv6 next-header number (the IANA protocol numbers registry).
        case ipProtocol(UInt8)
        /// A UDP port (the IANA service name and port number registry).
        case udpPort(UInt16)
        /// A PPP protocol number (the IANA PPP DLL protocol numbers registry).
        case pppProtocol(UInt16)
    }

    /// Which number announces which layer: the one table the decoder's look-ups derive from.
    public static let announcements: [(Announcement, Encapsulation)] = [
        (.etherType(0x0800), .ipv4),
        (.etherType(0x86DD), .ipv6),
        (.etherType(0x8100), .vlan),  // 802.1Q.
        (.etherType(0x88A8), .vlan),  // 802.1ad (QinQ).
        (.etherType(0x9100), .vlan),  // The pre-standard QinQ tag.
        (.etherType(0x8847), .mpls),  // Unicast.
        (.etherType(0x8848), .mpls),  // Multicast.
        (.etherType(0x8864), .pppoeSession),
        (.etherType(0x6558), .ethernet),  // Transparent Ethernet bridging (GRE, GENEVE).
        (.greProtocol(0x880B), .ppp),  // PPTP's enhanced GRE.
        (.greProtocol(0x88BE), .erspanII),
        (.greProtocol(0x22EB), .erspanIII),
        (.greProtocol(0x8200), .ieee80211),  // Aruba WLAN tunnels.
        (.greProtocol(0x8210), .ieee80211),
        (.ipProtocol(4), .ipv4),
        (.ipProtocol(41), .ipv6),
        (.ipProtocol(47), .gre),
        (.ipProtocol(17), .udp),
        (.ipProtocol(51), .authenticationHeader),
        (.ipProtocol(108), .ipComp),
        (.udpPort(4789), .vxlan),
        (.udpPort(6081), .geneve),
        (.udpPort(2152), .gtpUser),
        (.udpPort(1701), .l2tp),
        (.udpPort(4754), .gre),
        (.pppProtocol(0x0021), .ipv4),
        (.pppProtocol(0x0057), .ipv6),
        (.pppProtocol(0x0281), .mpls),
    ]

    /// The layer a number announces, or nil when the decoder does not follow it.
    public init?(announcedBy announcement: Announcement) {
        guard let layer = Encapsulation.lookup[announcement] else { return nil }
        self = layer
    }

    private static let lookup: [Announcement: Encapsulation] = Dictionary(
        announcements.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })

    /// The layer after an EtherType, with IPv4 and IPv6 answered without a table look-up:
    /// they are nearly every frame.
    @inline(__always)
    static func forEtherType(_ type: UInt16) -> Encapsulation? {
        switch type {
        case 0x0800: return .ipv4
        case 0x86DD: return .ipv6
        default: return Encapsulation(announcedBy: .etherType(type))
        }
    }

    /// The layer after a GRE protocol type: GRE's own numbers, then the EtherTypes.
    static func forGREProtocol(_ type: UInt16) -> Encapsulation? {
        Encapsulation(announcedBy: .greProtocol(type)) ?? forEtherType(type)
    }

    /// The layer a UDP datagram carries, trying the lower port first as tshark does.
    static func forUDPPorts(_ source: UInt16, _ destination: UInt16) -> Encapsulation? {
        let (low, high) = source < destination ? (source, destination) : (destination, source)
        return Encapsulation(announcedBy: .udpPort(low)) ?? Encapsulation(announcedBy: .udpPort(high))
    }
}
