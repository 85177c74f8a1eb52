import TCPLabPacket

extension TCPAnalyzer {
    /// Moves both endpoints of `connection` by ``TransitionTable`` for `segment`, from what
    /// the flows recorded before it; returns the sender's and the receiver's moves.
    func moveStates(
        _ segment: TCPSegment, sender: Side, labels: SegmentLabels, after senderPreviousLabels: SegmentLabels,
        _ connection: Connection, _ forward: inout FlowState, _ reverse: inout FlowState
    ) -> (sender: EndpointTransition?, receiver: EndpointTransition?) {
        let flags = segment.flags
        let ack = segment.acknowledgmentNumber
        let acknowledges: (UInt32) -> Bool = { target in flags.contains(.ack) && ack.isAtOrAfter(target) }
        var crossingRewrites = false
        if case .finRole(let closer, _)? = connection.question, closer == sender.peer { crossingRewrites = true }
        let facts = TCPStateMachine.Facts(
            flags: flags,
            firstSYN: flags.contains(.syn) && !forward.sentSYN,
            firstFIN: flags.contains(.fin) && !forward.sentFIN,
            acknowledgesSYN: reverse.sentSYN && acknowledges(reverse.initialSequence &+ 1),
            acknowledgesFIN: reverse.sentFIN && acknowledges(reverse.finSequence &+ 1),
            receiverSentFIN: reverse.sentFIN,
            refusal: labels.contains(.rstRefused),
            afterKeepAlive: senderPreviousLabels.contains(.keepAlive),
            afterSYNACK: !senderPreviousLabels.isDisjoint(with: [.handshakeSYNACK, .synACKRetransmission]),
            afterReceiverData: !reverse.lastLabels.isDisjoint(with: [.data, .retransmission]),
            receiverSentSYN: reverse.sentSYN,
            receiverAborted: reverse.aborted,
            crossingRewritesEarlierRecords: crossingRewrites)
        let moved = TCPStateMachine.advance(
            facts, sender: sender, senderState: forward.state(as: sender), receiverState: reverse.state(as: sender.peer),
            simultaneousOpen: connection.simultaneousOpen)
        forward.tableState = moved.senderState
        reverse.tableState = moved.receiverState
        return (moved.sender, moved.receiver)
    }
}
