import TCPLabPacket

/// One endpoint's move on one segment: the rows of ``TransitionTable`` it took, from the
/// state before to the state after.
///
/// Usually one row. A segment shows two only where the capture reveals something that
/// happened before it: a "server" sending a bare SYN had connected too (CLOSED → SYN-SENT,
/// then the client's SYN: SYN-RECEIVED), and FINs that crossed (ESTABLISHED → FIN-WAIT-1,
/// then the peer's FIN: CLOSING).
public struct EndpointTransition: Sendable, Hashable, CustomStringConvertible {
    /// The state the first row starts from.
    public var from: TCPState
    /// The state after the last row.
    public var to: TCPState
    /// The rows, in the order taken.
    public var rows: TransitionRows

    /// A move from `from` to `to` by `rows`.
    public init(from: TCPState, to: TCPState, rows: TransitionRows) {
        self.from = from
        self.to = to
        self.rows = rows
    }

    /// "ESTABLISHED → CLOSE-WAIT by established/fin (RFC 9293 §3.10.7.4)".
    public var description: String {
        let names = rows.map { "\($0.id) (\($0.inRFC ? "RFC 9293" : "Linux") \($0.section))" }.joined(separator: ", then ")
        return "\(from) → \(to) by \(names)"
    }
}

/// Moves the two endpoints of a connection by ``TransitionTable``, one segment at a time.
///
/// The capture shows each row in one of two ways (``StateTransition/Evidence``): the
/// receiver of a segment takes the row of the segment's arrival (a FIN arriving moves
/// ESTABLISHED to CLOSE-WAIT), and the sender takes the row whose action the segment is
/// (a FIN sent from ESTABLISHED is CLOSE; a listener's SYN-ACK shows it took the SYN).
/// This type only decides which event each endpoint met; the table decides where it goes.
enum TCPStateMachine {
    /// What one segment tells, computed before the flows record it.
    struct Facts {
        var flags: TCPFlags
        /// The sender's first SYN (not one sent again).
        var firstSYN: Bool
        /// The sender's first FIN (not one sent again).
        var firstFIN: Bool
        /// The segment acknowledges the receiver's SYN.
        var acknowledgesSYN: Bool
        /// The segment acknowledges the receiver's SYN and nothing it has not sent
        /// (SND.UNA < SEG.ACK =< SND.NXT, RFC 9293 section 3.10.7.3).
        var acknowledgesSYNExactly: Bool
        /// The segment acknowledges the receiver's FIN.
        var acknowledgesFIN: Bool
        /// The receiver had sent a FIN.
        var receiverSentFIN: Bool
        /// An RST that answers a SYN nothing listened for.
        var refusal: Bool
        /// The sender's previous segment was a keep-alive probe.
        var afterKeepAlive: Bool
        /// The sender's previous segment was its SYN-ACK: it has sent nothing since.
        var afterSYNACK: Bool
        /// The receiver's previous segment carried data.
        var afterReceiverData: Bool
        /// The receiver had sent a SYN / had been reset, for a SYN-ACK to a CLOSED client.
        var receiverSentSYN: Bool
        var receiverAborted: Bool
        /// The earlier records wait on this segment to learn that FINs crossed, and will
        /// show the crossing themselves (``TCPAnalyzer`` rewrites them).
        var crossingRewritesEarlierRecords: Bool
        /// For an RST: where its sequence number falls against the receiver's RCV.NXT.
        var resetPlace: ResetPlace = .exact
        /// A bare SYN with a new sequence number on a connection the receiver holds open
        /// (``TCPAnalyzer``'s ``SegmentLabel/synOnOpenConnection``).
        var synOnOpenConnection = false
        /// Whether the receiver's TCP processed the segment (false: its kernel dropped it
        /// first, as the kernel log tells).
        var arrived = true

        /// Where an RST's sequence number falls (RFC 5961 section 3).
        enum ResetPlace {
            /// At RCV.NXT (or not known otherwise): the RST is acceptable.
            case exact
            /// In the window, not at RCV.NXT: answered by a challenge ACK.
            case inWindow
            /// Outside the window: dropped.
            case outsideWindow
        }
    }

