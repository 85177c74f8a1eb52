import TCPLabPacket

/// Follows every TCP connection in a stream of frames and annotates each segment.
///
/// Feed frames in capture order with ``process(frame:timestamp:decoded:context:)`` and take
/// results with ``nextEvent()``. Memory grows with the connections open at once, not with
/// the input: a finished connection is summarised and forgotten once the capture has moved
/// ``retirementDelay`` past its last segment (longer than Linux's 60 s TIME-WAIT).
///
/// Some annotations need a later segment: whether a FIN was a half-close shows only when the
/// peer sends data after it, and whether a SYN met a listener only when the answer comes.
/// Events wait in order until that answer arrives, at most ``holdBackLimit`` of them; past
/// that the oldest question is settled with the common answer (an active close, a listener).
public final class TCPAnalyzer {
    /// Connection numbering, stream by stream, is tshark's: a bare SYN whose sequence number
    /// differs from the one that opened the 4-tuple's connection starts a new connection.
    public var connectionCount: Int { core.connectionCount }
    /// Frames skipped, by reason.
    public var skipped: [DecodedPacket.SkipReason: Int] { core.skipped }
    /// TCP segments analysed.
    public var segmentCount: Int { core.segmentCount }
    /// How long a finished connection is remembered after its last segment, in nanoseconds.
    public var retirementDelay: Int64 { core.retirementDelay }
    /// How many events may wait for an open question before it is settled.
    public var holdBackLimit: Int { core.holdBackLimit }
    /// Frames the receiving kernel dropped before TCP processed them (a firewall, a full
    /// accept queue: the kernel log's drop reasons, see ``TCPStateMachine``): the capture
    /// saw them, but they move no receiver. Empty unless the caller knows.
    public var unprocessedFrames: Set<Int> {
        get { core.unprocessedFrames }
        set { core.unprocessedFrames = newValue }
    }

    /// All the analysis's state, in one value that each call takes once. Each of a class's
    /// stored properties is checked for exclusive access at run time on every use (14
    /// checks a segment, a tenth of the analysis, when these were the class's own); the
    /// members of a struct are checked by the compiler.
    private var core: Core

    /// An analyzer that forgets finished connections `retirementDelay` after their last
    /// segment and holds back at most `holdBackLimit` events.
    public init(retirementDelay: Duration = .seconds(120), holdBackLimit: Int = 65_536) {
        core = Core(retirementDelay: retirementDelay, holdBackLimit: holdBackLimit)
    }

    /// Analyses one frame.
    ///
    /// - Parameters:
    ///   - frame: Its position in the capture, from 1.
    ///   - timestamp: Capture time in nanoseconds since the epoch.
    ///   - decoded: The decoder's result.
    ///   - context: Anything to hand back with this frame's event (the packet, to copy it).
    public func process(frame: Int, timestamp: Int64, decoded: DecodedPacket, context: (any Sendable)? = nil) {
        core.process(frame: frame, timestamp: timestamp, decoded: decoded, context: context)
    }

    /// Ends the input: settles every open question and summarises every connection left.
    public func finish() { core.finish() }

    /// The next event whose annotation is final, in input order; nil if none is ready yet.
    public func nextEvent() -> AnalysisEvent? { core.nextEvent() }
}

extension TCPAnalyzer {
    /// The analyzer's state and work (see ``TCPAnalyzer`` for what it does).
    struct Core {
        /// An event with the connection whose open question may yet change it.
        struct Record {
            var event: AnalysisEvent
            var owner: Connection?
            var isFinal: Bool
        }

        /// How a later segment answered a connection's open question.
        enum Resolution {
            case answered, refused, halfClose, simultaneousClose
        }

        // What the class's properties of the same names show.
        var connectionCount = 0
        var skipped: [DecodedPacket.SkipReason: Int] = [:]
        var segmentCount = 0
        let retirementDelay: Int64
        let holdBackLimit: Int
        var unprocessedFrames: Set<Int> = []

        private var connections: [ConnectionKey: Connection] = [:]
        private var queue = RecordQueue()
        /// Finished connections, by when they may be forgotten.
        private var retirements = RetirementQueue()
        /// The number the next appended record will get.
        var nextRecordNumber: Int { queue.nextNumber }
        /// After ``finish()``: the connections whose summaries are still to be taken.
        private var unsummarised: [Connection] = []
        private var lastSweep: Int64 = .min
        private var finished = false

        init(retirementDelay: Duration, holdBackLimit: Int) {
            let (seconds, attoseconds) = retirementDelay.components
            self.retirementDelay = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            self.holdBackLimit = holdBackLimit
        }

        /// See ``TCPAnalyzer/process(frame:timestamp:decoded:context:)``.
        mutating func process(frame: Int, timestamp: Int64, decoded: DecodedPacket, context: (any Sendable)?) {
            precondition(!finished, "process(frame:...) after finish()")
            // Forget finished connections first, so a new SYN on a retired 4-tuple starts afresh.
            if lastSweep == .min || timestamp.saturatingDifference(lastSweep) >= 1_000_000_000 {
                retireFinishedConnections(now: timestamp)
                lastSweep = timestamp
            }
            switch decoded {
            case .skipped(let reason):
                skipped[reason, default: 0] += 1
                append(Record(event: .skipped(frame: frame, reason: reason, context: context), owner: nil, isFinal: true))
            case .tcp(let segment):
                segmentCount += 1
                analyze(segment, frame: frame, time: timestamp, context: context)
            }
            while queue.count > holdBackLimit, let owner = queue.waitingFrontOwner {
                settle(owner, answer: nil)
            }
        }

