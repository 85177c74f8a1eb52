import CTCPLabKernelLog
import TCPLabPacket
import TCPLabSystem

extension KernelEvent {
    /// The event the BPF program wrote, with its time moved to the capture's clock and its
    /// reason named from the kernel's BTF.
    init(_ raw: tcplab_event, clock: KernelClock) {
        let kind = Self.kinds[Int(raw.kind)] ?? .state
        let family = raw.family
        let source = withUnsafeBytes(of: raw.source_address) { Self.address($0, family: family) }
        let destination = withUnsafeBytes(of: raw.destination_address) { Self.address($0, family: family) }
        var reason: String? = nil
        switch kind {
        case .resetSent:
            reason = KernelEnumNames.name(of: raw.reason, in: "sk_rst_reason", prefix: "SK_RST_REASON_")
        case .drop:
            reason = KernelEnumNames.name(of: raw.reason, in: "skb_drop_reason", prefix: "SKB_DROP_REASON_")
        case .synOverflow:
            reason = "accept queue full (\(raw.reason >> 16) waiting for accept(), backlog \(raw.reason & 0xffff))"
        case .retransmission where raw.reason != 0:
            // The tracepoint's err: what the send returned, a negative errno.
            reason = "the send failed: " + Errno(rawValue: -Int32(bitPattern: raw.reason)).name
        default:
            break
        }
        let carriesFlags = kind == .drop || kind == .synOverflow || (kind == .resetSent && raw.tcp_flags != 0)
        self.init(
            kind: kind,
            time: Int64(bitPattern: raw.time_ns) &+ clock.offset,
            source: Endpoint(address: source, port: raw.source_port),
            destination: Endpoint(address: destination, port: raw.destination_port),
            oldState: raw.old_state == 0 ? nil : KernelState(rawValue: raw.old_state),
            newState: raw.new_state == 0 ? nil : KernelState(rawValue: raw.new_state),
            reason: reason,
            flags: carriesFlags ? TCPFlags(rawValue: UInt16(raw.tcp_flags)) : nil,
            socket: raw.socket)
    }

    /// tcplab_event_kind's numbers.
    private static let kinds: [Int: Kind] = [
        Int(TCPLAB_STATE.rawValue): .state,
        Int(TCPLAB_TIMEWAIT_START.rawValue): .timewait,
        Int(TCPLAB_TIMEWAIT_CHANGE.rawValue): .timewaitChange,
        Int(TCPLAB_TIMEWAIT_END.rawValue): .timewaitEnd,
        Int(TCPLAB_REQUEST_START.rawValue): .request,
        Int(TCPLAB_REQUEST_END.rawValue): .requestEnd,
        Int(TCPLAB_SEND_RESET.rawValue): .resetSent,
        Int(TCPLAB_RECEIVE_RESET.rawValue): .resetReceived,
        Int(TCPLAB_RETRANSMIT.rawValue): .retransmission,
        Int(TCPLAB_RETRANSMIT_SYNACK.rawValue): .synAckRetransmission,
        Int(TCPLAB_DROP.rawValue): .drop,
        Int(TCPLAB_SYN_OVERFLOW.rawValue): .synOverflow,
    ]

    /// An address from its 16 bytes in network order (IPv4 in the first four).
    private static func address(_ bytes: UnsafeRawBufferPointer, family: UInt16) -> IPAddress {
        func number(_ range: Range<Int>) -> UInt64 { bytes[range].reduce(0) { $0 << 8 | UInt64($1) } }
        if family == 10 { return .v6(high: number(0..<8), low: number(8..<16)) }
        return .v4(UInt32(number(0..<4)))
    }
}
