import TCPLabPacket

extension TCPAnalyzer {
    /// The analyzer's state and work (see ``TCPAnalyzer`` for what it does).
    struct Core {
        /// Takes each event as it becomes final, in input order.
        typealias Emit = (consuming AnalysisEvent) -> Void

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

        private var connections = ConnectionTable<Connection>()
        private var queue = RecordQueue()
        /// Finished connections, by when they may be forgotten.
        private var retirements = RetirementQueue()
        /// The number the next appended record will get.
        var nextRecordNumber: Int { queue.nextNumber }
        /// After ``finish(emit:)``: the connections whose summaries are still to be taken.
        private var unsummarised: [Connection] = []
        private var lastSweep: Int64 = .min
        private var finished = false
        /// Whether this call to ``process(frame:timestamp:decoded:context:emit:)`` has handed
        /// an event straight out. Such an event stood in the queue before it went through
        /// it, and the hold-back (with a limit of 0, as `tcplab watch` has) settled a question
        /// only while the event at the front waited: the event handed out counts as that front.
        private var handedOutThisCall = false

        init(retirementDelay: Duration, holdBackLimit: Int) {
            let (seconds, attoseconds) = retirementDelay.components
            self.retirementDelay = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            self.holdBackLimit = holdBackLimit
        }

        /// See ``TCPAnalyzer/process(frame:timestamp:decoded:context:emit:)``.
        mutating func process(frame: Int, timestamp: Int64, decoded: DecodedPacket, context: AnalysisEvent.Context?, emit: Emit) {
            precondition(!finished, "process(frame:...) after finish()")
            handedOutThisCall = false
            // Forget finished connections first, so a new SYN on a retired 4-tuple starts afresh.
            if lastSweep == .min || timestamp.saturatingDifference(lastSweep) >= 1_000_000_000 {
                retireFinishedConnections(now: timestamp, emit)
                lastSweep = timestamp
            }
            switch decoded {
            case .skipped(let reason):
                skipped[reason, default: 0] += 1
                append(.skipped(frame: frame, reason: reason, context: context), owner: nil, emit)
            case .tcp(let segment):
                segmentCount += 1
                analyze(segment, frame: frame, time: timestamp, context: context, emit)
            }
            while !handedOutThisCall, queue.count > holdBackLimit, let owner = queue.waitingFrontOwner {
                settle(owner, answer: nil)
            }
            emitFinal(emit)
        }

        /// See ``TCPAnalyzer/finish(emit:)``: settles every question and hands out what is
        /// queued; the summaries of the connections left then come from ``nextSummary()``.
        mutating func finish(emit: Emit) {
            guard !finished else { return }
            finished = true
            // Summaries are made one at a time as they are taken, last stream at the end of the
            // array: a capture may end with many connections still remembered.
            unsummarised = connections.values.sorted(by: { $0.stream > $1.stream })
            connections.removeAll()
            for connection in unsummarised where connection.question != nil { settle(connection, answer: nil) }
            emitFinal(emit)
        }

        /// After ``finish(emit:)``: the summary of the next connection left, by stream.
        mutating func nextSummary() -> AnalysisEvent? {
            unsummarised.popLast().map { .connection($0.summary()) }
        }

        /// Hands out the queued events from the front that are final.
        private mutating func emitFinal(_ emit: Emit) {
            while let event = queue.popFinal() { emit(consume event) }
        }

        /// Notes that `connection` may be forgotten once it has been finished long enough.
        mutating func noteIfFinished(_ connection: Connection) {
            if connection.isFinished { retirements.add(connection) }
        }

        // MARK: Connections

        mutating func connection(for segment: TCPSegment, frame: Int, time: Int64, _ emit: Emit) -> (Connection, reused: Bool) {
            let key = ConnectionKey(segment.source, segment.destination)
            let bareSYN = segment.flags.intersection(.synAndACK) == .syn
            var reused = false
            var keptOpen: (connection: Connection, sender: Side)?
            if let existing = connections.value(for: key) {
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
                retire(existing, emit)
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
            connections.set(created, for: key)
            return (created, reused)
        }

        private mutating func retire(_ connection: Connection, _ emit: Emit) {
            connection.isRetired = true
            if connection.question != nil { settle(connection, answer: nil) }
            connections.remove(ConnectionKey(connection.client, connection.server))
            append(.connection(connection.summary()), owner: nil, emit)
        }

        private mutating func retireFinishedConnections(now: Int64, _ emit: Emit) {
            let done = retirements.takeDue(now: now, delay: retirementDelay)
            for connection in done.sorted(by: { $0.stream < $1.stream }) { retire(connection, emit) }
        }

        // MARK: Records

        /// Hands out `event`, or queues it: while `owner` has an open question the event
        /// waits on it, and while anything is queued the event waits its turn.
        ///
        /// Most events are final when made and find the queue empty: handed straight out,
        /// such an event is not copied into the queue and out again (some 240 bytes, seven
        /// times on its way to a renderer when every event went through the queue).
        mutating func append(_ event: consuming AnalysisEvent, owner: consuming Connection?, _ emit: Emit) {
            guard let owner, owner.question != nil else {
                if queue.isEmpty {
                    handedOutThisCall = true
                    emit(event)
                } else {
                    queue.append(event, waitingOn: nil)
                }
                return
            }
            let number = queue.append(event, waitingOn: owner)
            owner.waitingRecords.append(number)
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
