import DequeModule

/// Puts fragmented IP datagrams back together, so that a TCP segment that IP fragmentation
/// split is decoded whole, at the frame of the fragment that completed it, as tshark shows it
/// ("Reassembled IPv4 in frame N").
///
/// Stands for a receiver's reassembly: RFC 791 section 3.2 (IPv4 fragments belong together
/// when source, destination, protocol and identification match) and RFC 8200 section 4.5
/// (IPv6: source, destination and the Fragment header's identification); for IPv4, as in
/// tshark, the VLAN identifier counts too. A datagram is whole once a last fragment (More
/// Fragments clear) has set its length and fragments cover every byte before it. (tshark
/// folds an IPv4 datagram's protocol, identification and VLAN into one number by XOR, so two
/// datagrams can share it there; here each field must match.)
///
/// Where fragments disagree, tshark's reading is kept, so that `inspect` agrees with it:
/// where they overlap, the one with the lower offset wins, or the first in at the same
/// offset; the first last fragment sets the length, and later ones, and bytes past the
/// length, are ignored; a fragment with no data counts for nothing. (Linux 6.18 drops a
/// datagram with any of these and delivers nothing; only exact duplicates pass.) The
/// protocol the datagram carries is the one its first fragment names, as RFC 8200 says for
/// IPv6 (tshark takes the completing fragment's).
///
/// Fragments come from files of any origin, so what is held is bounded: a datagram is at most
/// 65,535 bytes and ``maximumFragments`` fragments; at most ``Limits/datagrams`` wait at once,
/// holding at most ``Limits/bytes`` in all, and past either the oldest is dropped (Linux
/// instead refuses every new fragment while it holds more than `ipfrag_high_thresh`); and one
/// still incomplete ``Limits/timeout`` of capture time after its first fragment is dropped, as
/// Linux drops it after `ipfrag_time`, where tshark would wait for ever: its late fragments
/// never reached the receiver's TCP. One reassembler serves one stream of frames (a capture
/// file, a live capture).
public final class FragmentReassembler {
    /// What a reassembler may hold.
    public struct Limits: Sendable {
        /// Datagrams waiting for fragments at once.
        public var datagrams: Int
        /// Bytes of fragments held in all.
        public var bytes: Int
        /// Capture time, in nanoseconds, a datagram may wait after its first fragment.
        public var timeout: Int64

        /// Linux's `ipfrag_high_thresh` (4 MiB) and `ipfrag_time` (30 s), and as many
        /// datagrams as 4 MiB holds of 4 KiB ones.
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
        /// The innermost 802.1Q VLAN identifier (IPv4 only, as tshark keys it), 0 for none.
        let vlan: UInt16
    }

    /// A datagram waiting for fragments.
    private struct Datagram {
        /// The fragments in, in arrival order, each copied out of its frame.
        private(set) var fragments: [(offset: Int, bytes: [UInt8])] = []
        /// Their bytes, all told.
        private(set) var byteCount = 0
        /// Which bytes fragments have brought: sorted, apart, none empty.
        var covered: [Range<Int>] = []
        /// The payload's length, from the first last fragment in.
        var length: Int?
        /// The protocol after the IP header, once the first fragment is in.
        var nextProtocol: UInt8?
        /// Capture time of its first fragment in.
        let firstTime: Int64
        /// Its place in arrival order, to tell its entry in `arrivals` from an earlier
        /// datagram's under the same key.
        let arrival: Int

        /// The payload's length and protocol once fragments cover it all; nil before.
        var completion: (length: Int, nextProtocol: UInt8)? {
            guard let length, let nextProtocol, let first = covered.first, first.lowerBound == 0, first.upperBound >= length
            else { return nil }
            return (length, nextProtocol)
        }

        /// Whether it began more than `timeout` before `now`. A file's clock may jump
        /// anywhere: an age that does not fit counts as young.
        func hasExpired(now: Int64, timeout: Int64) -> Bool {
            let (age, overflow) = now.subtractingReportingOverflow(firstTime)
            return !overflow && age > timeout
        }

