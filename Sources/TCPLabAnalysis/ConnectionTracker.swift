import DequeModule
import TCPLabPacket

/// Follows every TCP connection in a stream of segments, from headers alone, and hands out
/// one ``ConnectionRecord`` per connection in the order connections end.
///
/// This is the fast path behind `tcplab inspect --format summary`: it keeps a few counters
/// and flags per connection and does no per-segment annotation (``TCPAnalyzer`` does that).
/// Connections are split as tshark splits `tcp.stream`s, so the count agrees with tshark's
/// conversations: a bare SYN whose sequence number differs from the one that opened the
/// 4-tuple's connection starts a new one.
///
/// A connection ends at its last segment. One that finished (reset, or both FINs
/// acknowledged) is reported once the capture has moved ``retirementDelay`` past its last
/// segment, so stragglers (a resent FIN, a late ACK) still count; at ``finish()`` every
/// connection left is reported, finished or not, by the time of its last segment.
///
/// A value type: held in a local variable, updating it costs no exclusivity check, which
/// on a class's stored properties would cost more than the tracking itself.
public struct ConnectionTracker {
    /// Connections found.
    public private(set) var connectionCount = 0
    /// TCP segments seen.
    public private(set) var segmentCount = 0
    /// Frames skipped, by reason.
    public private(set) var skipped: [DecodedPacket.SkipReason: Int] = [:]
    /// How long a finished connection is remembered after its last segment, in nanoseconds.
    public let retirementDelay: Int64

    /// Where each remembered connection is in `slots`.
    private var connections = ConnectionTable<Int>()
    /// The connections, as values, so that updating one costs no reference counting or
    /// exclusivity check; retired slots are reused.
    private var slots: ContiguousArray<TrackedConnection> = []
    private var freeSlots: [Int] = []
    /// Records ready to hand out, oldest first: taken from the front, moved rather than copied.
    private var ready: Deque<ConnectionRecord> = []
    private var lastSweep: Int64 = .min
    /// Finished connections by when they may be forgotten: slot and stream (a slot is
    /// reused, so its stream tells whether the entry is still its connection's).
    private var retirements = TimeHeap<(slot: Int, stream: Int)>()

    /// A tracker that forgets finished connections `retirementDelay` after their last
    /// segment (longer than Linux's 60 s TIME-WAIT by default).
    public init(retirementDelay: Duration = .seconds(120)) {
        let (seconds, attoseconds) = retirementDelay.components
        self.retirementDelay = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        connections.reserveCapacity(1 << 16)
        slots.reserveCapacity(1 << 14)
    }

    /// Takes one decoded frame captured at `timestamp` (nanoseconds since the epoch).
    public mutating func process(_ decoded: DecodedPacket, timestamp: Int64) {
        switch decoded {
        case .tcp(let segment): process(segment, timestamp: timestamp)
        case .skipped(let reason): skipped[reason, default: 0] += 1
        }
    }

    /// Takes one TCP segment captured at `timestamp`.
    public mutating func process(_ segment: TCPSegment, timestamp: Int64) {
        if lastSweep == .min || timestamp &- lastSweep >= 1_000_000_000 {
            retireFinished(now: timestamp)
            lastSweep = timestamp
        }
        segmentCount += 1
        let key = TrackerKey(segment.source, segment.destination)
        if let slot = connections.value(for: key) {
            if !slots[slot].isReplaced(by: segment) {
                slots[slot].take(segment, time: timestamp)
                noteIfFinished(slot)
                return
            }
            ready.append(slots[slot].record())
            slots[slot] = TrackedConnection(stream: connectionCount, first: segment, time: timestamp)
            connectionCount += 1
            slots[slot].take(segment, time: timestamp)
            noteIfFinished(slot)
            return
        }
        let connection = TrackedConnection(stream: connectionCount, first: segment, time: timestamp)
        connectionCount += 1
        let slot = slots.store(connection, reusing: &freeSlots)
        connections.set(slot, for: key)
        slots[slot].take(segment, time: timestamp)
        noteIfFinished(slot)
    }

