/// What one side of a connection has sent and received, as far as the capture shows.
///
/// The first group of fields mirrors Wireshark's per-direction `tcp_flow` and its sequence
/// analysis (so findings match tshark); the second records the lifecycle events that decide
/// the side's RFC 9293 state.
struct FlowState {
    // Fields are ordered by size so the struct packs tightly: a finished connection stays
    // in memory until the capture is past its TIME-WAIT, and there may be very many.

    // Sequence analysis times, and the payload count (UInt64, Int64).
    var nextSequenceTime: Int64 = 0
    var lastAcknowledgmentTime: Int64 = 0
    var bytes: UInt64 = 0

    // Relative numbering, as tshark does it.
    var baseSequence: UInt32 = 0
    // Sequence analysis, mirroring Wireshark's per-direction `tcp_flow`.
    var nextSequence: UInt32 = 0
    var lastAcknowledgment: UInt32 = 0
    /// The last raw window this side advertised; UInt32.max (no window can be that large)
    /// until it sends, as tshark starts it, so nothing is a zero-window probe before the
    /// peer has advertised a window.
    var window: UInt32 = .max
    var highestSequenceToBeAcknowledged: UInt32 = 0
    /// -1 after an ACK of unseen data; otherwise the duplicate ACKs in a row.
    var duplicateACKCount: Int32 = 0
    var lastLabels: SegmentLabels = []
    var lastAnalysis: AnalysisFlags = []
    /// -1: not known yet; -2: no scaling (an option was missing); otherwise the shift count.
    var windowScale: Int8 = -1
    var hasBaseSequence = false

    // Lifecycle.
    var initialSequence: UInt32 = 0
    /// Sequence number of this side's FIN.
    var finSequence: UInt32 = 0
    var sentSYN = false
    /// This side has sent a SYN-ACK (in a simultaneous open, its answer to the peer's SYN).
    var sentSYNACK = false
    var synAcknowledged = false
    var receivedSYN = false
    var sentFIN = false
    var finAcknowledged = false
    var receivedFIN = false
    /// This side sent its FIN before it had processed the peer's (it closed first).
    var closedFirst = false
    var aborted = false

    /// The side's RFC 9293 state, as ``TransitionTable`` moved it; nil before the first move.
    var tableState: TCPState?
    /// Where the side's SYN, data and FIN seen so far end (its SND.NXT, and the peer's
    /// RCV.NXT once they arrive); RSTs do not count, as a forged one may lie anywhere.
    var sentEnd: UInt32 = 0
    var hasSentEnd = false

    /// The RFC 9293 state the table's rows put the side in (``TCPStateMachine``). Before
    /// any row, a client has no connection (CLOSED) and a server is its listener (LISTEN).
    func state(as side: Side) -> TCPState {
        tableState ?? (side == .server ? .listen : .closed)
    }

    /// Forgets the lifecycle events (not the sequence analysis), for a connection that opens
    /// again after a reset.
    mutating func resetLifecycle() {
        initialSequence = 0
        finSequence = 0
        sentSYN = false
        sentSYNACK = false
        synAcknowledged = false
        receivedSYN = false
        sentFIN = false
        finAcknowledged = false
        receivedFIN = false
        closedFirst = false
        aborted = false
        tableState = nil
    }

    /// Takes `other`'s lifecycle events (not its sequence analysis), for a stream that
    /// continues a connection (``Connection/carryOn(from:synSender:syn:)``). Not `aborted`:
    /// the connection is open, so any RST seen before was refused.
    mutating func takeLifecycle(of other: FlowState) {
        initialSequence = other.initialSequence
        finSequence = other.finSequence
        sentSYN = other.sentSYN
        sentSYNACK = other.sentSYNACK
        synAcknowledged = other.synAcknowledged
        receivedSYN = other.receivedSYN
        sentFIN = other.sentFIN
        finAcknowledged = other.finAcknowledged
        receivedFIN = other.receivedFIN
        closedFirst = other.closedFirst
        tableState = other.tableState
        sentEnd = other.sentEnd
        hasSentEnd = other.hasSentEnd
    }

    /// Marks the handshake as already done, for a connection first seen after it.
    mutating func assumeSynchronized() {
        sentSYN = true
        receivedSYN = true
        synAcknowledged = true
        tableState = .established
    }
}
