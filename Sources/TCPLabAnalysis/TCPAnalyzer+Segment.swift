import TCPLabPacket

extension TCPAnalyzer.Core {
    /// Numbers, findings, labels and states for one segment, in the order tshark computes
    /// them: relative bases, sequence analysis on absolute numbers and the raw window,
    /// window scaling from what the earlier SYNs said, then this segment's options.
    mutating func analyze(_ segment: TCPSegment, frame: Int, time: Int64, context: AnalysisEvent.Context?, _ emit: Emit) {
        let (connection, reused) = connection(for: segment, frame: frame, time: time, emit)
        let sender = connection.side(of: segment.source)
        if case .keptOpen(let synRecord)? = connection.question, sender == .server { answerKeptOpen(connection, segment, synRecord: synRecord) }
        let repeatsSYN = reopenIfNewHandshake(connection, segment, sender: sender)
        // One value made once and moved on: changed after it was made, it was copied.
        let annotated = sender == .client
            ? annotate(
                segment, sender: sender, connection, &connection.fromClient, &connection.fromServer,
                frame: frame, time: time, repeatsSYN: repeatsSYN, reused: reused)
            : annotate(
                segment, sender: sender, connection, &connection.fromServer, &connection.fromClient,
                frame: frame, time: time, repeatsSYN: repeatsSYN, reused: reused)
        let labels = annotated.labels
        connection.lastFrame = frame
        connection.lastTime = time
        connection.segments += 1
        // Counted as labelled, so the count agrees with the segments shown (tshark's finding
        // on data after an RST numbered far ahead is not a retransmission: see annotate).
        if !labels.isDisjoint(with: Self.retransmissionLabels) { connection.retransmissions += 1 }

        // Does this segment answer a question an earlier one left open?
        let resolution = resolution(of: segment, from: sender, in: connection)
        if let resolution { settle(connection, answer: resolution) }
        // Does it open one?
        if connection.question == nil {
            if labels.contains(.synOnOpenConnection) {
                connection.question = .keptOpen(synRecord: nextRecordNumber)
            } else if !labels.isDisjoint(with: Self.synLabels) && !connection.fromServer.sentSYN {
                connection.question = .synAnswer
            } else if labels.contains(.finActiveClose) && connection.firstToClose == sender && !connection.simultaneousClose {
                connection.question = .finRole(closer: sender, finRecord: nextRecordNumber)
            }
        }
        noteIfFinished(connection)
        // Moved out, not copied: a segment is some 200 bytes. The connection is handed over
        // too (its reference from the lookup, rather than another retain and release).
        append(.segment(consume annotated, context: context), owner: consume connection, emit)
    }

    /// Starts the connection's lifecycle again when, after a reset, the client sends its SYN
    /// again or the server answers with a SYN-ACK: a new handshake on the same four-tuple
    /// that tshark keeps in the same stream. Returns whether the segment repeats the SYN
    /// the client sent before (same sequence number), so it is labelled as sent again.
    private mutating func reopenIfNewHandshake(_ connection: Connection, _ segment: TCPSegment, sender: Side) -> Bool {
        let flags = segment.flags
        guard flags.contains(.syn), connection.fromClient.aborted, !Self.hasContradictoryFlags(flags) else { return false }
        let bareSYN = !flags.contains(.ack)
        guard bareSYN ? sender == .client : sender == .server else { return false }
        let repeats = bareSYN && connection.fromClient.sentSYN && connection.fromClient.initialSequence == segment.sequenceNumber
        if connection.question != nil { settle(connection, answer: nil) }
        connection.reopen(bySYNACK: bareSYN ? nil : segment)
        return repeats
    }

