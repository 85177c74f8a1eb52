/// When a packet was captured, in nanoseconds since the Unix epoch.
///
/// pcap files store microseconds or nanoseconds, pcapng a per-interface resolution
/// (if_tsresol); all are converted to nanoseconds so times compare exactly.
public struct CaptureTimestamp: Hashable, Sendable, Comparable {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    /// A timestamp at `nanoseconds` since the epoch.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// A timestamp from whole seconds and a nanosecond part.
    public init(seconds: Int64, nanoseconds: Int64) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ nanoseconds
    }

    /// Seconds since the epoch.
    public var seconds: Int64 { nanoseconds / 1_000_000_000 }

    /// The part below one second, in nanoseconds.
    public var subsecondNanoseconds: Int64 { nanoseconds % 1_000_000_000 }

    /// Orders by time.
    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}
