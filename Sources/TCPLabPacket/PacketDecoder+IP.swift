// IPv4, IPv6 with its extension headers, IPsec AH, and the TCP header at the bottom.
extension LayerWalk {
    /// IPv4 (RFC 791 section 3.1).
    @inline(__always)
    mutating func ipv4(_ bytes: Window) -> Step {
        guard bytes.count >= 20,
            let versionAndLength = get(bytes, 0, as: UInt8.self),
            let declaredTotal = get(bytes, 2, as: UInt16.self),
            let fragment = get(bytes, 6, as: UInt16.self),
            let nextProtocol = get(bytes, 9, as: UInt8.self),
            let source = get(bytes, 12, as: UInt32.self),
            let destination = get(bytes, 16, as: UInt32.self)
        else { return .done(short) }
        let headerLength = Int(versionAndLength & 0x0F) &* 4
        guard versionAndLength >> 4 == 4, headerLength >= 20 else { return .done(.skipped(.malformed)) }
        guard bytes.count >= headerLength else { return .done(short) }
        sawIP = true
        var totalLength = Int(declaredTotal)
        // With segmentation offload a sender's capture shows 0; trust the frame then.
        if totalLength == 0 && !wasCut { totalLength = bytes.count }
        guard totalLength >= headerLength else { return .done(.skipped(.malformed)) }
        let isFragment = fragment & 0x3FFF != 0  // MF set or offset > 0.
        if isFragment && reassembler == nil { return .done(.skipped(.fragment)) }
        // What the header says the fragment holds, before the cut below: a fragment without
        // all of it cannot complete its datagram.
        let declaredPayload = totalLength &- headerLength
        // A total length past the packet's end on the wire counts only to that end.
        totalLength = min(totalLength, wireLength(bytes))
        // The payload ends where the header says, not where the frame does (Ethernet padding).
        guard let payload = payload(of: bytes, from: headerLength, to: totalLength) else { return .done(short) }
        if isFragment {
            guard let identification = get(bytes, 4, as: UInt16.self) else { return .done(short) }
            let key = FragmentReassembler.Key(
                source: .v4(source), destination: .v4(destination), transport: nextProtocol,
                identification: UInt32(identification), vlan: vlan)
            return reassemble(
                payload, declaredLength: declaredPayload, key: key, offset: Int(fragment & 0x1FFF) &* 8,
                isLast: fragment & 0x2000 == 0, nextProtocol: nextProtocol)
        }
        return ipPayload(
            nextProtocol, payload, declaredLength: totalLength &- headerLength,
            source: .v4(source), destination: .v4(destination))
    }

    /// IPv6 (RFC 8200 section 3), walking the extension headers of section 4.
    mutating func ipv6(_ bytes: Window) -> Step {
        guard bytes.count >= 40,
            let first = get(bytes, 0, as: UInt8.self),
            let payloadLength = get(bytes, 4, as: UInt16.self),
            let firstNextHeader = get(bytes, 6, as: UInt8.self),
            let sourceHigh = get(bytes, 8, as: UInt64.self),
            let sourceLow = get(bytes, 16, as: UInt64.self),
            let destinationHigh = get(bytes, 24, as: UInt64.self),
            let destinationLow = get(bytes, 32, as: UInt64.self)
        else { return .done(short) }
        guard first >> 4 == 6 else { return .done(.skipped(.malformed)) }
        sawIP = true
        var remaining = Int(payloadLength)
        if remaining == 0 && !wasCut { remaining = bytes.count &- 40 }  // Jumbogram or offload.
        // Neither a jumbogram nor an offloaded packet is a fragment (RFC 2675 section 3): with
        // no length of its own, no fragment is used, as tshark takes it for malformed.
        let declared = payloadLength == 0 ? -1 : remaining
        remaining = min(remaining, wireLength(bytes) &- 40)
        guard let payload = payload(of: bytes, from: 40, to: 40 &+ remaining) else { return .done(short) }
        return ipv6Extensions(
            payload, nextHeader: firstNextHeader, remaining: remaining, declared: declared,
            source: .v6(high: sourceHigh, low: sourceLow), destination: .v6(high: destinationHigh, low: destinationLow))
    }

