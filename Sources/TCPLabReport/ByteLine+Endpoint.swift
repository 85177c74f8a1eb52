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
        append(address >> 24)
        append(byte: UInt8(ascii: "."))
        append((address >> 16) & 0xFF)
        append(byte: UInt8(ascii: "."))
        append((address >> 8) & 0xFF)
        append(byte: UInt8(ascii: "."))
        append(address & 0xFF)
        append(byte: UInt8(ascii: ":"))
        append(endpoint.port)
    }
}
