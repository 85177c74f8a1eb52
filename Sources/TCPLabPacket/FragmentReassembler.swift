import DequeModule

/// Puts fragmented IP datagrams back together, so that a TCP segment that IP fragmentation
/// split is decoded whole, at the frame of the fragment that completed it, as tshark shows it
/// ("Reassembled IPv4 in frame N").
///
/// Stands for a receiver's reassembly: RFC 791 section 3.2 (IPv4 fragments belong together
/// when source, destination, protocol and identification match) and RFC 8200 section 4.5
/// (IPv6: source, destination and the Fragment header's identification). A datagram is whole
/// once its last fragment (More Fragments clear) is in and every byte before its end is.
///
/// Fragments come from files of any origin, so what is held is bounded: a datagram is at most
/// 65,535 bytes; at most ``Limits/datagrams`` wait at once, holding at most ``Limits/bytes``
/// in all, the oldest dropped first (as Linux drops past `ipfrag_high_thresh`); and one still
/// incomplete ``Limits/timeout`` of capture time after its first fragment is dropped, as
/// Linux drops it after `ipfrag_time`; so is one whose fragments leave more than 256 runs of
/// bytes apart, which no real sender makes. Where fragments overlap, the bytes that came
/// first are kept. One reassembler serves one stream of frames (a capture file, a live capture).
public final class FragmentReassembler {
    /// What a reassembler may hold.
    public struct Limits: Sendable {
        /// Datagrams waiting for fragments at once.
        public var datagrams: Int
        /// Bytes held for them in all.
        public var bytes: Int
        /// Capture time, in nanoseconds, a datagram may wait after its first fragment.
        public var timeout: Int64

        /// Linux's defaults: `ipfrag_high_thresh` (4 MiB) and `ipfrag_time` (30 s), and as
        /// many datagrams as 4 MiB holds of 4 KiB ones.
        public static let linux = Limits(datagrams: 1024, bytes: 4 << 20, timeout: 30_000_000_000)

        /// Limits with these values.
        public init(datagrams: Int, bytes: Int, timeout: Int64) {
            self.datagrams = datagrams
            self.bytes = bytes
            self.timeout = timeout
        }
    }

    /// What makes fragments one datagram's.
    struct Key: Hashable {
        let source: IPAddress
        let destination: IPAddress
        /// The IPv4 protocol; 0 for IPv6, whose fragments name it only in the first.
        let transport: UInt8
        let identification: UInt32
    }

    /// A datagram waiting for fragments.
    private struct Datagram {
        /// The payload so far; bytes no fragment has brought yet are zero.
        var bytes: [UInt8] = []
        /// Which bytes fragments have brought: sorted, apart, none empty.
        var covered: [Range<Int>] = []
        /// The payload's length, once the last fragment is in.
        var length: Int?
        /// The protocol after the IP header, once the first fragment is in.
        var nextProtocol: UInt8?
        /// Capture time of its first fragment in.
        let firstTime: Int64
        /// Its place in arrival order, to tell its entry in `arrivals` from an earlier
        /// datagram's under the same key.
        let arrival: Int

        var isWhole: Bool {
            guard let length, nextProtocol != nil else { return false }
            return covered.count == 1 && covered[0] == 0 ..< length
        }

        /// Copies the bytes of `range` that no earlier fragment brought.
        mutating func add(_ fragment: ArraySlice<UInt8>, at range: Range<Int>) {
            if bytes.count < range.upperBound { bytes.append(contentsOf: repeatElement(0, count: range.upperBound &- bytes.count)) }
            var start = range.lowerBound
            var merged: [Range<Int>] = []
            merged.reserveCapacity(covered.count &+ 1)
            var new = range
            for piece in covered {
                if piece.upperBound < new.lowerBound || piece.lowerBound > new.upperBound {
                    merged.append(piece)
                    continue
                }
                // Touching or overlapping: copy the gap before it, then join the two.
                if start < piece.lowerBound { copy(fragment, from: start, to: min(piece.lowerBound, range.upperBound), rangeStart: range.lowerBound) }
                start = max(start, piece.upperBound)
                new = min(new.lowerBound, piece.lowerBound) ..< max(new.upperBound, piece.upperBound)
            }
            if start < range.upperBound { copy(fragment, from: start, to: range.upperBound, rangeStart: range.lowerBound) }
            let place = merged.firstIndex { $0.lowerBound > new.lowerBound } ?? merged.endIndex
            merged.insert(new, at: place)
            covered = merged
        }

        private mutating func copy(_ fragment: ArraySlice<UInt8>, from start: Int, to end: Int, rangeStart: Int) {
            guard start < end else { return }
            let first = fragment.startIndex &+ (start &- rangeStart)
            bytes.replaceSubrange(start ..< end, with: fragment[first ..< first &+ (end &- start)])
        }
    }

