import Foundation
import Glibc
import TCPLabCapture
import TCPLabPacket

/// Reads every packet of a capture file with TCPLab's reader.
func readPackets(_ path: String) throws -> [CapturedPacket] {
    let reader = try CaptureFileReader(path: path)
    var packets: [CapturedPacket] = []
    while let packet = try reader.next() { packets.append(packet) }
    return packets
}

/// The same IP packets behind other link-layer headers, written by text2pcap (a real tool,
/// so the file is as Wireshark's own code writes it).
enum LinkVariant: String, CaseIterable {
    case ethernet, vlan, linuxSLL, linuxSLL2, null, raw

    var linkType: Int {
        switch self {
        case .ethernet, .vlan: return 1
        case .linuxSLL: return 113
        case .linuxSLL2: return 276
        case .null: return 0
        case .raw: return 101
        }
    }

    /// Rewrites Ethernet frames from `lo` with this link header.
    func frame(fromEthernet frame: ArraySlice<UInt8>) -> [UInt8] {
        let bytes = Array(frame)
        let etherType = Array(bytes[12..<14])
        let ip = Array(bytes[14...])
        let isIPv6 = etherType == [0x86, 0xDD]
        switch self {
        case .ethernet:
            return bytes
        case .vlan:
            // An 802.1Q tag (TPID 0x8100, VLAN 42) between the MAC addresses and the type.
            return Array(bytes[0..<12]) + [0x81, 0x00, 0x00, 0x2A] + etherType + ip
        case .linuxSLL:
            // Packet type 0 (to us), ARPHRD_LOOPBACK 772, 6-byte address padded to 8, protocol.
            return [0x00, 0x00, 0x03, 0x04, 0x00, 0x06] + [UInt8](repeating: 0, count: 8) + etherType + ip
        case .linuxSLL2:
            // Protocol, reserved, interface index 1, ARPHRD_LOOPBACK, packet type, address length, address.
            return etherType + [0, 0] + [0, 0, 0, 1] + [0x03, 0x04] + [0x00, 0x06] + [UInt8](repeating: 0, count: 8) + ip
        case .null:
            // The address family in the writer's (little-endian) byte order: 2, or 24 for IPv6 (BSD).
            return (isIPv6 ? [24, 0, 0, 0] : [2, 0, 0, 0]) + ip
        case .raw:
            return ip
        }
    }

    /// Writes `packets` (Ethernet frames) with this link header to a pcap at `path`.
    func write(_ packets: [CapturedPacket], to path: String, scratch: URL) throws {
        // Built as bytes: String(format:) per byte is far too slow for megabytes of payload.
        let hex = Array("0123456789abcdef".utf8)
        var dump: [UInt8] = []
        for packet in packets {
            var seconds = time_t(packet.timestamp.seconds)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let micros = packet.timestamp.subsecondNanoseconds / 1000
            dump += Array(String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d\n", parts.tm_year + 1900, parts.tm_mon + 1,
                                 parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(micros)).utf8)
            let bytes = frame(fromEthernet: packet.data)
            for (index, byte) in bytes.enumerated() {
                if index % 16 == 0 {
                    if index > 0 { dump.append(10) }
                    for shift in stride(from: 20, through: 0, by: -4) { dump.append(hex[(index >> shift) & 0xF]) }
                }
                dump.append(32)
                dump.append(hex[Int(byte >> 4)])
                dump.append(hex[Int(byte & 0xF)])
            }
            dump.append(10)
        }
        let text = scratch.appendingPathComponent("\(rawValue).txt")
        try Data(dump).write(to: text)
        let result = try ChildProcess.run([
            "env", "TZ=UTC", "text2pcap", "-q", "-t", "%Y-%m-%d %H:%M:%S.%f", "-l", String(linkType), text.path, path,
        ])
        guard result.status == 0 else { throw RecordingError.expectedSegmentNotSeen("text2pcap failed: \(result.error)") }
    }
}
