import TCPLabPacket

extension ByteLine {
    /// Each octet's decimal digits, packed in a word: the count in bits 24-31, then the
    /// digits from bits 16-23 down ("7" is 0x0137_0000, "255" is 0x0332_3535).
    static let octetText: [UInt32] = (0..<256).map { (value: Int) -> UInt32 in
        let digits = Array(String(value).utf8)
        var packed = UInt32(digits.count) << 24
        for (index, digit) in digits.enumerated() { packed |= UInt32(digit) << (8 * (2 - index)) }
        return packed
    }

    /// An endpoint as ``Endpoint/description`` writes it ("127.0.0.1:8080", "[::1]:8080"),
    /// with IPv4 written digit by digit: summaries print two endpoints a line, and
    /// inet_ntop's text through `String` would cost more than the rest of the line.
    mutating func append(endpoint: Endpoint) {
        guard case .v4(let address) = endpoint.address else {
            append(endpoint.description)
            return
        }
        // The four octets' digits from a table, written in one piece.
        let octets = (Self.octetText[Int(address >> 24)], Self.octetText[Int((address >> 16) & 0xFF)],
                      Self.octetText[Int((address >> 8) & 0xFF)], Self.octetText[Int(address & 0xFF)])
        let length = Int(octets.0 >> 24) &+ Int(octets.1 >> 24) &+ Int(octets.2 >> 24) &+ Int(octets.3 >> 24) &+ 4
        extend(by: length) { room in
            var at = 0
            func put(_ octet: UInt32, then separator: UInt8) {
                let digits = Int(octet >> 24)
                for index in 0..<digits { room[at &+ index] = UInt8(truncatingIfNeeded: octet >> (16 &- 8 &* UInt32(index))) }
                room[at &+ digits] = separator
                at &+= digits &+ 1
            }
            put(octets.0, then: UInt8(ascii: "."))
            put(octets.1, then: UInt8(ascii: "."))
            put(octets.2, then: UInt8(ascii: "."))
            put(octets.3, then: UInt8(ascii: ":"))
        }
        append(endpoint.port)
    }
}