        /// See ``TCPAnalyzer/finish()``.
        mutating func finish() {
            guard !finished else { return }
            finished = true
            // Summaries are made one at a time as they are taken, last stream at the end of the
            // array: a capture may end with many connections still remembered.
            unsummarised = connections.values.sorted(by: { $0.stream > $1.stream })
            connections.removeAll()
            for connection in unsummarised where connection.question != nil { settle(connection, answer: nil) }
        }

        /// See ``TCPAnalyzer/nextEvent()``.
        mutating func nextEvent() -> AnalysisEvent? {
            if let event = queue.popFinal() { return event }
            guard !unsummarised.isEmpty, queue.isEmpty else { return nil }
            return unsummarised.popLast().map { .connection($0.summary()) }
        }

        /// Notes that `connection` may be forgotten once it has been finished long enough.
        mutating func noteIfFinished(_ connection: Connection) {
            if connection.isFinished { retirements.add(connection) }
        }

        // MARK: Connections

        mutating func connection(for segment: TCPSegment, frame: Int, time: Int64) -> (Connection, reused: Bool) {
            let key = ConnectionKey(segment.source, segment.destination)
            let bareSYN = segment.flags.intersection(.synAndACK) == .syn
            var reused = false
            var keptOpen: (connection: Connection, sender: Side)?
            if let existing = connections[key] {
                guard bareSYN else { return (existing, false) }
                let sender = existing.side(of: segment.source)
                let base = sender == .client ? existing.fromClient : existing.fromServer
                if !base.hasBaseSequence || base.baseSequence == segment.sequenceNumber {
                    // The same SYN again: tshark restores the next expected sequence number so the
                    // copy is found to be a retransmission.
                    if sender == .client {
                        existing.fromClient.nextSequence = existing.fromClient.highestSequenceToBeAcknowledged
                    } else {
                        existing.fromServer.nextSequence = existing.fromServer.highestSequenceToBeAcknowledged
                    }
                    return (existing, false)
                }
                // A new SYN on the same 4-tuple: a new connection (port reuse), unless the
                // receiver still holds this one open; tshark numbers a new stream either way.
                if existing.receiverKeepsOpen(againstSYNFrom: sender) { keptOpen = (existing, sender) }
                retire(existing)
                reused = true
            }
            let client: Endpoint
            let server: Endpoint
            let seesSYN = segment.flags.contains(.syn)
            if seesSYN && segment.flags.contains(.ack) {
                (client, server) = (segment.destination, segment.source)
            } else if seesSYN || segment.source.port >= segment.destination.port {
                (client, server) = (segment.source, segment.destination)
            } else {
                // No handshake to tell: the lower port (a well-known one, typically) is the
                // server's, whichever side the capture caught first.
                (client, server) = (segment.destination, segment.source)
            }
            let created = Connection(
                stream: connectionCount, client: client, server: server,
                joinedMidstream: !seesSYN, rolesGuessed: !seesSYN, frame: frame, time: time)
            connectionCount += 1
            if let keptOpen { created.carryOn(from: keptOpen.connection, synSender: keptOpen.sender, syn: segment) }
            connections[key] = created
            return (created, reused)
        }

        private mutating func retire(_ connection: Connection) {
            connection.isRetired = true
            if connection.question != nil { settle(connection, answer: nil) }
            connections[ConnectionKey(connection.client, connection.server)] = nil
            append(Record(event: .connection(connection.summary()), owner: nil, isFinal: true))
        }

        private mutating func retireFinishedConnections(now: Int64) {
            let done = retirements.takeDue(now: now, delay: retirementDelay)
            for connection in done.sorted(by: { $0.stream < $1.stream }) { retire(connection) }
        }

        // MARK: Records

        mutating func append(_ record: consuming Record) {
            let waitsOn = record.owner.flatMap { $0.question != nil ? $0 : nil }
            let number = queue.append(record, isFinal: record.isFinal && waitsOn == nil)
            waitsOn?.waitingRecords.append(number)
        }

        /// Rewrites the annotated segment of record `number`.
        mutating func updateRecord(_ number: Int, _ change: (inout AnnotatedSegment) -> Void) {
            queue.update(number, change)
        }

        /// Settles `connection`'s open question, patching the records that waited for it, and
        /// lets them go. `answer` is the segment that settled it, or nil when it is settled by
        /// default (the hold-back limit, the end of the input).
        mutating func settle(_ connection: Connection, answer: Resolution?) {
            switch (connection.question, answer) {
            case (.synAnswer, .refused?):
                for number in connection.waitingRecords {
                    updateRecord(number) { if $0.serverState == .listen { $0.serverState = .closed } }
                }
            case (.finRole(_, let finRecord), .halfClose?):
                updateRecord(finRecord) {
                    $0.labels.remove(.finActiveClose)
                    $0.labels.insert(.finHalfClose)
                }
            case (.finRole(let closer, _), .simultaneousClose?):
                let other = closer.peer
                for number in connection.waitingRecords {
                    updateRecord(number) {
                        if other == .client, $0.clientState == .closeWait { $0.clientState = .closing }
                        if other == .server, $0.serverState == .closeWait { $0.serverState = .closing }
                        $0.reviseForCrossedFINs(other)
                    }
                }
            default:
                break
            }
            for number in connection.waitingRecords { queue.markFinal(number) }
            connection.question = nil
            connection.waitingRecords = []  // Most connections ask once or twice: free the buffer.
        }
    }
}