    /// IPv6's extension headers (RFC 8200 section 4), skipped, then what follows them.
    ///
    /// - Parameters:
    ///   - remaining: The payload's length on the wire, at most what the header says.
    ///   - declared: The payload's length as the header says it; -1 when it says none (0),
    ///     so that no fragment is taken.
    mutating func ipv6Extensions(
        _ payload: Window, nextHeader firstNextHeader: UInt8, remaining: Int, declared: Int, source: IPAddress, destination: IPAddress
    ) -> Step {
        var remaining = remaining
        var nextHeader = firstNextHeader
        var cursor = 0
        // Each extension header moves the cursor by at least 8 bytes, so the walk ends.
        while true {
            switch nextHeader {
            case 0, 43, 60, 135, 139, 140:  // Hop-by-hop, routing, destination, mobility, HIP, shim6.
                guard let following = get(payload, cursor, as: UInt8.self), let units = get(payload, cursor &+ 1, as: UInt8.self)
                else { return .done(short) }
                let length = (Int(units) &+ 1) &* 8
                guard remaining >= length else { return .done(.skipped(.malformed)) }
                guard payload.dropFirst(cursor &+ length) != nil else { return .done(short) }
                nextHeader = following
                cursor &+= length
                remaining &-= length
            case 44:  // Fragment header (section 4.5).
                guard let following = get(payload, cursor, as: UInt8.self), let offsetAndMore = get(payload, cursor &+ 2, as: UInt16.self)
                else { return .done(short) }
                // An atomic fragment (offset 0, no more fragments; RFC 6946) holds a whole
                // datagram: the walk goes on. Any other waits for its datagram's others.
                let isFragment = offsetAndMore & 0xFFF9 != 0
                if isFragment && reassembler == nil { return .done(.skipped(.fragment)) }
                guard remaining >= 8 else { return .done(.skipped(.malformed)) }
                guard let data = payload.dropFirst(cursor &+ 8) else { return .done(short) }
                if isFragment {
                    guard let identification = get(payload, cursor &+ 4, as: UInt32.self) else { return .done(short) }
                    let key = FragmentReassembler.Key(
                        source: source, destination: destination, transport: 0, identification: identification, vlan: 0)
                    return reassemble(
                        data, declaredLength: declared &- cursor &- 8, key: key, offset: Int(offsetAndMore & 0xFFF8),
                        isLast: offsetAndMore & 1 == 0, nextProtocol: following)
                }
                nextHeader = following
                cursor &+= 8
                remaining &-= 8
            default:
                guard let upper = payload.dropFirst(cursor) else { return .done(short) }
                return ipPayload(nextHeader, upper, declaredLength: remaining, source: source, destination: destination)
            }
        }
    }

    /// A fragment's data handed to the reassembler: the walk goes on in the datagram's payload
    /// when it completes one, as in a payload inflated out of the frame; otherwise the frame
    /// holds a fragment and nothing more. A fragment the capture did not hold whole cannot
    /// complete its datagram.
    mutating func reassemble(
        _ data: Window, declaredLength: Int, key: FragmentReassembler.Key, offset: Int, isLast: Bool, nextProtocol: UInt8
    ) -> Step {
        guard let reassembler, data.count == declaredLength, let bytes = frame.getBytes(at: data.start, length: data.count),
            let (payload, carried) = reassembler.add(bytes, key: key, offset: offset, isLast: isLast, nextProtocol: nextProtocol, time: time)
        else { return .done(.skipped(.fragment)) }
        return .inflated(ByteReader(payload), nextProtocol: carried, source: key.source, destination: key.destination)
    }

