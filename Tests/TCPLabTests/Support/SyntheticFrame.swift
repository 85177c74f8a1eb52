import TCPLabCapture
import TCPLabPacket

/// Hand-built Ethernet + IPv4 + TCP frames, for tests that must run without privileges
/// (bad files, decoder corner cases). Checksums are left 0: nothing here verifies them.
enum SyntheticFrame {
    static func tcp(
        from source: UInt16, to destination: UInt16, seq: UInt32, ack: UInt32, flags: TCPFlags,
        window: UInt16 = 65535, payload: Int = 0
    ) -> [UInt8] {
        let tcpLength = 20 + payload
        var frame: [UInt8] = Array(repeating: 0, count: 12) + [0x08, 0x00]
        frame += [0x45, 0, UInt8((20 + tcpLength) >> 8), UInt8((20 + tcpLength) & 0xFF), 0, 0, 0x40, 0, 64, 6, 0, 0,
                  127, 0, 0, 1, 127, 0, 0, 1]
        frame += be16(source) + be16(destination) + be32(seq) + be32(ack)
        frame += [0x50, UInt8(flags.rawValue & 0xFF)] + be16(window) + [0, 0, 0, 0]
        frame += [UInt8](repeating: 0x2E, count: payload)
        return frame
    }

    /// A complete exchange: handshake, 5 bytes each way, four-way close.
    static func exchange(timeStart: Int64 = 1_700_000_000_000_000_000) -> [CapturedPacket] {
        let c: UInt16 = 40000, s: UInt16 = 8080
        let frames: [[UInt8]] = [
            tcp(from: c, to: s, seq: 100, ack: 0, flags: .syn),
            tcp(from: s, to: c, seq: 500, ack: 101, flags: [.syn, .ack]),
            tcp(from: c, to: s, seq: 101, ack: 501, flags: .ack),
            tcp(from: c, to: s, seq: 101, ack: 501, flags: [.ack, .psh], payload: 5),
            tcp(from: s, to: c, seq: 501, ack: 106, flags: [.ack, .psh], payload: 5),
            tcp(from: c, to: s, seq: 106, ack: 506, flags: [.ack, .fin]),
            tcp(from: s, to: c, seq: 506, ack: 107, flags: .ack),
            tcp(from: s, to: c, seq: 506, ack: 107, flags: [.ack, .fin]),
            tcp(from: c, to: s, seq: 107, ack: 507, flags: .ack),
        ]
        return frames.enumerated().map { index, bytes in
            CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: timeStart + Int64(index) * 1_000_000),
                           linkType: .ethernet, data: bytes[...])
        }
    }

    private static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
