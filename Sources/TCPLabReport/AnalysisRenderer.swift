import TCPLabAnalysis
import TCPLabPacket

/// Something that prints analysis events as they come, and totals at the end.
public protocol AnalysisRenderer: AnyObject {
    /// Prints one event, or keeps it until its connection is summarised (the ladder) or
    /// until enough lines have gathered to hand them to the output at once (JSON lines).
    ///
    /// The event is the renderer's (consuming): taking a segment out of a borrowed event
    /// copied all of it, some 250 bytes and a reference count, on every segment.
    func render(_ event: consuming AnalysisEvent) throws
    /// Hands the output every line made so far, for a run that stops on an error: what
    /// was printed before the error is kept. (A ladder not yet summarised is not printed.)
    func flush() throws
    /// Prints the totals and whatever is still kept.
    func finish(_ totals: AnalysisTotals) throws
}

extension AnalysisRenderer {
    /// Nothing to hand over: the renderer writes each line as it makes it.
    public func flush() throws {}
}

/// Counts for the whole capture, printed last.
public struct AnalysisTotals: Sendable {
    /// Frames read from the file.
    public var frames: Int
    /// TCP segments analysed.
    public var segments: Int
    /// Connections found.
    public var connections: Int
    /// Frames skipped, by reason.
    public var skipped: [DecodedPacket.SkipReason: Int]

    /// Totals with these counts.
    public init(frames: Int, segments: Int, connections: Int, skipped: [DecodedPacket.SkipReason: Int]) {
        self.frames = frames
        self.segments = segments
        self.connections = connections
        self.skipped = skipped
    }

    /// The skip reasons with counts, in a fixed order.
    public var skippedInOrder: [(DecodedPacket.SkipReason, Int)] {
        DecodedPacket.SkipReason.allCases.compactMap { reason in skipped[reason].map { (reason, $0) } }
    }
}