    /// Settles whether the receiver of a SYN on an open connection kept it: a SYN-ACK or
    /// an RST answers only from an endpoint without the connection (Linux answers a SYN on
    /// its open connection with a challenge ACK), so the SYN opened a new one after all
    /// and its record is rewritten as the handshake's first segment.
    private mutating func answerKeptOpen(_ connection: Connection, _ segment: TCPSegment, synRecord: Int) {
        let flags = segment.flags
        let refused = flags.contains(.rst) && !flags.contains(.syn)
        if refused || flags.isSuperset(of: .synAndACK) {
            connection.openAfterAll()
            let activeOpen = TransitionTable.rowIndex("closed/active-open")
            updateRecord(synRecord) {
                $0.labels.remove(.synOnOpenConnection)
                $0.labels.insert(.handshakeSYN)
                $0.clientState = .synSent
                $0.serverState = refused ? .closed : .listen
                $0.clientTransition = activeOpen.map { EndpointTransition(from: .closed, to: .synSent, rows: TransitionRows(tableIndices: $0)) }
                $0.serverTransition = nil
            }
        }
        settle(connection, answer: nil)
    }

    /// SYN with FIN or RST: no endpoint following RFC 9293 sends these (scanners do).
    static func hasContradictoryFlags(_ flags: TCPFlags) -> Bool {
        flags.contains(.syn) && !flags.isDisjoint(with: .finOrRST)
    }

