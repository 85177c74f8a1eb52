import TCPLabPacket

// Wireshark's TCP sequence analysis (epan/dissectors/packet-tcp.c,
// tcp_analyze_sequence_number, as of 4.0), re-stated on FlowState. The order of the
// checks and their early exits matter: they decide which finding wins, and tshark's output
// is the reference the tests diff against.
extension FlowState {
    /// Analyses a segment this side sent; `reverse` is the other side. Absolute numbers and
    /// the unscaled window, as tshark uses them.
    mutating func analyze(
        _ segment: TCPSegment, time: Int64, reverse: inout FlowState, initialRoundTrip: Int64
    ) -> AnalysisFlags {
        let seq = segment.sequenceNumber
        let ack = segment.acknowledgmentNumber
        let length = UInt32(truncatingIfNeeded: segment.payloadLength)
        let flags = segment.flags
        let window = UInt32(segment.window)
        let synFinRst = !flags.isDisjoint(with: .synFINOrRST)
        // tshark counts SYN and FIN as one between them: a segment with both (every flag set)
        // still advances by its payload plus one.
        let sequenceLength = length &+ (flags.isDisjoint(with: .synOrFIN) ? 0 : 1)
        var found: AnalysisFlags = []

        checks: do {
            // A zero-window probe: one byte at the next sequence number into a zero window.
            if length == 1 && seq == nextSequence && reverse.window == 0 {
                found.insert(.zeroWindowProbe)
                break checks
            }
            if window == 0 && !synFinRst { found.insert(.zeroWindow) }
            if nextSequence != 0 && seq.isAfter(nextSequence) && !flags.contains(.rst) {
                found.insert(.lostSegment)
            }
            // A keep-alive: no data (or one byte) starting one below the next sequence number.
            if length <= 1 && seq == nextSequence &- 1 && !synFinRst { found.insert(.keepAlive) }
            let repeatsAck = length == 0 && seq == nextSequence && ack == lastAcknowledgment && !synFinRst
            if repeatsAck && window != 0 && window != self.window { found.insert(.windowUpdate) }
            if repeatsAck && window != 0 && window == self.window && reverse.lastAnalysis.contains(.keepAlive) {
                found.insert(.keepAliveACK)
                break checks
            }
            if repeatsAck && window == 0 && window == self.window && reverse.lastAnalysis.contains(.zeroWindowProbe) {
                found.insert(.zeroWindowProbeACK)
                break checks
            }
            if repeatsAck && window != 0 && window == self.window {
                duplicateACKCount = duplicateACKCount == -1 ? 1 : duplicateACKCount &+ 1
                found.insert(.duplicateACK)
            }
        }
        if ack != lastAcknowledgment { duplicateACKCount = 0 }

        if reverse.highestSequenceToBeAcknowledged != 0
            && ack.isAfter(reverse.highestSequenceToBeAcknowledged) && flags.contains(.ack) {
            if reverse.highestSequenceToBeAcknowledged.isBefore(reverse.nextSequence) {
                reverse.highestSequenceToBeAcknowledged = reverse.nextSequence
                found.insert(.ackedUnseenSegment)
            } else {
                if reverse.duplicateACKCount == 0 { found.insert(.ackedUnseenSegment) }
                reverse.duplicateACKCount = -1
            }
        }

        if (length > 0 || !flags.isDisjoint(with: .synOrFIN)) && !found.contains(.keepAlive) {
            var notAdvanced = nextSequence != 0 && seq.isBefore(nextSequence)
            if length > 1 && nextSequence &- 1 == seq { notAdvanced = false }
            if length > 0 && reverse.lastAcknowledgment != 0 && (seq &+ length).isAtOrBefore(reverse.lastAcknowledgment) {
                found.insert(.spuriousRetransmission)
            } else if notAdvanced && reverse.duplicateACKCount.isTwoOrMoreUnsigned && reverse.lastAcknowledgment == seq
                && FlowState.elapsed(from: reverse.lastAcknowledgmentTime, to: time) < 20_000_000 {
                found.insert(.fastRetransmission)
            } else if notAdvanced
                && FlowState.elapsed(from: nextSequenceTime, to: time) < UInt64(bitPattern: initialRoundTrip == 0 ? 3_000_000 : initialRoundTrip)
                && nextSequence != seq &+ sequenceLength {
                found.insert(.outOfOrder)
            } else if notAdvanced {
                found.insert(.retransmission)
            }
        }

        let next = seq &+ sequenceLength
        if (next.isAfter(nextSequence) || nextSequence == 0) && !found.contains(.zeroWindowProbe) {
            nextSequence = next
            nextSequenceTime = time
        }
        if (seq == highestSequenceToBeAcknowledged || highestSequenceToBeAcknowledged == 0)
            && !found.contains(.zeroWindowProbe) {
            highestSequenceToBeAcknowledged = nextSequence
        }
        self.window = window
        lastAcknowledgment = ack
        lastAcknowledgmentTime = time
        lastAnalysis = found
        return found
    }
}

extension FlowState {
    /// Nanoseconds from `earlier` to `later` as tshark's unsigned `guint64` arithmetic has
    /// them: wrapping, so a time that goes backwards (or a hostile file's extremes) gives a
    /// huge value rather than a negative one or an overflow trap.
    @inline(__always)
    static func elapsed(from earlier: Int64, to later: Int64) -> UInt64 {
        UInt64(bitPattern: later &- earlier)
    }
}

extension Int32 {
    /// `dupacknum >= 2` as tshark compares it: the counter is a `guint32`, so the -1 that
    /// marks "ACKed unseen segment" counts as huge, not as less than two.
    @inline(__always)
    var isTwoOrMoreUnsigned: Bool { UInt32(bitPattern: self) >= 2 }
}