    /// Gives the connection in `slot`, if finished, an entry in `retirements` no later than
    /// its last segment (as ``RetirementQueue`` does for the analyzer).
    private mutating func noteIfFinished(_ slot: Int) {
        guard slots[slot].isFinished else { return }
        let time = slots[slot].lastTime
        if let entry = slots[slot].retirementEntry, entry <= time { return }
        slots[slot].retirementEntry = time
        retirements.push(time, (slot, slots[slot].stream))
    }

    /// Ends the input: every connection still remembered becomes ready.
    public mutating func finish() {
        // Sort small keys, not the connections: they are large values.
        let left = connections.values.map { (time: slots[$0].lastTime, stream: slots[$0].stream, slot: $0) }
            .sorted { ($0.time, $0.stream) < ($1.time, $1.stream) }
        ready.reserveCapacity(ready.count + left.count)
        for entry in left { ready.append(slots[entry.slot].record()) }
        connections.removeAll()
        slots.removeAll()
        freeSlots.removeAll()
    }

    /// Whether a record is ready for ``nextRecord()``: asked on every segment, where asking
    /// for the record itself cost a copy of an empty one.
    public var hasRecords: Bool { !ready.isEmpty }

    /// The next connection whose record is final, in the order connections ended; nil if
    /// none is ready yet.
    public mutating func nextRecord() -> ConnectionRecord? {
        ready.popFirst()
    }

    private mutating func retireFinished(now: Int64) {
        // The entries due, not every connection: see RetirementQueue.
        var done: [(key: TrackerKey, slot: Int)] = []
        var later: [Int] = []
        // Saturating, so that the earliest entries are the first due whatever a file's clock.
        while let first = retirements.firstTime, now.saturatingDifference(first) > retirementDelay {
            let (time, entry) = retirements.pop()
            let slot = entry.slot
            // Skip an entry replaced by an earlier one, or whose slot now holds another connection.
            guard slots[slot].stream == entry.stream, slots[slot].retirementEntry == time else { continue }
            slots[slot].retirementEntry = nil
            guard slots[slot].isFinished else { continue }
            if now.saturatingDifference(slots[slot].lastTime) > retirementDelay {
                done.append((TrackerKey(slots[slot].client, slots[slot].server), slot))
            } else {
                later.append(slot)
            }
        }
        for slot in later { noteIfFinished(slot) }
        guard !done.isEmpty else { return }
        done.sort { (slots[$0.slot].lastTime, slots[$0.slot].stream) < (slots[$1.slot].lastTime, slots[$1.slot].stream) }
        for (key, slot) in done {
            slots[slot].retirementEntry = nil
            connections.remove(key)
            ready.append(slots[slot].record())
            freeSlots.append(slot)
        }
    }
}

/// The tracker's key is the analyzer's: a 4-tuple hashed as one folded word.
typealias TrackerKey = ConnectionKey

/// What the tracker keeps of one side of a connection.
struct TrackedSide {
    var direction = ConnectionRecord.Direction()
    /// tshark's relative-numbering base, which decides whether a SYN starts a new connection.
    var base: UInt32 = 0
    var hasBase = false
    var initialSequence: UInt32 = 0
    var sentSYN = false
    var synAcknowledged = false
    var finSequence: UInt32 = 0
    var sentFIN = false
    var finAcknowledged = false
    /// Where this side's segments other than RSTs end (SND.NXT as the capture saw it).
    var sentEnd: UInt32 = 0
    var hasSentEnd = false
    /// The acknowledgment number this side sent last.
    var lastAcknowledgment: UInt32 = 0
}

/// One connection the tracker follows.
struct TrackedConnection {
    let stream: Int
    let client: Endpoint
    let server: Endpoint
    var history: ConnectionHistory
    var fromClient = TrackedSide()
    var fromServer = TrackedSide()
    var events: TrackedEvents
    let firstTime: Int64
    var lastTime: Int64
    /// The time of its valid entry in the tracker's retirement heap, if it has one.
    var retirementEntry: Int64?