    @inline(__always)  // Returned from a call, the segment was copied (a reference count and 200 bytes).
    private mutating func annotate(
        _ segment: TCPSegment, sender: Side, _ connection: Connection,
        _ forward: inout FlowState, _ reverse: inout FlowState, frame: Int, time: Int64, repeatsSYN: Bool, reused: Bool
    ) -> AnnotatedSegment {
        let flags = segment.flags
        let seq = segment.sequenceNumber
        let ack = segment.acknowledgmentNumber
        let length = segment.payloadLength

        // A SYN-ACK whose sequence number is not the side's base opens anew: tshark takes
        // its number as the base (and notes the port numbers as reused).
        let rebased = flags.contains(.syn) && flags.contains(.ack) && forward.hasBaseSequence && seq != forward.baseSequence
        if rebased { forward.baseSequence = seq }
        // Relative numbering bases (tshark: a SYN's own number, otherwise one below the first seen).
        if !forward.hasBaseSequence {
            forward.baseSequence = flags.contains(.syn) ? seq : seq &- 1
            forward.hasBaseSequence = true
        }
        if !reverse.hasBaseSequence && flags.contains(.ack) {
            reverse.baseSequence = ack &- 1
            reverse.hasBaseSequence = true
        }
        let previousAck = forward.lastAcknowledgment
        let previousWindow = forward.window
        var analysis = forward.analyze(segment, time: time, reverse: &reverse, initialRoundTrip: connection.initialRoundTrip)
        if rebased || reused { analysis.insert(.reusedPorts) }
        var window = UInt32(segment.window)
        if !flags.contains(.syn) && forward.windowScale >= 0 { window <<= UInt32(forward.windowScale) }
        if let shift = segment.options.windowScale { forward.windowScale = Int8(min(shift, 14)) }
        if flags.contains(.syn) {
            // Scaling is used only if both SYNs carry the option (RFC 7323 section 2.2). A SYN
            // or SYN-ACK without it turns scaling off both ways, also when an earlier SYN of
            // the same four-tuple (sent again, or before a reset) carried it.
            if segment.options.windowScale == nil {
                forward.windowScale = -2
                reverse.windowScale = -2
            } else if flags.contains(.ack) && reverse.windowScale == -2 {
                forward.windowScale = -2
            }
            if !flags.contains(.ack) { connection.lastSYNTime = time }
        }
        if flags.intersection(.synAndACK) == .ack && connection.lastSYNTime != 0 && connection.initialRoundTrip == 0 {
            connection.initialRoundTrip = time.saturatingDifference(connection.lastSYNTime)
        }

        // Teaching labels, from the findings and from what each side had done before.
        var labels = SegmentLabels()
        let acks: (UInt32) -> Bool = { target in flags.contains(.ack) && ack.isAtOrAfter(target) }
        let isRetransmission = !analysis.isDisjoint(with: .anyRetransmission)
        let resentSYN = repeatsSYN || (forward.sentSYN && seq == forward.initialSequence && !connection.joinedMidstream)
        // A segment no endpoint would send is named for that, and moves no state: the
        // capture cannot tell what the receiver made of it.
        let contradictory = Self.hasContradictoryFlags(flags)
        let noFlags = flags.rawValue & 0x1FF == 0  // The nine control bits; reserved bits are no flag.
        if contradictory {
            labels.insert(.contradictoryFlags)
        } else if noFlags {
            labels.insert(.noFlags)
        } else if flags.contains(.syn) {
            if flags.contains(.ack) {
                // In a simultaneous open each side answers the other's SYN with a SYN-ACK
                // that repeats its own SYN's sequence number (RFC 9293 section 3.5, figure 8):
                // an answer, not a retransmission, whatever tshark's sequence analysis says.
                let answersSimultaneousSYN = connection.simultaneousOpen && !forward.sentSYNACK && forward.receivedSYN
                labels.insert(answersSimultaneousSYN ? .simultaneousOpen : resentSYN ? .synACKRetransmission : .handshakeSYNACK)
                forward.sentSYNACK = true
            } else if connection.synOnOpenConnection == seq {
                labels.insert(.synOnOpenConnection)
            } else if resentSYN {
                labels.insert(.synRetransmission)
            } else if sender == .server {
                labels.insert(.simultaneousOpen)
                connection.simultaneousOpen = true
            } else {
                labels.insert(.handshakeSYN)
            }
        } else if flags.contains(.ack) && reverse.sentSYN && !reverse.synAcknowledged && forward.sentSYN
            && ack == reverse.initialSequence &+ 1 && !connection.joinedMidstream {
            labels.insert(.handshakeACK)
        }
        // Where an RST falls against the receiver's RCV.NXT: it names the RST here and moves
        // the receiver in moveStates (both from the flows as they are before this segment).
        let resetPlace = Self.resetPlace(of: segment, forward, reverse)
        if flags.contains(.rst) && !contradictory {
            if !forward.sentSYN && reverse.sentSYN && !connection.joinedMidstream {
                labels.insert(.rstRefused)
                connection.refused = true
            } else if reverse.state(as: sender.peer).isSynchronized {
                // A synchronized receiver takes only an RST at RCV.NXT (RFC 5961 section 3):
                // one elsewhere in its window draws a challenge ACK, one outside is dropped;
                // neither aborts anything.
                switch resetPlace {
                case .exact: labels.insert(.rstAbort)
                case .inWindow: labels.insert(.rstInWindow)
                case .outsideWindow: labels.insert(.rstOutsideWindow)
                }
            } else {
                labels.insert(.rstAbort)
            }
            if labels.contains(.rstAbort) && connection.resetBy == nil && !connection.refused { connection.resetBy = sender }
        }
        let resentFIN = forward.sentFIN && seq &+ UInt32(truncatingIfNeeded: length) == forward.finSequence
        if flags.contains(.fin) && !resentFIN && !contradictory {
            if reverse.sentFIN {
                if acks(reverse.finSequence &+ 1) {
                    labels.insert(.finPassiveClose)
                    if !reverse.finAcknowledged { connection.threeWayClose = true }
                } else {
                    labels.insert(.finActiveClose)  // The FINs crossed.
                    connection.simultaneousClose = true
                }
            } else {
                labels.insert(.finActiveClose)  // Until the peer's next move says otherwise.
            }
        }
        if reverse.sentFIN && !reverse.finAcknowledged && acks(reverse.finSequence &+ 1) { labels.insert(.ackOfFIN) }
        let probe = analysis.contains(.zeroWindowProbe) || (analysis.contains(.keepAlive) && reverse.window == 0)
        // tshark counts an RST's sequence number as sent, so bytes after an RST numbered far
        // ahead are a retransmission or out of order there (its finding is kept); bytes that
        // start where the sender's other segments ended were never sent before: data.
        let newBytes = forward.hasSentEnd && seq.isAtOrAfter(forward.sentEnd)
        if length > 0 {
            if isRetransmission && !newBytes {
                labels.insert(.retransmission)
            } else if analysis.contains(.outOfOrder) && !newBytes {
                labels.insert(.outOfOrder)
            } else if probe {
                labels.insert(.zeroWindowProbe)
            } else if analysis.contains(.keepAlive) {
                labels.insert(.keepAlive)
            } else {
                labels.insert(.data)
                forward.bytes &+= UInt64(truncatingIfNeeded: length)
            }
        } else {
            if probe {
                labels.insert(.zeroWindowProbe)
            } else if analysis.contains(.keepAlive) {
                labels.insert(.keepAlive)
            }
            if isRetransmission && !flags.contains(.syn) { labels.insert(.retransmission) }
        }
        // An answer to a probe is named for the probe, even where tshark's rules see a
        // window update (the first ACK after the handshake changes the unscaled window).
        let plainAck = length == 0 && flags.isDisjoint(with: .synFINOrRST) && ack == previousAck
        let answersProbe = analysis.contains(.zeroWindowProbeACK) || (plainAck && reverse.lastLabels.contains(.zeroWindowProbe))
        let answersKeepAlive = analysis.contains(.keepAliveACK) || (plainAck && reverse.lastLabels.contains(.keepAlive))
        if answersProbe {
            labels.insert(.zeroWindowProbeACK)
        } else if answersKeepAlive {
            labels.insert(.keepAliveACK)
        }
        if analysis.contains(.duplicateACK) && !answersKeepAlive { labels.insert(.duplicateACK) }
        if analysis.contains(.zeroWindow) { labels.insert(.zeroWindow) }
        // The answer to a probe that opens a closed window is the window update as well.
        let reopens = answersProbe && previousWindow == 0 && segment.window != 0
        if analysis.contains(.windowUpdate) && (reopens || (!answersProbe && !answersKeepAlive)) { labels.insert(.windowUpdate) }
        if analysis.contains(.lostSegment) { labels.insert(.previousSegmentNotCaptured) }
        if analysis.contains(.ackedUnseenSegment) { labels.insert(.ackedUnseenSegment) }
        // The receiver of a SYN on its open connection answers with an ACK of its own numbers.
        let owesChallengeACK = connection.owesChallengeACK == sender
        if owesChallengeACK { connection.owesChallengeACK = nil }
        if length == 0 && flags.intersection(.lifecycle) == .ack {
            if owesChallengeACK {
                labels.insert(.challengeACK)
                labels.remove(.duplicateACK)  // tshark's finding stays; the label says why.
            } else if labels.isDisjoint(with: Self.specificACKLabels) {
                labels.insert(.pureACK)
            }
        }
        if segment.headerCut { labels.insert(.headerCut) }
        let senderPreviousLabels = forward.lastLabels
        forward.lastLabels = labels
        let arrived = !unprocessedFrames.contains(frame)
        let moves = moveStates(
            segment, sender: sender, labels: labels, after: senderPreviousLabels, resetPlace: resetPlace,
            arrived: arrived, connection, &forward, &reverse)
        if labels.contains(.rstInWindow) && arrived { connection.owesChallengeACK = sender.peer }
        if labels.contains(.synOnOpenConnection) && arrived { connection.owesChallengeACK = sender.peer }

        // Lifecycle events: what the sender did, what the ACK confirms, what the receiver got.
        if !contradictory {
            recordLifecycle(of: segment, sender: sender, connection, &forward, &reverse, acks: acks)
        }

        // Without ACK, the acknowledgment field is shown as it is on the wire (as tshark does).
        let relativeAck = flags.contains(.ack) ? ack &- reverse.baseSequence : ack
        let clientFlow = sender == .client ? forward : reverse
        let serverFlow = sender == .client ? reverse : forward
        return AnnotatedSegment(
            frame: frame, stream: connection.stream, timestamp: time, segment: segment, sender: sender,
            relativeSequence: seq &- forward.baseSequence, relativeAcknowledgment: relativeAck, window: window,
            labels: labels, analysis: analysis,
            clientState: clientFlow.state(as: .client), serverState: serverFlow.state(as: .server),
            clientTransition: sender == .client ? moves.sender : moves.receiver,
            serverTransition: sender == .client ? moves.receiver : moves.sender)
    }

