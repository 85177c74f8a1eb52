#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The offset between the clock BPF programs stamp events with and the clock of capture
/// timestamps.
///
/// The BPF program stamps with bpf_ktime_get_boot_ns(), which is CLOCK_BOOTTIME; libpcap
/// stamps packets with the kernel's CLOCK_REALTIME. The offset is measured from user
/// space by reading CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_REALTIME in a row
/// (clock_gettime(2), vDSO calls of some tens of nanoseconds): the boot time read lies
/// between the two real-time reads, so offset = midpoint of the real-time reads minus the
/// boot time read, within half their distance. Of several such triples the narrowest wins.
/// It is measured when the log starts and when it stops; the difference is how far the
/// real-time clock was stepped or slewed (NTP) during the lab.
public struct KernelClock: Sendable, Encodable, Equatable {
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME, in nanoseconds: add it to a BPF timestamp to
    /// get the capture's time.
    public var offset: Int64
    /// How far off the offset may be, in nanoseconds (half the bracketing reads' distance).
    public var uncertainty: Int64

    /// Measures the offset now, from `samples` bracketing triples.
    public static func measure(samples: Int = 16) -> KernelClock {
        var best = KernelClock(offset: 0, uncertainty: .max)
        for _ in 0..<max(samples, 1) {
            let before = read(CLOCK_REALTIME)
            let boot = read(CLOCK_BOOTTIME)
            let after = read(CLOCK_REALTIME)
            let half = (after - before) / 2
            if half >= 0 && half < best.uncertainty {
                best = KernelClock(offset: before + half - boot, uncertainty: half)
            }
        }
        return best
    }

    /// `clock`'s time in nanoseconds.
    static func read(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
