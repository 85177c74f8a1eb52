// The layers between the link and IP, and the tunnels inside IP: each reads its own header
// and names the layer that follows, through the table of ``Encapsulation``.
extension LayerWalk {
    /// Ethernet II: destination, source, EtherType; an IEEE 802.3 length with LLC/SNAP instead
    /// of the EtherType is followed too.
    @inline(__always)
    mutating func ethernet(_ bytes: Window) -> Step {
        guard let type = get(bytes, 12, as: UInt16.self) else { return .done(short) }
        if type < 0x0600 {  // An 802.3 length: LLC follows, and ends where the length says.
            guard let llc = payload(of: bytes, from: 14, to: 14 &+ Int(type)) else { return .done(short) }
            return .next(.llcSNAP, llc)
        }
        return following(etherType: type, bytes, at: 14)
    }

    /// An 802.1Q / 802.1ad tag: priority and VLAN ID, then the EtherType.
    mutating func vlan(_ bytes: Window) -> Step {
        guard let tag = get(bytes, 0, as: UInt16.self), let type = get(bytes, 2, as: UInt16.self) else { return .done(short) }
        vlan = tag & 0x0FFF  // The VLAN identifier: fragments on other VLANs are other datagrams'.
        return following(etherType: type, bytes, at: 4)
    }

    /// An MPLS label stack (RFC 3032 section 2.1) to its bottom entry, then what tshark takes
    /// the payload for: IPv4 or IPv6 after the explicit-null labels or by the first four bits,
    /// else an Ethernet pseudowire, with its control word when the first four bits are 0 (RFC 4385).
    func mpls(_ bytes: Window) -> Step {
        var cursor = 0
        // Each entry moves the cursor by 4 bytes, so the stack ends with the window at the latest.
        while true {
            guard let entry = get(bytes, cursor, as: UInt32.self) else { return .done(short) }
            cursor &+= 4
            guard entry & 0x100 == 0 else {
                guard let payload = bytes.dropFirst(cursor) else { return .done(short) }
                switch entry >> 12 {
                case 0: return .next(.ipv4, payload)  // IPv4 explicit null.
                case 2: return .next(.ipv6, payload)  // IPv6 explicit null.
                default: break
                }
                guard let first = get(payload, 0, as: UInt8.self) else { return .done(short) }
                switch first >> 4 {
                case 4: return .next(.ipv4, payload)
                case 6: return .next(.ipv6, payload)
                case 0: return following(.ethernet, payload, at: 4)
                default: return .next(.ethernet, payload)
                }
            }
        }
    }

    /// A PPPoE session packet (RFC 2516 section 4): version, type, code, session, length,
    /// then the PPP protocol number.
    mutating func pppoeSession(_ bytes: Window) -> Step {
        guard let length = get(bytes, 4, as: UInt16.self),
            let pppProtocol = get(bytes, 6, as: UInt16.self)
        else { return .done(short) }
        guard let layer = Encapsulation(announcedBy: .pppProtocol(pppProtocol)) else { return .done(unknown) }
        // The length counts the PPP protocol field and what follows it.
        guard length >= 2, let pppPayload = payload(of: bytes, from: 8, to: 6 &+ Int(length)) else {
            return .done(.skipped(.malformed))
        }
        return .next(layer, pppPayload)
    }

    /// PPP (RFC 1661 section 2): the address and control bytes when present (RFC 1662), and
    /// a protocol field of one byte when compressed (odd first byte) or two.
    func ppp(_ bytes: Window) -> Step {
        var cursor = 0
        if get(bytes, 0, as: UInt16.self) == 0xFF03 { cursor = 2 }
        guard let first = get(bytes, cursor, as: UInt8.self) else { return .done(short) }
        let pppProtocol: UInt16
        if first & 1 == 1 {
            pppProtocol = UInt16(first)
            cursor &+= 1
        } else {
            guard let value = get(bytes, cursor, as: UInt16.self) else { return .done(short) }
            pppProtocol = value
            cursor &+= 2
        }
        guard let layer = Encapsulation(announcedBy: .pppProtocol(pppProtocol)) else { return .done(unknown) }
        return following(layer, bytes, at: cursor)
    }

