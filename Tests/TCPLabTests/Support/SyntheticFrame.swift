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

// MARK: - Any addresses, IPv6, options (additive: the builders above stay as they are)

extension SyntheticFrame {
    /// A TCP option as the header's option bytes carry it.
    enum Option {
        /// Maximum segment size, kind 2 (RFC 9293 section 3.1).
        case maximumSegmentSize(UInt16)
        /// Window scale shift, kind 3 (RFC 7323 section 2).
        case windowScale(UInt8)
        /// SACK permitted, kind 4 (RFC 2018).
        case sackPermitted
        /// Selective acknowledgment blocks, kind 5 (RFC 2018): left and right edges.
        case sack([(left: UInt32, right: UInt32)])
        /// Timestamps, kind 8 (RFC 7323 section 3): TSval and TSecr.
        case timestamps(value: UInt32, echoReply: UInt32)
        /// No-operation, kind 1: padding between options.
        case noOperation

        var bytes: [UInt8] {
            switch self {
            case .maximumSegmentSize(let size): return [2, 4] + SyntheticFrame.be16(size)
            case .windowScale(let shift): return [3, 3, shift]
            case .sackPermitted: return [4, 2]
            case .sack(let blocks): return [5, UInt8(2 + 8 * blocks.count)] + blocks.flatMap { SyntheticFrame.be32($0.left) + SyntheticFrame.be32($0.right) }
            case .timestamps(let value, let echoReply): return [8, 10] + SyntheticFrame.be32(value) + SyntheticFrame.be32(echoReply)
            case .noOperation: return [1]
            }
        }
    }

    /// An Ethernet frame carrying one TCP segment from `source` to `destination`, in IPv4 or
    /// IPv6 as the addresses are, with `options` padded to a multiple of 4 bytes with
    /// end-of-option-list (kind 0) and `payload` bytes of '.'.
    static func tcp(
        from source: Endpoint, to destination: Endpoint, seq: UInt32, ack: UInt32, flags: TCPFlags,
        window: UInt16 = 65535, payload: Int = 0, options: [Option] = []
    ) -> [UInt8] {
        var optionBytes = options.flatMap(\.bytes)
        optionBytes += [UInt8](repeating: 0, count: (4 - optionBytes.count % 4) % 4)
        let headerLength = 20 + optionBytes.count
        var tcp = be16(source.port) + be16(destination.port) + be32(seq) + be32(ack)
        tcp += [UInt8(headerLength / 4) << 4 | UInt8(flags.rawValue >> 8 & 0x0F), UInt8(flags.rawValue & 0xFF)]
        tcp += be16(window) + [0, 0, 0, 0] + optionBytes
        tcp += [UInt8](repeating: 0x2E, count: payload)
        let ethernet = [UInt8](repeating: 0, count: 12)
        switch (source.address, destination.address) {
        case (.v4(let from), .v4(let to)):
            let total = UInt16(20 + tcp.count)
            let ip: [UInt8] = [0x45, 0] + be16(total) + [0, 0, 0x40, 0, 64, 6, 0, 0] + be32(from) + be32(to)
            return ethernet + [0x08, 0x00] + ip + tcp
        case (.v6(let fromHigh, let fromLow), .v6(let toHigh, let toLow)):
            // Version 6, no traffic class or flow label; next header 6 (TCP), hop limit 64.
            let ip: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(tcp.count)) + [6, 64]
                + be64(fromHigh) + be64(fromLow) + be64(toHigh) + be64(toLow)
            return ethernet + [0x86, 0xDD] + ip + tcp
        default:
            preconditionFailure("one family for both ends")
        }
    }

    private static func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) }
}

extension SyntheticFrame {
    /// An Ethernet + IPv4 + TCP frame with TCP options and all nine flag bits (AE
    /// included), between 10.0.0.1 (`fromClient`) and 10.0.0.2 on the given ports.
    static func tcp(
        fromClient: Bool, clientPort: UInt16, serverPort: UInt16, seq: UInt32, ack: UInt32, flags: TCPFlags,
        window: UInt16 = 65535, payload: Int = 0, options: [UInt8] = []
    ) -> [UInt8] {
        let padded = options + [UInt8](repeating: 0, count: (4 - options.count % 4) % 4)
        let headerLength = 20 + padded.count
        let total = 20 + headerLength + payload
        let client: [UInt8] = [10, 0, 0, 1], server: [UInt8] = [10, 0, 0, 2]
        var frame: [UInt8] = Array(repeating: 0, count: 12) + [0x08, 0x00]
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 6, 0, 0]
        frame += fromClient ? client + server : server + client
        frame += bytes16(fromClient ? clientPort : serverPort) + bytes16(fromClient ? serverPort : clientPort)
        frame += bytes32(seq) + bytes32(ack)
        frame += [UInt8(headerLength / 4) << 4 | UInt8((flags.rawValue >> 8) & 0x0F), UInt8(flags.rawValue & 0xFF)]
        frame += bytes16(window) + [0, 0, 0, 0] + padded
        frame += [UInt8](repeating: 0x2E, count: payload)
        return frame
    }

    /// The window scale option (kind 3, length 3) with `shift`.
    static func windowScaleOption(_ shift: UInt8) -> [UInt8] { [1, 3, 3, shift] }

    private static func bytes16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private static func bytes32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