    /// A connection whose first segment is `first`: its sender is the client unless it is a
    /// SYN-ACK, whose receiver is.
    init(stream: Int, first: TCPSegment, time: Int64) {
        self.stream = stream
        let synACK = first.flags.contains(.syn) && first.flags.contains(.ack)
        client = synACK ? first.destination : first.source
        server = synACK ? first.source : first.destination
        events = TrackedEvents(joinedMidstream: !first.flags.contains(.syn))
        history = ConnectionHistory(flipped: synACK)
        firstTime = time
        lastTime = time
    }

    /// Nothing more can happen on the wire: reset, or both FINs acknowledged.
    ///
    /// Inlined, like ``isReplaced(by:)``: asked of a connection in the tracker's array on
    /// every segment, a call copied the whole connection (some 400 bytes) out of it first.
    @inline(__always)
    var isFinished: Bool {
        fromClient.direction.resets > 0 || fromServer.direction.resets > 0
            || (fromClient.finAcknowledged && fromServer.finAcknowledged)
    }

    /// Whether `segment` is a SYN that starts a new connection on this 4-tuple (tshark: a
    /// bare SYN whose sequence number is not the sender's base).
    @inline(__always)
    func isReplaced(by segment: TCPSegment) -> Bool {
        guard segment.flags.intersection(.synAndACK) == .syn else { return false }
        let side = segment.source == client ? fromClient : fromServer
        return side.hasBase && side.base != segment.sequenceNumber
    }

    mutating func take(_ segment: TCPSegment, time: Int64) {
        lastTime = time
        let fromClient = segment.source == client
        if fromClient {
            TrackedConnection.take(segment, sender: .client, &self.fromClient, &self.fromServer, &events, time: time)
        } else {
            TrackedConnection.take(segment, sender: .server, &self.fromServer, &self.fromClient, &events, time: time)
        }
        history.record(segment, fromOriginator: fromClient)
    }