    /// Moves the sender (`senderState`) and the receiver (`receiverState`) by the table;
    /// returns the new states and the moves (nil for an endpoint that took no row).
    static func advance(
        _ facts: Facts, sender: Side, senderState: TCPState, receiverState: TCPState, simultaneousOpen: Bool
    ) -> (senderState: TCPState, receiverState: TCPState, sender: EndpointTransition?, receiver: EndpointTransition?) {
        let flags = facts.flags
        // A segment no endpoint would send (SYN with FIN or RST, no flags at all) moves nothing:
        // the capture cannot tell what the receiver made of it.
        if flags.isEmpty || (flags.contains(.syn) && !flags.isDisjoint(with: .finOrRST)) {
            return (senderState, receiverState, nil, nil)
        }
        func opening(_ side: Side) -> StateTransition.Opening {
            side == .client || simultaneousOpen ? .active : .passive
        }
        let (senderStart, senderEvents, showSender) = senderEvents(facts, state: senderState)
        let sent = walk(from: senderStart, senderEvents, opening: opening(sender), firstSeenBy: .sending, else: senderState)
        let (receiverStart, receiverEvent) = facts.arrived
            ? receiverEvent(facts, state: receiverState, receiverIsClient: sender == .server) : (receiverState, nil)
        let received = walk(
            from: receiverStart, receiverEvent.map { TransitionEvents($0) } ?? TransitionEvents(), opening: opening(sender.peer),
            firstSeenBy: .arrival, else: receiverState)
        return (sent.state, received.state, showSender ? sent.move : nil, received.move)
    }

    /// Takes `events` one after the other from `start`, as far as the table has rows. The
    /// first row must be one the capture shows the way this segment shows it (`evidence`):
    /// a FIN sent in SYN-SENT is not SYN-SENT's CLOSE, which sends nothing. Later rows are
    /// what the segment reveals happened before it. Without a row the endpoint stays in
    /// `current`: no state changes but by a row.
    private static func walk(
        from start: TCPState, _ events: TransitionEvents, opening: StateTransition.Opening,
        firstSeenBy evidence: StateTransition.Evidence, else current: TCPState
    ) -> (state: TCPState, move: EndpointTransition?) {
        var state = start
        var rows = TransitionRows()
        for event in events {
            guard let index = TransitionTable.rowIndex(from: state, event: event, opening: opening) else { break }
            // Two fields read in place: a copy of the row would retain each of its strings.
            guard !rows.isEmpty || TransitionTable.rows[index].evidence == evidence, rows.append(tableIndex: index) else { break }
            state = TransitionTable.rows[index].to
        }
        guard !rows.isEmpty else { return (current, nil) }
        return (state, EndpointTransition(from: start, to: state, rows: rows))
    }

    /// The events whose action the sender's segment is, and the state they start from
    /// when the segment shows the earlier state was not what it seemed.
    private static func senderEvents(_ facts: Facts, state: TCPState) -> (TCPState, TransitionEvents, show: Bool) {
        let flags = facts.flags
        if flags.contains(.rst) {
            // An RST that answers a SYN: nothing listened, so the "server" was CLOSED.
            if facts.refusal || state == .closed { return (.closed, TransitionEvents(.segment), true) }
            // An endpoint's own RST carries its SND.NXT; one elsewhere was not its abort
            // (someone else's, forged, as in the reset-validation lab).
            if state.isSynchronized && facts.resetPlace != .exact { return (state, TransitionEvents(), true) }
            switch state {
            case .listen: return (state, TransitionEvents(.ack), true)
            case .synSent: return (state, TransitionEvents(.unacceptableACK), true)
            case .established where facts.afterSYNACK && !flags.contains(.ack):
                // A listener's RST without ACK, its first segment since the SYN-ACK, answers a
                // segment it did not take: its handshake never completed (Linux: the accept
                // queue was full, tcp_abort_on_overflow=1), whatever the ACK seemed to do.
                return (.synReceived, TransitionEvents(.abort), true)
            case .established: return (state, TransitionEvents(facts.afterKeepAlive ? .keepAliveTimeout : .abort), true)
            case .finWait1, .finWait2: return (state, TransitionEvents(facts.afterReceiverData ? .dataAfterClose : .abort), true)
            default: return (state, TransitionEvents(.abort), true)
            }
        }
        if facts.firstSYN {
            // Only a listener answers a SYN with a SYN-ACK: a "server" taken for CLOSED (an
            // RST seemed to refuse the SYN) was listening after all.
            if flags.contains(.ack) { return (state == .closed ? .listen : state, TransitionEvents(.syn), true) }
            if state == .listen {
                // A listener never sends a bare SYN (Linux: connect() on it fails with
                // EISCONN): this end connected too, and its SYN crossed the peer's.
                return (.closed, TransitionEvents(.activeOpen, .syn), true)
            }
            return (state, TransitionEvents(.activeOpen), true)
        }
        if facts.firstFIN {
            if state == .closeWait && facts.receiverSentFIN && !facts.acknowledgesFIN {
                // The FIN does not acknowledge the peer's: it left before that FIN arrived, so
                // this end closed from ESTABLISHED and then took the peer's FIN in FIN-WAIT-1.
                return (.established, TransitionEvents(.close, .fin), !facts.crossingRewritesEarlierRecords)
            }
            return (state, TransitionEvents(.close), true)
        }
        return (state, TransitionEvents(), true)
    }