    /// What follows an IP header (and its extension headers): TCP, AH, or a tunnel.
    ///
    /// - Parameter declaredLength: The payload length the IP header declares; the capture
    ///   may hold fewer bytes.
    @inline(__always)
    mutating func ipPayload(
        _ nextProtocol: UInt8, _ bytes: Window, declaredLength: Int, source: IPAddress, destination: IPAddress
    ) -> Step {
        var nextProtocol = nextProtocol
        var cursor = 0
        var declaredLength = declaredLength
        // IPsec AH (RFC 4302 section 2): its length is in 4-byte units, minus 2. Transport
        // mode carries TCP under the same addresses; tunnel mode an inner IP header.
        while nextProtocol == 51 {
            guard let following = get(bytes, cursor, as: UInt8.self), let units = get(bytes, cursor &+ 1, as: UInt8.self)
            else { return .done(short) }
            let length = (Int(units) &+ 2) &* 4
            guard declaredLength >= length else { return .done(.skipped(.malformed)) }
            guard bytes.dropFirst(cursor &+ length) != nil else { return .done(short) }
            nextProtocol = following
            cursor &+= length
            declaredLength &-= length
        }
        guard let upper = bytes.dropFirst(cursor) else { return .done(short) }
        if nextProtocol == 108 { return ipComp(upper, source: source, destination: destination) }
        if nextProtocol == 6 {
            return .done(tcp(upper, declaredLength: declaredLength, source: source, destination: destination))
        }
        guard let layer = Encapsulation(announcedBy: .ipProtocol(nextProtocol)) else { return .done(.skipped(.notTCP)) }
        return .next(layer, upper)
    }

    /// IPComp (RFC 3173): next header, flags, CPI, then the payload compressed with DEFLATE
    /// (RFC 2394). tshark inflates it whatever the CPI and dissects what comes out, so the
    /// walk goes on in the inflated bytes. Data that does not inflate cannot be read: "not TCP".
    func ipComp(_ bytes: Window, source: IPAddress, destination: IPAddress) -> Step {
        guard let following = get(bytes, 0, as: UInt8.self), let compressed = bytes.dropFirst(4) else { return .done(short) }
        guard let data = frame.getSlice(at: compressed.start, length: compressed.count),
            let inflated = Inflate.decompress(data, limit: Int(UInt16.max))
        else { return .done(.skipped(.notTCP)) }
        return .inflated(ByteReader(inflated), nextProtocol: following, source: source, destination: destination)
    }

    /// The TCP header (RFC 9293 section 3.1).
    ///
    /// When the capture holds fewer bytes than the header's data offset says, but at least
    /// the ports, numbers and flags (14 bytes), the segment is still decoded, as tshark shows
    /// it, and marked ``TCPSegment/headerCut``.
    @inline(__always)
    func tcp(_ bytes: Window, declaredLength: Int, source: IPAddress, destination: IPAddress) -> DecodedPacket {
        guard let sourcePort = get(bytes, 0, as: UInt16.self),
            let destinationPort = get(bytes, 2, as: UInt16.self),
            let sequenceNumber = get(bytes, 4, as: UInt32.self),
            let acknowledgmentNumber = get(bytes, 8, as: UInt32.self),
            let offsetAndFlags = get(bytes, 12, as: UInt16.self)
        else { return short }
        let headerLength = Int(offsetAndFlags >> 12) &* 4
        guard headerLength >= 20, declaredLength >= headerLength else { return .skipped(.malformed) }
        let captured = min(headerLength, bytes.count)
        let options = captured > 20
            ? frame.getSlice(at: bytes.start &+ 20, length: captured &- 20).map { TCPOptions(parsing: $0, isCut: captured < headerLength) } ?? TCPOptions()
            : TCPOptions()
        return .tcp(TCPSegment(
            source: Endpoint(address: source, port: sourcePort),
            destination: Endpoint(address: destination, port: destinationPort),
            sequenceNumber: sequenceNumber,
            acknowledgmentNumber: acknowledgmentNumber,
            flags: TCPFlags(rawValue: offsetAndFlags & TCPFlags.headerMask),
            window: get(bytes, 14, as: UInt16.self) ?? 0,
            headerLength: headerLength,
            payloadLength: declaredLength &- headerLength,
            options: options,
            headerCut: captured < headerLength,
            payloadOffset: isInflated ? nil : bytes.start &+ headerLength))
    }
}