    /// UDP (RFC 768): the datagram's ports name the tunnel inside, if any.
    mutating func udp(_ bytes: Window) -> Step {
        guard let sourcePort = get(bytes, 0, as: UInt16.self),
            let destinationPort = get(bytes, 2, as: UInt16.self),
            let length = get(bytes, 4, as: UInt16.self)
        else { return .done(short) }
        guard let layer = Encapsulation.forUDPPorts(sourcePort, destinationPort) else { return .done(.skipped(.notTCP)) }
        // A length of 0 (a jumbogram, RFC 2675) or one past the capture: read what is there.
        let end = length >= 8 ? Int(length) : wireLength(bytes)
        guard let datagram = payload(of: bytes, from: 8, to: end) else { return .done(short) }
        return .next(layer, datagram)
    }

    /// VXLAN (RFC 7348 section 5): flags, VNI, reserved; Ethernet follows.
    func vxlan(_ bytes: Window) -> Step {
        guard bytes.count >= 8 else { return .done(short) }
        return following(.ethernet, bytes, at: 8)
    }

    /// GENEVE (RFC 8926 section 3.4): version and option length, flags, protocol type, VNI,
    /// then the options.
    func geneve(_ bytes: Window) -> Step {
        guard let first = get(bytes, 0, as: UInt8.self),
            let protocolType = get(bytes, 2, as: UInt16.self),
            bytes.count >= 8
        else { return .done(short) }
        guard first >> 6 == 0 else { return .done(.skipped(.malformed)) }  // Only version 0 exists.
        return following(etherType: protocolType, bytes, at: 8 &+ Int(first & 0x3F) &* 4)
    }

    /// GTP-U (3GPP TS 29.281 section 5): the G-PDU header, its optional fields and extension
    /// headers, then an IPv4 or IPv6 packet.
    func gtpUser(_ bytes: Window) -> Step {
        guard let flags = get(bytes, 0, as: UInt8.self),
            let messageType = get(bytes, 1, as: UInt8.self),
            bytes.count >= 8
        else { return .done(short) }
        guard flags >> 5 == 1, flags & 0x10 != 0 else { return .done(.skipped(.malformed)) }  // Version 1, GTP (not GTP').
        guard messageType == 0xFF else { return .done(.skipped(.notTCP)) }  // Echo, error indication, end marker.
        var cursor = 8
        if flags & 0x07 != 0 {  // E, S or PN: sequence number, N-PDU number, next extension type.
            guard var next = get(bytes, 11, as: UInt8.self) else { return .done(short) }
            cursor = 12
            // Each extension header: its length in 4-byte units, content, the next type.
            while next != 0 {
                guard let units = get(bytes, cursor, as: UInt8.self) else { return .done(short) }
                guard units > 0 else { return .done(.skipped(.malformed)) }
                let length = Int(units) &* 4
                guard let following = get(bytes, cursor &+ length &- 1, as: UInt8.self) else { return .done(short) }
                next = following
                cursor &+= length
            }
        }
        guard let payload = bytes.dropFirst(cursor) else { return .done(short) }
        return ipByVersion(payload)
    }

    /// L2TP version 2 (RFC 2661 section 3.1): data messages carry PPP; control messages do not.
    func l2tp(_ bytes: Window) -> Step {
        guard let flags = get(bytes, 0, as: UInt16.self) else { return .done(short) }
        guard flags & 0x000F == 2 else { return .done(.skipped(.notTCP)) }  // L2TPv3 and others.
        guard flags & 0x8000 == 0 else { return .done(.skipped(.notTCP)) }  // A control message.
        var offset = 2
        if flags & 0x4000 != 0 { offset &+= 2 }  // Length.
        offset &+= 4  // Tunnel ID, session ID.
        if flags & 0x0800 != 0 { offset &+= 4 }  // Ns, Nr.
        if flags & 0x0200 != 0 {  // Offset size, then that much padding.
            guard let padding = get(bytes, offset, as: UInt16.self) else { return .done(short) }
            offset &+= 2 &+ Int(padding)
        }
        return following(.ppp, bytes, at: offset)
    }