    private static func take(
        _ segment: TCPSegment, sender: Side, _ forward: inout TrackedSide, _ reverse: inout TrackedSide,
        _ e: inout TrackedEvents, time: Int64
    ) {
        let flags = segment.flags
        let seq = segment.sequenceNumber
        let ack = segment.acknowledgmentNumber
        let length = UInt32(truncatingIfNeeded: max(segment.payloadLength, 0))
        let acks: (UInt32) -> Bool = { target in flags.contains(.ack) && ack.isAtOrAfter(target) }
        forward.direction.segments += 1
        if !forward.hasBase {
            forward.base = flags.contains(.syn) ? seq : seq &- 1
            forward.hasBase = true
        }
        if !reverse.hasBase && flags.contains(.ack) {
            reverse.base = ack &- 1
            reverse.hasBase = true
        }
        if segment.window == 0 && !flags.contains(.rst) { forward.direction.zeroWindows += 1 }

        // Opening.
        if flags.contains(.syn) {
            if forward.sentSYN && seq == forward.initialSequence {
                forward.direction.synRetransmissions += 1
            } else if !flags.contains(.ack) && sender == .server && !e.joinedMidstream {
                e.simultaneousOpen = true
            }
            if !flags.contains(.ack) && sender == .client { e.clientSYNTime = time }
            if !forward.sentSYN {
                forward.sentSYN = true
                forward.initialSequence = seq
            }
        }
        if reverse.sentSYN && !reverse.synAcknowledged && acks(reverse.initialSequence &+ 1) {
            reverse.synAcknowledged = true
            let roundTrip = time &- e.clientSYNTime
            // A file's clock may run backwards: no round trip then.
            if sender == .client && !flags.contains(.syn) && e.handshakeRoundTrip == nil && e.clientSYNTime != 0 && roundTrip >= 0 {
                e.handshakeRoundTrip = roundTrip
            }
        }

        // Ending.
        if flags.contains(.rst) {
            forward.direction.resets += 1
            if !forward.sentSYN && reverse.sentSYN && !e.joinedMidstream && e.resetBy == nil { e.refused = true }
            // An open connection takes only an RST at RCV.NXT (RFC 5961 section 3): where the
            // sender's other segments end, or the receiver's last ACK, as TCPAnalyzer judges.
            let synchronized = forward.synAcknowledged && reverse.synAcknowledged
            let exact = !synchronized || !forward.hasSentEnd || seq == forward.sentEnd || seq == reverse.lastAcknowledgment
            if e.resetBy == nil && !e.refused && exact { e.resetBy = sender }
        } else {
            let end = seq &+ length &+ (flags.contains(.syn) ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
            if !forward.hasSentEnd || end.isAfter(forward.sentEnd) { forward.sentEnd = end }
            forward.hasSentEnd = true
        }
        if flags.contains(.ack) { forward.lastAcknowledgment = ack }
        if length > 0 && reverse.sentFIN && !forward.sentFIN && acks(reverse.finSequence &+ 1) { e.halfClose = true }
        let resentFIN = forward.sentFIN && seq &+ length == forward.finSequence
        if flags.contains(.fin) && !resentFIN && reverse.sentFIN {
            if acks(reverse.finSequence &+ 1) {
                if !reverse.finAcknowledged { e.threeWayClose = true }
            } else {
                e.simultaneousClose = true
            }
        }
        if reverse.sentFIN && !reverse.finAcknowledged && acks(reverse.finSequence &+ 1) { reverse.finAcknowledged = true }
        if flags.contains(.fin) && !forward.sentFIN {
            forward.sentFIN = true
            forward.finSequence = seq &+ length
            if e.firstToClose == nil { e.firstToClose = sender }
        }
    }

    /// The connection's record as of now.
    func record() -> ConnectionRecord {
        let completed = events.joinedMidstream || (fromClient.synAcknowledged && fromServer.synAcknowledged)
        let opening: ConnectionSummary.Opening
        if events.joinedMidstream {
            opening = .notSeen
        } else if completed {
            opening = events.simultaneousOpen ? .simultaneousOpen : .threeWayHandshake
        } else {
            opening = .notCompleted
        }
        let ending: ConnectionSummary.Ending
        if events.refused {
            ending = .refused
        } else if let side = events.resetBy {
            ending = .reset(by: side)
        } else if fromClient.sentFIN && fromServer.sentFIN {
            if events.simultaneousClose {
                ending = .simultaneousClose
            } else if events.halfClose {
                ending = .halfCloseThenClose
            } else if events.threeWayClose {
                ending = .threeWayClose
            } else {
                ending = .fourWayClose
            }
        } else if let side = events.firstToClose {
            ending = .halfClosed(by: side)
        } else {
            ending = .stillOpen
        }
        var client = fromClient.direction
        var server = fromServer.direction
        client.bytes = UInt64(history.originator.size)
        server.bytes = UInt64(history.responder.size)
        client.retransmissions = Int(history.originator.retransmissions.total)
        server.retransmissions = Int(history.responder.retransmissions.total)
        return ConnectionRecord(
            stream: stream, client: self.client, server: self.server, firstTimestamp: firstTime, lastTimestamp: lastTime,
            opening: opening, ending: ending, firstToClose: events.firstToClose,
            handshakeRoundTrip: opening == .notSeen ? nil : events.handshakeRoundTrip,
            fromClient: client, fromServer: server, zeekState: history.state, history: history.letters)
    }
}

/// What the segments showed about a connection's opening and ending.
struct TrackedEvents {
    /// The first segment had no SYN: the capture started after the handshake.
    let joinedMidstream: Bool
    var clientSYNTime: Int64 = 0
    var handshakeRoundTrip: Int64?
    var simultaneousOpen = false
    var refused = false
    var resetBy: Side?
    var firstToClose: Side?
    var halfClose = false
    var simultaneousClose = false
    var threeWayClose = false
}