    /// The most separate runs of bytes a datagram may have while it waits.
    static let maximumGaps = 256

    /// The limits this reassembler keeps to.
    public let limits: Limits
    private var waiting: [Key: Datagram] = [:]
    /// Keys in the order their datagrams began, with their arrival number: the oldest first
    /// for the timeout and the limits. An entry whose datagram is gone is skipped.
    private var arrivals: Deque<(key: Key, arrival: Int)> = []
    private var arrivalCount = 0
    private var heldBytes = 0

    /// A reassembler keeping to `limits`.
    public init(limits: Limits = .linux) {
        self.limits = limits
    }

    /// Datagrams waiting for fragments now.
    public var waitingCount: Int { waiting.count }

    /// Takes one fragment; gives the datagram's payload and the protocol it carries when the
    /// fragment completes it.
    ///
    /// - Parameters:
    ///   - payload: The fragment's data (after the IP header, or after IPv6's Fragment header).
    ///   - offset: Where it goes in the payload, in bytes.
    ///   - isLast: Whether More Fragments is clear.
    ///   - nextProtocol: The protocol after the IP header as this fragment names it; kept
    ///     from the first fragment (offset 0).
    ///   - time: The frame's capture time, in nanoseconds.
    func add(
        _ payload: ArraySlice<UInt8>, key: Key, offset: Int, isLast: Bool, nextProtocol: UInt8, time: Int64
    ) -> (payload: [UInt8], nextProtocol: UInt8)? {
        expire(now: time)
        let end = offset &+ payload.count
        // A datagram past 65,535 bytes (the "ping of death") or a last fragment moving an end
        // already known, or data past it: the datagram cannot be made whole.
        guard offset >= 0, end <= Int(UInt16.max) else { drop(key); return nil }
        var datagram = waiting.removeValue(forKey: key) ?? startDatagram(key, time: time)
        if let length = datagram.length, end > length || (isLast && end != length) {
            heldBytes &-= datagram.bytes.count
            return nil
        }
        if isLast {
            guard datagram.covered.last.map({ $0.upperBound <= end }) ?? true else {
                heldBytes &-= datagram.bytes.count
                return nil
            }
            datagram.length = end
        }
        if offset == 0 && datagram.nextProtocol == nil { datagram.nextProtocol = nextProtocol }
        heldBytes &-= datagram.bytes.count
        if !payload.isEmpty { datagram.add(payload, at: offset ..< end) }
        // Each fragment costs work in proportion to the gaps: a datagram of more gaps than a
        // real one has (65,535 bytes in 576-byte packets make 120 fragments) is dropped.
        guard datagram.covered.count <= Self.maximumGaps else { return nil }
        if datagram.isWhole, let whole = datagram.nextProtocol {
            return (datagram.bytes, whole)
        }
        heldBytes &+= datagram.bytes.count
        waiting[key] = datagram
        keepWithinLimits()
        return nil
    }

    private func startDatagram(_ key: Key, time: Int64) -> Datagram {
        arrivalCount &+= 1
        compactArrivals()
        arrivals.append((key, arrivalCount))
        return Datagram(firstTime: time, arrival: arrivalCount)
    }

    private func drop(_ key: Key) {
        guard let datagram = waiting.removeValue(forKey: key) else { return }
        heldBytes &-= datagram.bytes.count
    }

    /// Drops datagrams that began more than the timeout before `now`, oldest first.
    private func expire(now: Int64) {
        while let oldest = arrivals.first {
            guard let datagram = waiting[oldest.key], datagram.arrival == oldest.arrival else {
                arrivals.removeFirst()  // Completed or dropped already.
                continue
            }
            // A file's clock may jump anywhere: an age that does not fit counts as young.
            let (age, overflow) = now.subtractingReportingOverflow(datagram.firstTime)
            guard !overflow, age > limits.timeout else { return }
            arrivals.removeFirst()
            drop(oldest.key)
        }
    }

    /// Drops the oldest datagrams while more are held than the limits allow.
    private func keepWithinLimits() {
        while waiting.count > limits.datagrams || heldBytes > limits.bytes, let oldest = arrivals.popFirst() {
            guard let datagram = waiting[oldest.key], datagram.arrival == oldest.arrival else { continue }
            drop(oldest.key)
        }
    }

    /// Forgets the entries of `arrivals` whose datagrams are gone, when they outnumber the
    /// live ones: datagrams completed behind one still waiting would otherwise pile up there.
    private func compactArrivals() {
        guard arrivals.count > 2 &* max(waiting.count, 64) else { return }
        arrivals = Deque(arrivals.filter { waiting[$0.key]?.arrival == $0.arrival })
    }
}