        /// Keeps a fragment's bytes (copied, so that no frame's buffer is kept alive by a
        /// fragment that waits) and notes the range they cover.
        mutating func add(_ bytes: ArraySlice<UInt8>, at offset: Int) {
            // A fragment sent again (at an offset already in, no longer) can win no byte: the
            // earlier one wins at the same offset. Kept, it would count against the limits.
            if fragments.contains(where: { $0.offset == offset && $0.bytes.count >= bytes.count }) { return }
            fragments.append((offset, Array(bytes)))
            byteCount &+= bytes.count
            cover(offset ..< offset &+ bytes.count)
        }

        /// Notes that `range` is covered, joining the runs it touches.
        private mutating func cover(_ range: Range<Int>) {
            var joined = range
            var kept: [Range<Int>] = []
            kept.reserveCapacity(covered.count &+ 1)
            for run in covered {
                if run.upperBound < joined.lowerBound || run.lowerBound > joined.upperBound {
                    kept.append(run)
                } else {
                    joined = min(joined.lowerBound, run.lowerBound) ..< max(joined.upperBound, run.upperBound)
                }
            }
            kept.insert(joined, at: kept.firstIndex { $0.lowerBound > joined.lowerBound } ?? kept.endIndex)
            covered = kept
        }

        /// The payload, `length` bytes: each fragment's bytes where no fragment of a lower
        /// offset, or an earlier one at the same offset, has its own.
        func assembled(length: Int) -> [UInt8] {
            var payload = [UInt8](repeating: 0, count: length)
            // Written highest offset first and, at one offset, last in first, so that what
            // wins is written last.
            let order = fragments.indices.sorted { (fragments[$0].offset, $0) > (fragments[$1].offset, $1) }
            for index in order {
                let (offset, bytes) = fragments[index]
                let end = min(offset &+ bytes.count, length)
                guard offset < end else { continue }
                payload.replaceSubrange(offset ..< end, with: bytes.prefix(end &- offset))
            }
            return payload
        }
    }

    /// The most fragments one datagram may take: a 65,535-byte datagram in 576-byte packets
    /// makes 120, and each fragment in costs work in proportion to those before it.
    static let maximumFragments = 256

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
        // A fragment with no data brings nothing, not even an end (tshark and Linux agree).
        guard !payload.isEmpty else { return nil }
        let end = offset &+ payload.count
        // Past 65,535 bytes (the "ping of death") the datagram cannot be made whole.
        guard offset >= 0, end <= Int(UInt16.max) else { drop(key); return nil }
        // A datagram is dropped once too old even when the file's clock went back, so that
        // an older one arrived later did not keep it in `arrivals`.
        if let waited = waiting[key], waited.hasExpired(now: time, timeout: limits.timeout) { drop(key) }
        var datagram = waiting.removeValue(forKey: key) ?? startDatagram(key, time: time)
        // Out of the table while it changes; its bytes count again when it goes back.
        heldBytes &-= datagram.byteCount
        guard datagram.fragments.count < Self.maximumFragments else { return nil }
        if isLast && datagram.length == nil { datagram.length = end }
        if offset == 0 && datagram.nextProtocol == nil { datagram.nextProtocol = nextProtocol }
        datagram.add(payload, at: offset)
        if let (length, carried) = datagram.completion {
            return (datagram.assembled(length: length), carried)
        }
        heldBytes &+= datagram.byteCount
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
        heldBytes &-= datagram.byteCount
    }

    /// Drops datagrams that began more than the timeout before `now`, oldest first.
    private func expire(now: Int64) {
        while let oldest = arrivals.first {
            guard let datagram = waiting[oldest.key], datagram.arrival == oldest.arrival else {
                arrivals.removeFirst()  // Completed or dropped already.
                continue
            }
            guard datagram.hasExpired(now: now, timeout: limits.timeout) else { return }
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
