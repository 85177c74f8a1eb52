import TCPLabPacket

extension ByteLine {
    /// An endpoint as ``Endpoint/description`` writes it ("127.0.0.1:8080", "[::1]:8080"),
    /// with IPv4 written from a table of octets: a JSON line prints two endpoints, and
    /// inet_ntop's text through `String` would cost more than the rest of the line (digit
    /// by digit, the two took a twelfth of `inspect --format jsonl`).
    mutating func append(endpoint: Endpoint) {
        guard case .v4(let address) = endpoint.address else {
            append(endpoint.description)
            return
        }
        let octets = ByteLine.octets
        // "255.255.255.255:65535" is the longest: 21 bytes. Each octet is stored as four
        // bytes, its digits and a dot, and the line moves on by its length: the last octet's
        // four bytes end at 16 at most, and its dot is overwritten by the colon.
        extend(atMost: 21) { room in
            var at = 0
            func put(_ octet: UInt32) {
                let entry = octets[Int(truncatingIfNeeded: octet & 0xFF)]
                room.storeBytes(of: UInt32(truncatingIfNeeded: entry).littleEndian, toByteOffset: at, as: UInt32.self)
                at &+= Int(truncatingIfNeeded: entry >> 32)
            }
            put(address >> 24)
            put(address >> 16)
            put(address >> 8)
            put(address)
            room[at &- 1] = UInt8(ascii: ":")
            ByteLine.put(digitsOf: UInt64(endpoint.port), into: room, at: &at)
            return at
        }
    }

    /// Each octet's text followed by a dot, packed for ``append(endpoint:)``: the bytes in
    /// the low four bytes (first byte lowest, unused ones zero), their count in the high word.
    static let octets: [UInt64] = (0...255).map { (value: Int) -> UInt64 in
        let text = Array("\(value).".utf8)
        var packed: UInt64 = 0
        for (index, byte) in text.enumerated() { packed |= UInt64(byte) << (8 * UInt64(index)) }
        return packed | UInt64(text.count) << 32
    }
}
