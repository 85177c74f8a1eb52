import TCPLabPacket

extension SyntheticFrame {
    /// `frame` (Ethernet, then IPv4 without options or IPv6 without extension headers) cut
    /// into IP fragments carrying `sizes` bytes of its IP payload each, in order; the last
    /// takes the rest. Sizes other than the last must be multiples of 8 (RFC 791, RFC 8200).
    static func fragments(of frame: [UInt8], sizes: [Int], identification: UInt32 = 0x4242) -> [[UInt8]] {
        let isIPv6 = frame[12] == 0x86 && frame[13] == 0xDD
        let headerEnd = isIPv6 ? 14 + 40 : 14 + 20
        let header = Array(frame[..<headerEnd])
        let payload = Array(frame[headerEnd...])
        var pieces: [[UInt8]] = []
        var offset = 0
        for (index, size) in sizes.enumerated() {
            let isLast = index == sizes.count - 1
            let length = isLast ? payload.count - offset : size
            let data = Array(payload[offset ..< offset + length])
            var piece = header
            if isIPv6 {
                let nextHeader = header[20]
                piece[20] = 44  // Fragment header (RFC 8200 section 4.5).
                let payloadLength = 8 + data.count
                piece[18] = UInt8(payloadLength >> 8)
                piece[19] = UInt8(payloadLength & 0xFF)
                let offsetAndMore = UInt16(offset) | (isLast ? 0 : 1)
                piece += [nextHeader, 0, UInt8(offsetAndMore >> 8), UInt8(offsetAndMore & 0xFF)]
                piece += [UInt8(identification >> 24), UInt8(identification >> 16 & 0xFF), UInt8(identification >> 8 & 0xFF), UInt8(identification & 0xFF)]
            } else {
                let total = 20 + data.count
                piece[16] = UInt8(total >> 8)
                piece[17] = UInt8(total & 0xFF)
                piece[18] = UInt8(identification >> 8 & 0xFF)
                piece[19] = UInt8(identification & 0xFF)
                let field = UInt16(offset / 8) | (isLast ? 0 : 0x2000)
                piece[20] = UInt8(field >> 8)
                piece[21] = UInt8(field & 0xFF)
            }
            pieces.append(piece + data)
            offset += length
        }
        return pieces
    }
}
