import DequeModule
import TCPLabPacket

/// Follows every TCP connection in a stream of frames and annotates each segment.
///
/// Feed frames in capture order with ``process(frame:timestamp:decoded:context:emit:)``,
/// which hands each event to a closure as soon as it is final, then call ``finish(emit:)``;
/// or feed them with ``process(frame:timestamp:decoded:context:)`` and take events with
/// ``nextEvent()`` (one way or the other, not both). Memory grows with the connections open
/// at once, not with the input: a finished connection is summarised and forgotten once the
/// capture has moved ``retirementDelay`` past its last segment (longer than Linux's 60 s
/// TIME-WAIT).
///
/// Some annotations need a later segment: whether a FIN was a half-close shows only when the
/// peer sends data after it, and whether a SYN met a listener only when the answer comes.
/// Events wait in order until that answer arrives, at most ``holdBackLimit`` of them; past
/// that the oldest question is settled with the common answer (an active close, a listener).
public final class TCPAnalyzer {
    /// Connection numbering, stream by stream, is tshark's: a bare SYN whose sequence number
    /// differs from the one that opened the 4-tuple's connection starts a new connection.
    public var connectionCount: Int { outside { $0.connectionCount } }
    /// Frames skipped, by reason.
    public var skipped: [DecodedPacket.SkipReason: Int] { outside { $0.skipped } }
    /// TCP segments analysed.
    public var segmentCount: Int { outside { $0.segmentCount } }
    /// How long a finished connection is remembered after its last segment, in nanoseconds.
    public var retirementDelay: Int64 { outside { $0.retirementDelay } }
    /// How many events may wait for an open question before it is settled.
    public var holdBackLimit: Int { outside { $0.holdBackLimit } }
    /// Frames the receiving kernel dropped before TCP processed them (a firewall, a full
    /// accept queue: the kernel log's drop reasons, see ``TCPStateMachine``): the capture
    /// saw them, but they move no receiver. Empty unless the caller knows.
    public var unprocessedFrames: Set<Int> {
        get { outside { $0.unprocessedFrames } }
        set {
            enter()
            defer { busy = false }
            core.unprocessedFrames = newValue
        }
    }

    /// What `read` takes from `core`, read from outside any call (traps when an `emit`
    /// reads the analyzer mid-call). `core` is lent, not copied.
    private func outside<Value>(_ read: (borrowing Core) -> Value) -> Value {
        precondition(!busy, "an emit closure read the TCPAnalyzer that called it")
        return read(core)
    }

    /// All the analysis's state, in one value that each call takes once. Each of a class's
    /// stored properties is checked for exclusive access at run time on every use (14
    /// checks a segment, a tenth of the analysis, when these were the class's own); the
    /// members of a struct are checked by the compiler.
    ///
    /// Not checked at run time (the check, with its thread-local bookkeeping, cost more than
    /// a tenth of an event's analysis): each call takes `core` once, and an `emit` closure
    /// that called back into the analyzer, the one way two accesses could overlap, stops
    /// at the `busy` guard instead.
    @exclusivity(unchecked) private var core: Core
    /// True while a call is inside `core`: a call that finds it set came from an `emit`.
    @exclusivity(unchecked) private var busy = false
    /// Events made final, for ``nextEvent()`` to hand out.
    private var ready: Deque<AnalysisEvent> = []

    /// An analyzer that forgets finished connections `retirementDelay` after their last
    /// segment and holds back at most `holdBackLimit` events.
    public init(retirementDelay: Duration = .seconds(120), holdBackLimit: Int = 65_536) {
        core = Core(retirementDelay: retirementDelay, holdBackLimit: holdBackLimit)
    }

    /// Analyses one frame.
    ///
    /// - Parameters:
    ///   - frame: Its position in the capture, from 1.
    ///   - timestamp: Capture time in nanoseconds since the epoch.
    ///   - decoded: The decoder's result.
    ///   - context: An object to hand back with this frame's event (the packet, to copy it).
    ///   - emit: Takes each event as soon as its annotation is final, in input order: this
    ///     frame's, and earlier ones' that waited for it. It must not call the analyzer.
    public func process(
        frame: Int, timestamp: Int64, decoded: DecodedPacket, context: AnalysisEvent.Context? = nil,
        emit: (consuming AnalysisEvent) -> Void
    ) {
        enter()
        defer { busy = false }
        core.process(frame: frame, timestamp: timestamp, decoded: decoded, context: context, emit: emit)
    }

    /// Marks a call as inside `core`; traps if one already is (an `emit` called the analyzer).
    @inline(__always)
    private func enter() {
        precondition(!busy, "an emit closure called the TCPAnalyzer that called it")
        busy = true
    }

    /// Ends the input: settles every open question and summarises every connection left,
    /// handing each event to `emit` (which must not call the analyzer).
    public func finish(emit: (consuming AnalysisEvent) -> Void) {
        enter()
        core.finish(emit: emit)
        busy = false
        while let summary = nextSummary() { emit(consume summary) }
    }

    /// The next summary of a connection left at the end, made now.
    private func nextSummary() -> AnalysisEvent? {
        enter()
        defer { busy = false }
        return core.nextSummary()
    }

    /// Analyses one frame, keeping the events made final for ``nextEvent()``.
    ///
    /// - Parameters:
    ///   - frame: Its position in the capture, from 1.
    ///   - timestamp: Capture time in nanoseconds since the epoch.
    ///   - decoded: The decoder's result.
    ///   - context: An object to hand back with this frame's event (the packet, to copy it).
    public func process(frame: Int, timestamp: Int64, decoded: DecodedPacket, context: AnalysisEvent.Context? = nil) {
        enter()
        defer { busy = false }
        core.process(frame: frame, timestamp: timestamp, decoded: decoded, context: context) { event in ready.append(consume event) }
    }

    /// Ends the input: settles every open question and summarises every connection left
    /// (the summaries are made as ``nextEvent()`` takes them).
    public func finish() {
        enter()
        defer { busy = false }
        core.finish { event in ready.append(consume event) }
    }

    /// The next event whose annotation is final, in input order; nil if none is ready yet.
    public func nextEvent() -> AnalysisEvent? {
        if let event = ready.popFirst() { return event }
        return nextSummary()
    }
}
