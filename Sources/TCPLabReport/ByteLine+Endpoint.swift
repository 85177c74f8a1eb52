import TCPLabPacket

extension ByteLine {
    /// An endpoint as ``Endpoint/description`` writes it ("127.0.0.1:8080", "[::1]:8080"),
    /// with IPv4 written digit by digit: summaries print two endpoints a line, and
    /// inet_ntop's text through `String` would cost more than the rest of the line.
    mutating func append(endpoint: Endpoint) {
        guard case .v4(let address) = endpoint.address else {
            append(endpoint.description)
            return
        }
        // "255.255.255.255:65535" is the longest: 21 bytes.
        extend(atMost: 21) { room in
            var at = 0
            ByteLine.put(digitsOf: UInt64(address >> 24), into: room, at: &at)
            room[at] = UInt8(ascii: ".")
            at &+= 1
            ByteLine.put(digitsOf: UInt64((address >> 16) & 0xFF), into: room, at: &at)
            room[at] = UInt8(ascii: ".")
            at &+= 1
            ByteLine.put(digitsOf: UInt64((address >> 8) & 0xFF), into: room, at: &at)
            room[at] = UInt8(ascii: ".")
            at &+= 1
            ByteLine.put(digitsOf: UInt64(address & 0xFF), into: room, at: &at)
            room[at] = UInt8(ascii: ":")
            at &+= 1
            ByteLine.put(digitsOf: UInt64(endpoint.port), into: room, at: &at)
            return at
        }
    }
}
