import TCPLabAnalysis
import TCPLabPacket

/// What one segment's line in ``LadderRenderer`` shows, kept until its connection is
/// printed: 48 bytes, where the line's text is some 125.
struct LadderStep {
    var frame: Int
    var timestamp: Int64
    var payloadLength: Int
    var relativeSequence: UInt32
    var relativeAcknowledgment: UInt32
    var window: UInt32
    var labels: SegmentLabels
    var flags: TCPFlags
    var analysis: AnalysisFlags
    var clientState: TCPState
    var serverState: TCPState
    var fromClient: Bool

    init(_ segment: AnnotatedSegment) {
        frame = segment.frame
        timestamp = segment.timestamp
        payloadLength = segment.segment.payloadLength
        relativeSequence = segment.relativeSequence
        relativeAcknowledgment = segment.relativeAcknowledgment
        window = segment.window
        labels = segment.labels
        flags = segment.segment.flags
        analysis = segment.analysis
        clientState = segment.clientState
        serverState = segment.serverState
        fromClient = segment.sender == .client
    }
}

/// The steps of every pending ladder, in blocks of fixed size, each ladder a chain through
/// them; a printed ladder's steps are reused for later ones.
///
/// Text output holds the steps of every connection until its summary comes (up to the
/// analyzer's retirement delay after it ends), so their storage is most of its memory. An
/// array per connection would carry its header and, growing by doubling, a quarter to a
/// half of unused room; a single growing array would be copied whole when it grows, twice
/// its size for a moment. Here memory follows the steps pending at once, plus one block.
struct StepArena {
    /// One step and the place of the next in its chain (-1: the last).
    private struct Slot {
        var step: LadderStep
        var next: Int
    }

    private static let blockShift = 12
    private static let blockSize = 1 << blockShift

    private var blocks: [ContiguousArray<Slot>] = []
    /// Slots ever filled; those below it are in use or in the free chain.
    private var filled = 0
    /// The first free slot, -1 when none.
    private var freeHead = -1

    /// One chain: a ladder's steps in order.
    struct Chain {
        fileprivate(set) var first = -1
        fileprivate(set) var last = -1
        /// How many steps the chain holds.
        fileprivate(set) var count = 0
    }

    /// Adds `step` at the end of `chain`.
    mutating func append(_ step: LadderStep, to chain: inout Chain) {
        let slot = Slot(step: step, next: -1)
        let index: Int
        if freeHead >= 0 {
            index = freeHead
            freeHead = self[index].next
            self[index] = slot
        } else {
            index = filled
            if index >> Self.blockShift == blocks.count {
                var block = ContiguousArray<Slot>()
                block.reserveCapacity(Self.blockSize)
                blocks.append(block)
            }
            blocks[index >> Self.blockShift].append(slot)
            filled += 1
        }
        if chain.last >= 0 { self[chain.last].next = index } else { chain.first = index }
        chain.last = index
        chain.count += 1
    }

    /// Calls `body` with each step of `chain` in order, then frees the chain's slots.
    mutating func consume(_ chain: Chain, _ body: (LadderStep) throws -> Void) rethrows {
        guard chain.first >= 0 else { return }
        defer {
            self[chain.last].next = freeHead
            freeHead = chain.first
        }
        var index = chain.first
        for _ in 0..<chain.count {
            let slot = self[index]
            try body(slot.step)
            index = slot.next
        }
    }

    private subscript(index: Int) -> Slot {
        get { blocks[index >> Self.blockShift][index & (Self.blockSize - 1)] }
        set { blocks[index >> Self.blockShift][index & (Self.blockSize - 1)] = newValue }
    }
}
