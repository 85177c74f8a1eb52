import TCPLabAnalysis
import TCPLabPacket

/// Something that prints analysis events as they come, and totals at the end.
public protocol AnalysisRenderer: AnyObject {
    /// Prints (or keeps, until its connection is summarised) one event.
    ///
    /// The event is the renderer's (consuming): taking a segment out of a borrowed event
    /// copied all of it, some 250 bytes and a reference count, on every segment.
    func render(_ event: consuming AnalysisEvent) throws
    /// Prints the totals and whatever is still kept.
    func finish(_ totals: AnalysisTotals) throws
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
