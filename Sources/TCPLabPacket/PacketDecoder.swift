/// Decodes captured frames (link header, any tunnels, IPv4 or IPv6, TCP) into ``TCPSegment`` values.
///
/// Link types: Ethernet, Linux cooked capture (SLL and SLL2), BSD null and OpenBSD loop, and
/// raw IP. Below them, the layers of ``Encapsulation`` (VLAN tags, MPLS, PPPoE, GRE, ERSPAN,
/// VXLAN, GENEVE, GTP-U, L2TP, IP in IP, IPsec AH, Aruba's 802.11 in GRE) are unwrapped down
/// to the innermost TCP header, as tshark does; IPv6 extension headers are skipped (RFC 8200
/// section 4). Given a ``FragmentReassembler``, IP fragments are put back together and the
/// walk goes on in the whole datagram. Every read goes through ``ByteReader``, so no byte a
/// file holds can make the decoder read past the captured bytes or trap.
public enum PacketDecoder {
    /// The most layers one frame may stack (each VLAN tag, label stack, tunnel header and IP
    /// header counts one); a frame nesting deeper is passed over, so a hostile file cannot
    /// make decoding slow however it nests tunnels.
    public static let maximumLayers = 24

    /// Decodes one frame.
    ///
    /// - Parameters:
    ///   - frame: The captured bytes, starting with the link-layer header.
    ///   - linkType: The capture interface's link type.
    ///   - originalLength: The frame's length on the wire; more than `frame.count` when the
    ///     snap length cut it. Used to tell a cut header from a malformed one.
    public static func decode(_ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        decode(frame, linkType: linkType, originalLength: originalLength, reassembler: nil, time: 0)
    }

    /// Decodes one frame of a stream of frames, putting fragmented IP datagrams back
    /// together: a fragment that completes its datagram decodes as what the datagram
    /// carries; the others, and a fragment without `reassembler`, as
    /// ``DecodedPacket/SkipReason/fragment``.
    ///
    /// - Parameters:
    ///   - reassembler: What holds the stream's fragments until their datagrams are whole.
    ///   - time: The frame's capture time, in nanoseconds: fragments wait only so long.
    public static func decode(
        _ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int? = nil, reassembling reassembler: FragmentReassembler, time: Int64
    ) -> DecodedPacket {
        decode(frame, linkType: linkType, originalLength: originalLength, reassembler: reassembler, time: time)
    }

    @inline(__always)
    private static func decode(
        _ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int?, reassembler: FragmentReassembler?, time: Int64
    ) -> DecodedPacket {
        let uncaptured = max((originalLength ?? frame.count) &- frame.count, 0)
        let bytes = ByteReader(frame)
        // The common shape has no fragment: it needs no reassembler.
        if let segment = CommonShape.segment(in: bytes, linkType: linkType, uncaptured: uncaptured) { return .tcp(segment) }
        var walk = LayerWalk(frame: bytes, wasCut: uncaptured > 0, uncaptured: uncaptured, reassembler: reassembler, time: time)
        return walk.decode(linkType: linkType)
    }

    /// The commonest frame's decoding alone (Ethernet II, Linux cooked, BSD loopback or raw
    /// IP; IPv4 without options or fragmentation; a TCP header captured whole): the segment
    /// ``decode(_:linkType:originalLength:)`` gives, or nil for any other frame, which the
    /// layer-by-layer walk decodes. For tests and the fuzz target, which check that the two
    /// ways agree.
    public static func decodeCommonShape(_ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int? = nil) -> TCPSegment? {
        let uncaptured = max((originalLength ?? frame.count) &- frame.count, 0)
        return CommonShape.segment(in: ByteReader(frame), linkType: linkType, uncaptured: uncaptured)
    }

    /// The layer-by-layer decoding alone, without the common shape's short cut: what
    /// ``decode(_:linkType:originalLength:)`` gives for every frame. For tests and the fuzz target.
    public static func decodeLayerByLayer(_ frame: ArraySlice<UInt8>, linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        let uncaptured = max((originalLength ?? frame.count) &- frame.count, 0)
        var walk = LayerWalk(frame: ByteReader(frame), wasCut: uncaptured > 0, uncaptured: uncaptured)
        return walk.decode(linkType: linkType)
    }

    /// The same, for a whole array.
    public static func decode(_ frame: [UInt8], linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        decode(frame[...], linkType: linkType, originalLength: originalLength)
    }
}

