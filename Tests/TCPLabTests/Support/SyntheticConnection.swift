import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket

/// One TCP connection written segment by segment, as a capture of it would hold it, for
/// tests that need no root, no network and no tshark.
///
/// Each side sends from where its last segment ended, and acknowledges all the peer has
/// sent so far, as the RFC 9293 sender does (a SYN and a FIN take one sequence number
/// each); a test overrides the numbers only where the lesson is a number (a probe one
/// byte below the next, FINs that cross). Frames are 1 ms apart unless the test waits.
struct SyntheticConnection {
    let client: Endpoint
    let server: Endpoint
    /// The initial sequence numbers.
    let clientISN: UInt32, serverISN: UInt32
    private(set) var packets: [CapturedPacket] = []
    private var next: [Side: UInt32]
    private var time: Int64 = 1_700_000_000_000_000_000

    /// A connection between two documentation addresses (never sent anywhere).
    init(client: String = "192.0.2.1:40000", server: String = "198.51.100.2:80",
         clientISN: UInt32 = 1000, serverISN: UInt32 = 5000) {
        self.client = SyntheticConnection.endpoint(client)
        self.server = SyntheticConnection.endpoint(server)
        self.clientISN = clientISN
        self.serverISN = serverISN
        next = [.client: clientISN, .server: serverISN]
    }

    /// The sequence number `side` sends next.
    func nextSequence(of side: Side) -> UInt32 { next[side]! }

    /// Lets `duration` pass before the next frame.
    mutating func wait(_ duration: Duration) {
        time += duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// `side` sends a segment. The sequence number is where the side's last segment ended
    /// unless `seq` is given; with ACK, the acknowledgment is everything the peer has sent
    /// unless `ack` is given. A `lost` segment is sent (its bytes count as sent) but the
    /// network drops it before the capture point, so the capture does not hold it.
    mutating func send(
        _ side: Side, _ flags: TCPFlags, bytes: Int = 0, window: UInt16 = 65535,
        seq: UInt32? = nil, ack: UInt32? = nil, options: [SyntheticFrame.Option] = [], lost: Bool = false
    ) {
        let sequence = seq ?? next[side]!
        let acknowledgment = flags.contains(.ack) ? (ack ?? next[side.peer]!) : 0
        let (from, to) = side == .client ? (client, server) : (server, client)
        let frame = SyntheticFrame.tcp(from: from, to: to, seq: sequence, ack: acknowledgment, flags: flags,
                                       window: window, payload: bytes, options: options)
        let length = UInt32(bytes) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        // A segment sent again (or a probe below the next number) does not move the side on.
        let end = sequence &+ length
        if end &- next[side]! < 1 << 31 { next[side] = end }
        if !lost {
            packets.append(CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: time), linkType: .ethernet, data: frame[...]))
        }
        time += 1_000_000
    }

    /// The frame at `index` (from 0) sent again, now.
    mutating func resend(_ index: Int) {
        var again = packets[index]
        again.timestamp = CaptureTimestamp(nanoseconds: time)
        packets.append(again)
        time += 1_000_000
    }

    /// SYN, SYN-ACK, ACK.
    mutating func handshake(options: [SyntheticFrame.Option] = []) {
        send(.client, .syn, options: options)
        send(.server, [.syn, .ack], options: options)
        send(.client, .ack)
    }

    /// What ``TCPAnalyzer`` makes of the frames: the annotated segments and the summaries.
    func analyze() -> (segments: [AnnotatedSegment], summaries: [ConnectionSummary]) {
        let analyzer = TCPAnalyzer()
        var segments: [AnnotatedSegment] = []
        var summaries: [ConnectionSummary] = []
        func collect() {
            while let event = analyzer.nextEvent() {
                switch event {
                case .segment(let segment, _): segments.append(segment)
                case .connection(let summary): summaries.append(summary)
                case .skipped: break
                }
            }
        }
        for (index, packet) in packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            collect()
        }
        analyzer.finish()
        collect()
        return (segments, summaries)
    }

    /// Writes the frames to a classic pcap file (nanosecond timestamps) at `path`.
    func writePcap(to path: String) throws {
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for packet in packets { try writer.write(packet) }
        try writer.close()
    }

    private static func endpoint(_ text: String) -> Endpoint {
        // "192.0.2.1:40000" or "[2001:db8::1]:40000".
        let colon = text.lastIndex(of: ":")!
        let host = text[..<colon].trimmingCharacters(in: ["[", "]"])
        return Endpoint(address: IPAddress(host)!, port: UInt16(text[text.index(after: colon)...])!)
    }
}
