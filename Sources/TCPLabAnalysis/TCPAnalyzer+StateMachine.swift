import TCPLabPacket

extension TCPAnalyzer.Core {
    /// Where an RST falls against the receiver's RCV.NXT: exact (where the sender's other
    /// segments end, or what the receiver last acknowledged: an RST that answers a segment
    /// carries that segment's ACK number, with or without ACK of its own, RFC 9293 section
    /// 3.10.7.1), elsewhere in the window the receiver advertised, or outside it (RFC 5961
    /// section 3). Any other segment, and an RST before the sender sent anything: exact.
    static func resetPlace(
        of segment: TCPSegment, _ forward: FlowState, _ reverse: FlowState
    ) -> TCPStateMachine.Facts.ResetPlace {
        let seq = segment.sequenceNumber
        guard segment.flags.contains(.rst), forward.hasSentEnd, seq != forward.sentEnd, seq != reverse.lastAcknowledgment
        else { return .exact }
        let scale = reverse.windowScale > 0 ? UInt64(reverse.windowScale) : 0
        let window = UInt64(reverse.window) << scale
        return UInt64(seq &- forward.sentEnd) < window ? .inWindow : .outsideWindow
    }

    /// Moves both endpoints of `connection` by ``TransitionTable`` for `segment`, from what
    /// the flows recorded before it; returns the sender's and the receiver's moves. A
    /// segment that did not `arrive` (its receiver's kernel dropped it unprocessed) moves
    /// only its sender. `resetPlace` is ``resetPlace(of:_:_:)`` for it.
    mutating func moveStates(
        _ segment: TCPSegment, sender: Side, labels: SegmentLabels, after senderPreviousLabels: SegmentLabels,
        resetPlace rstPlace: TCPStateMachine.Facts.ResetPlace, arrived: Bool, _ connection: Connection, _ forward: inout FlowState, _ reverse: inout FlowState
    ) -> (sender: EndpointTransition?, receiver: EndpointTransition?) {
        let flags = segment.flags
        let ack = segment.acknowledgmentNumber
        let acknowledges: (UInt32) -> Bool = { target in flags.contains(.ack) && ack.isAtOrAfter(target) }
        let seq = segment.sequenceNumber
        // A SYN the receiver keeps the connection open against moves none of its numbers.
        let synOnOpenConnection = labels.contains(.synOnOpenConnection)
        if !flags.contains(.rst) && !synOnOpenConnection {
            let end = seq &+ segment.sequenceLength
            if !forward.hasSentEnd || end.isAfter(forward.sentEnd) { forward.sentEnd = end }
            forward.hasSentEnd = true
        }
        var crossingRewrites = false
        if case .finRole(let closer, _)? = connection.question, closer == sender.peer { crossingRewrites = true }
        let facts = TCPStateMachine.Facts(
            flags: flags,
            firstSYN: flags.contains(.syn) && !forward.sentSYN,
            firstFIN: flags.contains(.fin) && !forward.sentFIN,
            acknowledgesSYN: reverse.sentSYN && acknowledges(reverse.initialSequence &+ 1),
            acknowledgesSYNExactly: reverse.sentSYN && flags.contains(.ack) && ack.isAfter(reverse.initialSequence)
                && (!reverse.hasSentEnd || ack.isAtOrBefore(reverse.sentEnd)),
            acknowledgesFIN: reverse.sentFIN && acknowledges(reverse.finSequence &+ 1),
            receiverSentFIN: reverse.sentFIN,
            refusal: labels.contains(.rstRefused),
            afterKeepAlive: senderPreviousLabels.contains(.keepAlive),
            afterSYNACK: !senderPreviousLabels.isDisjoint(with: Self.synACKLabels),
            afterReceiverData: !reverse.lastLabels.isDisjoint(with: Self.dataLabels),
            receiverSentSYN: reverse.sentSYN,
            receiverAborted: reverse.aborted,
            crossingRewritesEarlierRecords: crossingRewrites,
            resetPlace: rstPlace,
            synOnOpenConnection: synOnOpenConnection,
            arrived: arrived)
        let moved = TCPStateMachine.advance(
            facts, sender: sender, senderState: forward.state(as: sender), receiverState: reverse.state(as: sender.peer),
            simultaneousOpen: connection.simultaneousOpen)
        forward.tableState = moved.senderState
        reverse.tableState = moved.receiverState
        return (moved.sender, moved.receiver)
    }
}