/// One frame's way down through its layers.
///
/// The frame is one ``ByteReader``; each layer is a ``Window`` on it, offsets only, so going
/// down a layer copies nothing and touches no reference count (decoding is on the hot path
/// of `tcplab inspect`).
struct LayerWalk {
    /// The captured frame, or a payload made from it (inflated out of IPComp, or a datagram
    /// whose fragments were put back together); every read goes through it.
    var frame: ByteReader
    /// Whether the snap length cut the frame: a header that ends early is then "cut", not "malformed".
    var wasCut: Bool
    /// Bytes the snap length dropped after the current layer's bytes: 0 once a layer's own
    /// length field ends it inside the captured bytes. With it a layer knows how long its
    /// packet was on the wire, and a length field claiming more is cut to that, as tshark
    /// does ("IPv4 total length exceeds packet length").
    var uncaptured: Int
    /// Whether an IP header was passed: an unknown payload after it is "not TCP", before it "not IP".
    var sawIP = false
    /// Whether ``frame`` holds bytes made from the captured frame (inflated or reassembled)
    /// rather than the frame: a segment's payload then lies in no frame.
    var isInflated = false
    /// What puts fragmented datagrams back together; without it a fragment is passed over.
    var reassembler: FragmentReassembler? = nil
    /// The frame's capture time, for the reassembler.
    var time: Int64 = 0
    /// The innermost 802.1Q VLAN identifier passed, 0 for none: part of an IPv4 fragment's
    /// key, as in tshark, so that the same addresses on two VLANs are two hosts' datagrams.
    var vlan: UInt16 = 0

    /// What a layer's unwrapping gave: the next layer and its bytes, or the end of the walk.
    enum Step {
        case next(Encapsulation, Window)
        /// An IP payload made from the frame (inflated out of IPComp, or a reassembled
        /// datagram's), to walk on from as a frame of its own.
        case inflated(ByteReader, nextProtocol: UInt8, source: IPAddress, destination: IPAddress)
        case done(DecodedPacket)
    }

    /// The answer for a header that ends before its fixed fields do.
    var short: DecodedPacket { .skipped(wasCut ? .headerCut : .malformed) }

    /// The answer for a payload no layer in the table follows.
    var unknown: DecodedPacket { .skipped(sawIP ? .notTCP : .notIP) }

    @inline(__always)
    mutating func decode(linkType: LinkType) -> DecodedPacket {
        var step = link(Window(start: 0, count: frame.count), linkType: linkType)
        var depth = 0
        while true {
            switch step {
            case .next(let layer, let bytes):
                depth &+= 1
                guard depth <= PacketDecoder.maximumLayers else { return .skipped(.tooDeep) }
                step = unwrap(layer, bytes)
            case .inflated(let bytes, let nextProtocol, let source, let destination):
                depth &+= 1
                guard depth <= PacketDecoder.maximumLayers else { return .skipped(.tooDeep) }
                // The bytes are whole: the walk goes on in them as in a frame. After IPv6, they
                // may begin with more extension headers (RFC 8200 section 4.5 puts those after a
                // Fragment header in the fragmentable part).
                frame = bytes
                isInflated = true
                wasCut = false
                uncaptured = 0
                let whole = Window(start: 0, count: bytes.count)
                if source.isIPv6 {
                    step = ipv6Extensions(
                        whole, nextHeader: nextProtocol, remaining: bytes.count, declared: bytes.count,
                        source: source, destination: destination)
                } else {
                    step = ipPayload(nextProtocol, whole, declaredLength: bytes.count, source: source, destination: destination)
                }
            case .done(let packet):
                return packet
            }
        }
    }

    /// The step after a link-layer header.
    @inline(__always)
    mutating func link(_ bytes: Window, linkType: LinkType) -> Step {
        switch linkType {
        case .ethernet:
            return .next(.ethernet, bytes)
        case .linuxSLL:
            // 16 bytes; the protocol, an EtherType for IP, is the last two.
            guard let type = get(bytes, 14, as: UInt16.self) else { return .done(short) }
            return following(etherType: type, bytes, at: 16)
        case .linuxSLL2:
            // 20 bytes; the protocol comes first.
            guard let type = get(bytes, 0, as: UInt16.self), bytes.count >= 20 else { return .done(short) }
            return following(etherType: type, bytes, at: 20)
        case .null, .loop:
            // The family is in the writer's byte order for NULL, network order for LOOP;
            // IPv6 is 24, 28 or 30 depending on the BSD that wrote it.
            guard let family = get(bytes, 0, as: UInt32.self) else { return .done(short) }
            let other = linkType == .loop ? family : family.byteSwapped
            if family == 2 || other == 2 { return following(etherType: 0x0800, bytes, at: 4) }
            if Self.isIPv6Family(family) || Self.isIPv6Family(other) { return following(etherType: 0x86DD, bytes, at: 4) }
            return .done(.skipped(.notIP))
        case .raw, .rawBSD12, .rawBSD14, .ipv4, .ipv6:
            return ipByVersion(bytes)
        default:
            return .done(.skipped(.unsupportedLinkType))
        }
    }

