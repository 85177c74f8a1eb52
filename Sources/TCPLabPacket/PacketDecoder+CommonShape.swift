// The short cut for the frame nearly every capture is made of.

/// The commonest frame, decoded in one pass: a link header that announces IPv4 (Ethernet II,
/// Linux cooked SLL or SLL2, BSD null or loop, raw IP), an IPv4 header of 20 bytes that is no
/// fragment and carries TCP, and a TCP header the capture holds whole.
///
/// ``LayerWalk`` hands each layer's answer down as a ``LayerWalk/Step`` and builds the
/// ``TCPSegment`` inside an enum that every layer copies on; this reads the same fields with
/// the same bounds-checked ``ByteReader`` and builds the segment once (a tenth of the
/// walk's instructions). Anything else about the frame (another EtherType, IP options, a
/// fragment, a zero total length, a cut or impossible header) gives nil, and the walk decides:
/// the two must agree on every frame this accepts, which a test over synthetic frames and
/// the capture fuzz target check.
enum CommonShape {
    /// The segment the walk would give for `frame`, or nil when the frame is not of the common
    /// shape. `uncaptured` is how many bytes the snap length dropped.
    @inline(__always)
    static func segment(in frame: ByteReader, linkType: LinkType, uncaptured: Int) -> TCPSegment? {
        guard let ip = ipv4Offset(in: frame, linkType: linkType) else { return nil }
        // IPv4 (RFC 791 section 3.1), read in three loads: version and header length, total
        // length and fragment field; protocol and source; destination.
        guard let first = frame.getInteger(at: ip, as: UInt64.self),
            let second = frame.getInteger(at: ip &+ 8, as: UInt64.self),
            let destination = frame.getInteger(at: ip &+ 16, as: UInt32.self)
        else { return nil }
        let declaredTotal = UInt16(truncatingIfNeeded: first &>> 32)
        // Version 4 and 5 words of header, no fragment (MF clear, offset 0), TCP.
        guard first &>> 56 == 0x45, declaredTotal >= 20, first & 0x3FFF == 0, UInt8(truncatingIfNeeded: second &>> 48) == 6
        else { return nil }
        let source = UInt32(truncatingIfNeeded: second)
        // As the walk does: the total length counts at most to the packet's end on the wire,
        // and the TCP bytes end where it says or where the capture does, whichever is first.
        let captured = frame.count &- ip  // At least 20: the reads above succeeded.
        let totalLength = min(Int(declaredTotal), captured &+ uncaptured)
        let tcp = ip &+ 20
        let tcpCaptured = min(totalLength, captured) &- 20
        let declaredLength = totalLength &- 20
        // TCP (RFC 9293 section 3.1), its header captured whole.
        guard tcpCaptured >= 20,
            let ports = frame.getInteger(at: tcp, as: UInt64.self),  // Ports, then the sequence number.
            let numbers = frame.getInteger(at: tcp &+ 8, as: UInt64.self)  // Acknowledgment, offset and flags, window.
        else { return nil }
        let sourcePort = UInt16(truncatingIfNeeded: ports &>> 48)
        let destinationPort = UInt16(truncatingIfNeeded: ports &>> 32)
        let sequenceNumber = UInt32(truncatingIfNeeded: ports)
        let acknowledgmentNumber = UInt32(truncatingIfNeeded: numbers &>> 32)
        let offsetAndFlags = UInt16(truncatingIfNeeded: numbers &>> 16)
        let window = UInt16(truncatingIfNeeded: numbers)
        let headerLength = Int(offsetAndFlags >> 12) &* 4
        guard headerLength >= 20, declaredLength >= headerLength, tcpCaptured >= headerLength else { return nil }
        var options = TCPOptions()
        if headerLength == 32, frame.getInteger(at: tcp &+ 20, as: UInt32.self) == 0x0101_080A,
            let stamps = frame.getInteger(at: tcp &+ 24, as: UInt64.self)
        {
            // NOP, NOP, timestamps (RFC 7323 appendix A's layout): what most segments after
            // the handshake carry, and what the option parser makes of those 12 bytes.
            options.timestamp = TCPOptions.Timestamp(
                value: UInt32(truncatingIfNeeded: stamps &>> 32), echoReply: UInt32(truncatingIfNeeded: stamps))
        } else if headerLength > 20 {
            guard let bytes = frame.getSlice(at: tcp &+ 20, length: headerLength &- 20) else { return nil }
            options = TCPOptions(parsing: bytes)
        }
        return TCPSegment(
            source: Endpoint(address: .v4(source), port: sourcePort),
            destination: Endpoint(address: .v4(destination), port: destinationPort),
            sequenceNumber: sequenceNumber,
            acknowledgmentNumber: acknowledgmentNumber,
            flags: TCPFlags(rawValue: offsetAndFlags & TCPFlags.headerMask),
            window: window,
            headerLength: headerLength,
            payloadLength: declaredLength &- headerLength,
            options: options,
            headerCut: false,
            payloadOffset: tcp &+ headerLength)
    }

    /// Where the IPv4 header starts, when the link header announces IPv4 as the walk's
    /// ``LayerWalk/link(_:linkType:)`` reads it; nil for anything else.
    @inline(__always)
    static func ipv4Offset(in frame: ByteReader, linkType: LinkType) -> Int? {
        switch linkType {
        case .ethernet:
            return frame.getInteger(at: 12, as: UInt16.self) == 0x0800 ? 14 : nil
        case .linuxSLL:
            return frame.getInteger(at: 14, as: UInt16.self) == 0x0800 ? 16 : nil
        case .linuxSLL2:
            return frame.getInteger(at: 0, as: UInt16.self) == 0x0800 && frame.count >= 20 ? 20 : nil
        case .null, .loop:
            // AF_INET is 2, in the writer's byte order for NULL and network order for LOOP.
            guard let family = frame.getInteger(at: 0, as: UInt32.self) else { return nil }
            return family == 2 || (linkType == .null && family.byteSwapped == 2) ? 4 : nil
        case .raw, .rawBSD12, .rawBSD14, .ipv4, .ipv6:
            return 0  // The version in the first four bits decides; the IPv4 check reads it.
        default:
            return nil
        }
    }
}