    /// The event the receiver meets when the segment arrives, and the state it meets it
    /// in when the segment shows the earlier state was not what it seemed.
    private static func receiverEvent(_ facts: Facts, state: TCPState, receiverIsClient: Bool) -> (TCPState, TransitionEvent?) {
        let flags = facts.flags
        if flags.contains(.rst) {
            // In SYN-SENT only an RST that acknowledges the SYN is acceptable.
            if state == .synSent { return (state, flags.contains(.ack) && facts.acknowledgesSYN ? .rst : nil) }
            // In synchronized states only an RST at RCV.NXT is: one elsewhere in the window
            // draws a challenge ACK, one outside it is dropped (RFC 5961 section 3).
            if state.isSynchronized {
                switch facts.resetPlace {
                case .exact: return (state, .rst)
                case .inWindow: return (state, .rstInWindow)
                case .outsideWindow: return (state, nil)
                }
            }
            return (state, .rst)
        }
        if flags.contains(.syn) {
            guard flags.contains(.ack) else {
                if state == .synSent { return (state, .syn) }
                // RFC 5961 section 4: any SYN in a synchronized state draws a challenge ACK.
                return (state, facts.synOnOpenConnection && state.isSynchronized && state != .timeWait ? .synInWindow : nil)
            }
            var state = state
            if state == .closed && receiverIsClient && !facts.receiverAborted {
                // A SYN-ACK to a client the capture never saw send its SYN (it began later,
                // or the connection opened again): the client was in SYN-SENT.
                state = .synSent
            }
            switch state {
            case .synSent:
                // Acceptable only if it acknowledges the SYN and nothing unsent (SND.UNA <
                // SEG.ACK =< SND.NXT); otherwise it is answered with RST, which shows as the client's row.
                return (state, facts.acknowledgesSYNExactly || !facts.receiverSentSYN ? .synACK : nil)
            case .synReceived:
                return (state, facts.acknowledgesSYN ? .ackOfSYN : nil)
            default:
                return (state, nil)
            }
        }
        if flags.contains(.fin) && (facts.firstFIN || state == .timeWait) {
            return (state, state == .finWait1 && facts.acknowledgesFIN ? .finACKOfFIN : .fin)
        }
        if flags.contains(.ack) && facts.acknowledgesFIN { return (state, .ackOfFIN) }
        if flags.contains(.ack) && facts.acknowledgesSYN && state == .synReceived { return (state, .ackOfSYN) }
        return (state, nil)
    }
}

/// The events one endpoint meets on one segment, in order: none, one, or two (the second
/// is what the segment reveals happened before it). A value, not an array, so that finding
/// them allocates nothing.
struct TransitionEvents: Sequence {
    private var first: TransitionEvent?
    private var second: TransitionEvent?

    init() {}
    init(_ event: TransitionEvent) { first = event }
    init(_ event: TransitionEvent, _ then: TransitionEvent) {
        first = event
        second = then
    }

    func makeIterator() -> Iterator { Iterator(events: self) }

    struct Iterator: IteratorProtocol {
        var events: TransitionEvents

        mutating func next() -> TransitionEvent? {
            defer { (events.first, events.second) = (events.second, nil) }
            return events.first
        }
    }
}

extension AnnotatedSegment {
    /// Shows that `side`, which this segment seemed to move to CLOSE-WAIT, had sent its FIN
    /// already (the FINs crossed): ESTABLISHED → FIN-WAIT-1 → CLOSING.
    mutating func reviseForCrossedFINs(_ side: Side) {
        guard let closing = TransitionTable.rowIndex("established/close"), let crossed = TransitionTable.rowIndex("fin-wait-1/fin") else { return }
        let move = side == .client ? clientTransition : serverTransition
        guard let move, move.to == .closeWait else { return }
        let revised = EndpointTransition(from: move.from, to: .closing, rows: TransitionRows(tableIndices: closing, crossed))
        if side == .client { clientTransition = revised } else { serverTransition = revised }
    }
}
