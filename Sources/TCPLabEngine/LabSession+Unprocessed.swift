import TCPLabCapture
import TCPLabKernelLog
import TCPLabPacket
import TCPLabReport

extension LabSession {
    /// Drop reasons (`enum skb_drop_reason`) that mean the receiver's TCP never processed
    /// the segment: a firewall or a queue took it, or TCP refused it before any state
    /// change. Reasons given after processing (TCP_RESET: the RST was taken; TCP_OLD_DATA:
    /// a duplicate, its control bits already acted on) are not here.
    static let unprocessedDropReasons: Set<String> = [
        "NETFILTER_DROP", "QDISC_DROP", "SOCKET_FILTER", "TCP_CSUM", "TCP_LISTEN_OVERFLOW",
        "TCP_INVALID_ACK_SEQUENCE", "TCP_INVALID_SEQUENCE", "TCP_OLD_SEQUENCE", "TCP_RFC7323_PAWS", "TCP_FLAGS",
    ]

    /// The frames (numbered from 1) the kernel log shows dropped by the receiving kernel
    /// before TCP processed them: the same ends and flags, within a millisecond after the
    /// capture saw the packet, each drop given to one frame. Empty without a kernel log.
    func framesTheKernelRefused(_ packets: [CapturedPacket]) -> Set<Int> {
        guard let events = kernelRecord?.events else { return [] }
        var drops = events.filter { $0.kind == .drop && $0.reason.map(Self.unprocessedDropReasons.contains) == true }
        guard !drops.isEmpty else { return [] }
        var frames: Set<Int> = []
        let fragments = FragmentReassembler()  // As the analysis decodes them.
        for (index, packet) in packets.enumerated() {
            guard case .tcp(let segment) = packet.decode(reassembling: fragments) else { continue }
            let time = packet.timestamp.nanoseconds
            let found = drops.firstIndex { drop in
                drop.source == segment.source && drop.destination == segment.destination && drop.flags == segment.flags
                    && drop.time >= time - 100_000 && drop.time - time < 1_000_000
            }
            guard let found else { continue }
            frames.insert(index + 1)
            drops.remove(at: found)
            if drops.isEmpty { break }
        }
        return frames
    }
}
