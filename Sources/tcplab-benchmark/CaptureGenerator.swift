import TCPLabCapture
import TCPLabPacket

/// Writes a classic pcap of many complete TCP connections over loopback addresses:
/// handshake (with window scaling), a request, a reply, their ACKs, and a four-way close:
/// 10 segments each. Connections overlap in groups of `concurrent`, their segments interleaved;
/// a group starts `groupGap` nanoseconds after the previous one's last segment.
struct CaptureGenerator {
    let connections: Int
    let concurrent: Int
    var groupGap: Int64 = 0

    /// Writes the capture and returns the number of segments.
    func write(to path: String) throws -> Int {
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        var time: Int64 = 1_763_700_000_000_000_000
        var written = 0
        var frame: [UInt8] = []
        for groupStart in stride(from: 0, to: connections, by: concurrent) {
            let group = groupStart..<min(groupStart + concurrent, connections)
            for step in 0..<10 {
                for index in group {
                    build(step: step, connection: index, into: &frame)
                    try writer.write(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: time), linkType: .ethernet, data: frame[...]))
                    time += 7_000  // 7 µs between segments.
                    written += 1
                }
            }
            time += groupGap
        }
        try writer.close()
        return written
    }

    private func build(step: Int, connection index: Int, into frame: inout [UInt8]) {
        // Client 127.1.x.y:port, server 127.0.0.1:80; numbers chosen per connection.
        let client = (address: UInt32(0x7F01_0000) | UInt32(index / 50_000), port: UInt16(1024 + index % 50_000))
        let server = (address: UInt32(0x7F00_0001), port: UInt16(80))
        let clientISN = UInt32(truncatingIfNeeded: index &* 2_654_435_761)
        let serverISN = clientISN ^ 0x5A5A_5A5A
        let request = 120, reply = 900
        typealias Step = (fromClient: Bool, seq: UInt32, ack: UInt32, flags: TCPFlags, payload: Int, window: UInt16)
        let steps: [Step] = [
            (true, clientISN, 0, .syn, 0, 65495),
            (false, serverISN, clientISN &+ 1, [.syn, .ack], 0, 65483),
            (true, clientISN &+ 1, serverISN &+ 1, .ack, 0, 512),
            (true, clientISN &+ 1, serverISN &+ 1, [.ack, .psh], request, 512),
            (false, serverISN &+ 1, clientISN &+ 1 &+ UInt32(request), .ack, 0, 512),
            (false, serverISN &+ 1, clientISN &+ 1 &+ UInt32(request), [.ack, .psh], reply, 512),
            (true, clientISN &+ 1 &+ UInt32(request), serverISN &+ 1 &+ UInt32(reply), .ack, 0, 510),
            (true, clientISN &+ 1 &+ UInt32(request), serverISN &+ 1 &+ UInt32(reply), [.ack, .fin], 0, 510),
            (false, serverISN &+ 1 &+ UInt32(reply), clientISN &+ 2 &+ UInt32(request), [.ack, .fin], 0, 512),
            (true, clientISN &+ 2 &+ UInt32(request), serverISN &+ 2 &+ UInt32(reply), .ack, 0, 510),
        ]
        let s = steps[step]
        let source = s.fromClient ? client : server
        let destination = s.fromClient ? server : client
        let options: [UInt8] = s.flags.contains(.syn) ? [2, 4, 0xFF, 0xD7, 1, 3, 3, 7] : []  // MSS 65495, WS 7.
        let tcpLength = 20 + options.count + s.payload
        frame.removeAll(keepingCapacity: true)
        frame += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
        frame += [0x45, 0] + be16(UInt16(20 + tcpLength)) + [0, 0, 0x40, 0, 64, 6, 0, 0]
        frame += be32(source.address) + be32(destination.address)
        frame += be16(source.port) + be16(destination.port) + be32(s.seq) + be32(s.ack)
        frame += [UInt8((20 + options.count) / 4) << 4, UInt8(s.flags.rawValue & 0xFF)] + be16(s.window) + [0, 0, 0, 0]
        frame += options
        frame += repeatElement(0x61, count: s.payload)
    }

    private func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