    /// What the segment changes in both sides' lifecycles: SYN and FIN sent and received,
    /// acknowledged, or the connection reset.
    private mutating func recordLifecycle(
        of segment: TCPSegment, sender: Side, _ connection: Connection,
        _ forward: inout FlowState, _ reverse: inout FlowState, acks: (UInt32) -> Bool
    ) {
        let flags = segment.flags
        let seq = segment.sequenceNumber
        if flags.contains(.syn) && !forward.sentSYN {
            forward.sentSYN = true
            forward.initialSequence = seq
        }
        if flags.contains(.syn) { reverse.receivedSYN = true }
        if flags.contains(.ack) {
            if reverse.sentSYN && !reverse.synAcknowledged && acks(reverse.initialSequence &+ 1) {
                reverse.synAcknowledged = true
                forward.receivedSYN = true
                if forward.synAcknowledged { connection.handshakeCompleted = true }
            }
            if forward.sentSYN && forward.synAcknowledged && reverse.synAcknowledged { connection.handshakeCompleted = true }
            if reverse.sentFIN && !reverse.finAcknowledged && acks(reverse.finSequence &+ 1) {
                reverse.finAcknowledged = true
                forward.receivedFIN = true
            }
        }
        if flags.contains(.fin) && !forward.sentFIN {
            forward.sentFIN = true
            forward.finSequence = seq &+ UInt32(truncatingIfNeeded: segment.payloadLength)
            forward.closedFirst = !(reverse.sentFIN && acks(reverse.finSequence &+ 1))
            reverse.receivedFIN = true
            if connection.firstToClose == nil { connection.firstToClose = sender }
        }
        if flags.contains(.rst) {
            forward.aborted = true
            reverse.aborted = true
        }
    }