    /// Unwraps one layer.
    @inline(__always)
    mutating func unwrap(_ layer: Encapsulation, _ bytes: Window) -> Step {
        switch layer {
        case .ethernet: return ethernet(bytes)
        case .vlan: return vlan(bytes)
        case .mpls: return mpls(bytes)
        case .pppoeSession: return pppoeSession(bytes)
        case .ppp: return ppp(bytes)
        case .ipv4: return ipv4(bytes)
        case .ipv6: return ipv6(bytes)
        case .gre: return gre(bytes)
        case .udp: return udp(bytes)
        case .vxlan: return vxlan(bytes)
        case .geneve: return geneve(bytes)
        case .gtpUser: return gtpUser(bytes)
        case .l2tp: return l2tp(bytes)
        case .erspanII: return erspanII(bytes)
        case .erspanIII: return erspanIII(bytes)
        case .ieee80211: return ieee80211(bytes)
        case .llcSNAP: return llcSNAP(bytes)
        case .authenticationHeader, .ipComp: return .done(.skipped(.malformed))  // Only ever inside IP, handled there.
        }
    }

    /// The bytes from `offset` to `end`, where a length field says the layer's packet ends
    /// (both counted from the start of `bytes`), cut where the capture ends; nil when `end`
    /// lies before `offset`.
    @inline(__always)
    mutating func payload(of bytes: Window, from offset: Int, to end: Int) -> Window? {
        guard end < bytes.count else { return bytes.slice(at: offset, length: bytes.count &- offset) }
        uncaptured = 0
        return bytes.slice(at: offset, length: end &- offset)
    }

    /// How long `bytes` were on the wire.
    @inline(__always)
    func wireLength(_ bytes: Window) -> Int { bytes.count &+ uncaptured }

    /// The integer at `offset` in a layer's window, in network byte order; nil unless all its
    /// bytes lie inside the window (and so inside the frame).
    @inline(__always)
    func get<T: FixedWidthInteger>(_ bytes: Window, _ offset: Int, as: T.Type = T.self) -> T? {
        guard offset >= 0, offset <= bytes.count &- MemoryLayout<T>.size else { return nil }
        return frame.getInteger(at: bytes.start &+ offset, as: T.self)
    }

    /// The layer an EtherType names, over the bytes from `offset` on.
    @inline(__always)
    func following(etherType: UInt16, _ bytes: Window, at offset: Int) -> Step {
        guard let layer = Encapsulation.forEtherType(etherType) else { return .done(unknown) }
        return following(layer, bytes, at: offset)
    }

    /// `layer` over the bytes from `offset` on.
    @inline(__always)
    func following(_ layer: Encapsulation, _ bytes: Window, at offset: Int) -> Step {
        guard let rest = bytes.slice(at: offset, length: bytes.count &- offset) else { return .done(short) }
        return .next(layer, rest)
    }

    /// AF_INET6 as NetBSD/OpenBSD (24), FreeBSD (28) and Darwin (30) number it.
    static func isIPv6Family(_ family: UInt32) -> Bool {
        family == 24 || family == 28 || family == 30
    }

    /// IPv4 or IPv6, as the version in the first four bits says (raw IP, GTP-U, MPLS).
    func ipByVersion(_ bytes: Window) -> Step {
        guard let first = get(bytes, 0, as: UInt8.self) else { return .done(short) }
        switch first >> 4 {
        case 4: return .next(.ipv4, bytes)
        case 6: return .next(.ipv6, bytes)
        default: return .done(.skipped(.malformed))
        }
    }
}

/// A layer's bytes: where in the frame they start and how many there are.
struct Window {
    /// Offset of the layer's first byte in the frame.
    let start: Int
    /// How many bytes the layer has (to its end, or the capture's).
    let count: Int

    /// The `length` bytes from `offset`, as a window; nil unless they lie inside this one.
    @inline(__always)
    func slice(at offset: Int, length: Int) -> Window? {
        guard offset >= 0, length >= 0, offset <= count &- length else { return nil }
        return Window(start: start &+ offset, count: length)
    }

    /// The bytes from `offset` to the end; nil when `offset` lies past it.
    @inline(__always)
    func dropFirst(_ offset: Int) -> Window? { slice(at: offset, length: count &- offset) }
}