    /// GRE (RFC 2784 with the key and sequence number of RFC 2890; version 1 as PPTP uses it,
    /// RFC 2637 section 4.1): the optional fields the flags announce, then the protocol type.
    func gre(_ bytes: Window) -> Step {
        guard let flags = get(bytes, 0, as: UInt16.self),
            let protocolType = get(bytes, 2, as: UInt16.self)
        else { return .done(short) }
        let version = flags & 0x0007
        guard version <= 1, flags & 0x4000 == 0 else { return .done(.skipped(.notTCP)) }  // Source routing (RFC 1701) is obsolete.
        var offset = 4
        if flags & 0x8000 != 0 { offset &+= 4 }  // Checksum and reserved.
        if flags & 0x2000 != 0 { offset &+= 4 }  // Key (version 1: payload length and call ID).
        let hasSequence = flags & 0x1000 != 0
        if hasSequence { offset &+= 4 }
        if version == 1 && flags & 0x0080 != 0 { offset &+= 4 }  // Acknowledgment number.
        guard let layer = Encapsulation.forGREProtocol(protocolType) else { return .done(.skipped(.notTCP)) }
        // ERSPAN type I is type II's protocol type without a sequence number, and no header.
        if layer == .erspanII && !hasSequence { return following(.ethernet, bytes, at: offset) }
        return following(layer, bytes, at: offset)
    }

    /// ERSPAN type II: version, VLAN, COS, session, index; the mirrored Ethernet frame follows.
    func erspanII(_ bytes: Window) -> Step {
        guard bytes.count >= 8 else { return .done(short) }
        return following(.ethernet, bytes, at: 8)
    }

    /// ERSPAN type III: 12 bytes, and an 8-byte platform header when the O flag is set.
    func erspanIII(_ bytes: Window) -> Step {
        guard let flags = get(bytes, 11, as: UInt8.self) else { return .done(short) }
        return following(.ethernet, bytes, at: flags & 0x01 != 0 ? 20 : 12)
    }

    /// An IEEE 802.11 data frame (IEEE 802.11-2020 section 9.3.2.1): frame control, duration,
    /// addresses, sequence control, a fourth address between access points, QoS and HT
    /// control when present; LLC/SNAP follows. Encrypted frames cannot be read.
    func ieee80211(_ bytes: Window) -> Step {
        guard let control = get(bytes, 0, as: UInt8.self),
            let frameFlags = get(bytes, 1, as: UInt8.self)
        else { return .done(short) }
        let frameType = (control >> 2) & 0x03
        let subtype = control >> 4
        // Data frames only, with data (not the null-function subtypes), and not protected.
        guard frameType == 2, subtype & 0x04 == 0, frameFlags & 0x40 == 0 else { return .done(unknown) }
        var length = 24
        if frameFlags & 0x03 == 0x03 { length &+= 6 }  // To DS and from DS: a fourth address.
        if subtype & 0x08 != 0 {
            length &+= 2  // QoS control.
            if frameFlags & 0x80 != 0 { length &+= 4 }  // HT control, with the order bit.
        }
        return following(.llcSNAP, bytes, at: length)
    }

    /// IEEE 802.2 LLC with a SNAP header (RFC 1042): AA AA 03, an OUI, then an EtherType.
    func llcSNAP(_ bytes: Window) -> Step {
        guard let saps = get(bytes, 0, as: UInt16.self), let control = get(bytes, 2, as: UInt8.self)
        else { return .done(short) }
        guard saps == 0xAAAA, control == 0x03 else { return .done(unknown) }  // Other LLC (spanning tree, ...).
        guard let type = get(bytes, 6, as: UInt16.self) else { return .done(short) }
        return following(etherType: type, bytes, at: 8)
    }
}