    /// Whether `segment` answers the connection's open question, and how.
    private mutating func resolution(of segment: TCPSegment, from sender: Side, in connection: Connection) -> Resolution? {
        switch connection.question {
        case .synAnswer?:
            guard sender == .server else { return nil }
            return segment.flags.contains(.rst) ? .refused : .answered
        case .finRole(let closer, _)?:
            if segment.flags.contains(.rst) { return .answered }
            guard sender == closer.peer else { return nil }
            let closerFlow = closer == .client ? connection.fromClient : connection.fromServer
            let sawFIN = segment.flags.contains(.ack) && segment.acknowledgmentNumber.isAtOrAfter(closerFlow.finSequence &+ 1)
            if !sawFIN {
                // Sent before the FIN arrived: only a FIN of its own tells anything (they crossed).
                return segment.flags.contains(.fin) ? .simultaneousClose : nil
            }
            if segment.payloadLength > 0 {
                connection.halfClose = true
                return .halfClose
            }
            return segment.flags.contains(.fin) ? .answered : nil
        case .keptOpen?, nil:
            return nil
        }
    }

    // Computed, and spelled with `|`: constants where they are used (see SegmentLabels.|).

    /// The labels of a segment sent again.
    static var retransmissionLabels: SegmentLabels { .retransmission | .synRetransmission | .synACKRetransmission }
    /// The labels of a client's SYN, first or sent again.
    static var synLabels: SegmentLabels { .handshakeSYN | .synRetransmission }
    /// The labels of a server's SYN-ACK, first or sent again.
    static var synACKLabels: SegmentLabels { .handshakeSYNACK | .synACKRetransmission }
    /// The labels of a segment carrying data, new or sent again.
    static var dataLabels: SegmentLabels { .data | .retransmission }

    /// Labels that say more about an ACK than "pure ACK" would.
    static var specificACKLabels: SegmentLabels {
        .handshakeACK | .ackOfFIN | .duplicateACK | .windowUpdate
            | .keepAlive | .keepAliveACK | .zeroWindowProbe | .zeroWindowProbeACK
    }
}
