/// What a connection's handshake settled, as the kernel keeps it: a few fields of
/// `struct tcp_info` (linux/tcp.h), the record behind `ss -i` and getsockopt(TCP_INFO).
///
/// sock_diag returns it as the INET_DIAG_INFO attribute of a socket's reply; request and
/// TIME-WAIT sockets have none.
public struct TCPInfo: Hashable, Sendable {
    /// The options in use on the connection (`tcpi_options`): an option is in use only when
    /// both the SYN and the SYN-ACK carried it (RFC 7323 section 1.3, RFC 2018 section 2).
    public struct Options: OptionSet, Hashable, Sendable {
        /// The raw `tcpi_options` bits.
        public var rawValue: UInt8
        /// Options from raw `tcpi_options` bits.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// TCPI_OPT_TIMESTAMPS: both ends send the timestamps option on every segment.
        public static let timestamps = Options(rawValue: 1)
        /// TCPI_OPT_SACK: both ends may send SACK blocks.
        public static let sack = Options(rawValue: 2)
        /// TCPI_OPT_WSCALE: windows are scaled by the shifts the SYNs announced.
        public static let windowScale = Options(rawValue: 4)

        /// The names lab files use (Labs/README.md), in one table with their bits.
        public static let names: [(Options, String)] = [(.windowScale, "wscale"), (.sack, "sack-permitted"), (.timestamps, "timestamps")]

        /// "wscale, sack-permitted, timestamps", or "none".
        public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
    }

    /// Options in use; ECN and the other bits are left out.
    public var options: Options
    /// The peer's window scale shift (`tcpi_snd_wscale`, ss's first wscale number): windows
    /// the peer advertises are shifted left by it.
    public var sendWindowScale: UInt8
    /// This end's own shift (`tcpi_rcv_wscale`, ss's second number), announced in its SYN.
    public var receiveWindowScale: UInt8
    /// The most payload this end puts in one segment (`tcpi_snd_mss`, ss's `mss:`): the
    /// peer's announced MSS, lowered by TCP_MAXSEG and by the options every segment carries.
    public var sendMSS: UInt32
    /// The MSS this end announced (`tcpi_advmss`, ss's `advmss:`), less the options'
    /// bytes every segment carries.
    public var advertisedMSS: UInt32

    /// Makes a record; decoding and tests use it.
    public init(options: Options, sendWindowScale: UInt8, receiveWindowScale: UInt8, sendMSS: UInt32, advertisedMSS: UInt32) {
        self.options = options
        self.sendWindowScale = sendWindowScale
        self.receiveWindowScale = receiveWindowScale
        self.sendMSS = sendMSS
        self.advertisedMSS = advertisedMSS
    }

    /// Byte offsets in `struct tcp_info`, unchanged since Linux 2.6 (the struct only grows
    /// at its end).
    enum Offset {
        static let options = 5
        static let windowScales = 6  // tcpi_snd_wscale:4, tcpi_rcv_wscale:4
        static let sendMSS = 16
        static let advertisedMSS = 84
        static let end = 88
    }

    /// Decodes the start of `struct tcp_info`; nil when the kernel sent fewer bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Offset.end else { return nil }
        func word(_ at: Int) -> UInt32 {
            // Host byte order, as the kernel wrote it.
            var value: UInt32 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[at..<(at + 4)]) }
            return value
        }
        // The two 4-bit fields share a byte; C puts the first bit-field in the low bits on
        // little-endian targets and in the high bits on big-endian ones.
        let scales = bytes[Offset.windowScales]
        #if _endian(big)
        let (send, receive) = (scales >> 4, scales & 0x0F)
        #else
        let (send, receive) = (scales & 0x0F, scales >> 4)
        #endif
        self.init(
            options: Options(rawValue: bytes[Offset.options]).intersection([.timestamps, .sack, .windowScale]),
            sendWindowScale: send, receiveWindowScale: receive,
            sendMSS: word(Offset.sendMSS), advertisedMSS: word(Offset.advertisedMSS))
    }

    /// As `ss -i` shows it: "ts sack wscale:10,10 mss:1448 advmss:1448".
    public var summary: String {
        var words: [String] = []
        if options.contains(.timestamps) { words.append("ts") }
        if options.contains(.sack) { words.append("sack") }
        if options.contains(.windowScale) { words.append("wscale:\(sendWindowScale),\(receiveWindowScale)") }
        words.append("mss:\(sendMSS)")
        words.append("advmss:\(advertisedMSS)")
        return words.joined(separator: " ")
    }
}
