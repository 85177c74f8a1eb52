import DequeModule

/// The analyzer's events in input order, each numbered from the first ever appended, with
/// the connection each still waits on; they leave from the front once they wait on none.
///
/// Only events that wait, and those behind them, pass through it (``TCPAnalyzer/Core``
/// hands the others straight out). One value in ``TCPAnalyzer``'s state: each of a class's
/// stored properties is checked for exclusive access at run time on every use.
struct RecordQueue {
    /// The events, moved in and out whole: wrapped in a record with its owner, each one
    /// was copied again on the way out.
    private var events: Deque<AnalysisEvent> = []
    /// Beside each event, the connection whose open question may yet change it; nil once
    /// it is final. Only an event that waits holds a reference (no reference counting for
    /// the others), and reading whether one waits copies no event.
    private var waitingOn: Deque<Connection?> = []
    /// Number of the event at the front.
    private var start = 0

    /// The number the next appended event will get.
    var nextNumber: Int { start &+ events.count }

    var count: Int { events.count }
    var isEmpty: Bool { events.isEmpty }

    /// The connection the front event waits on, if it waits.
    var waitingFrontOwner: Connection? {
        waitingOn.first ?? nil
    }

    /// Appends `event`, final unless it waits on `owner`; returns its number.
    @discardableResult
    mutating func append(_ event: consuming AnalysisEvent, waitingOn owner: Connection?) -> Int {
        events.append(event)
        waitingOn.append(owner)
        return start &+ events.count &- 1
    }

    /// Removes and returns the front event if it is final.
    mutating func popFinal() -> AnalysisEvent? {
        guard let first = waitingOn.first, first == nil else { return nil }
        start &+= 1
        waitingOn.removeFirst()
        return events.removeFirst()
    }

    /// Marks event `number` final, if it is still queued.
    mutating func markFinal(_ number: Int) {
        let index = number &- start
        guard index >= 0, index < waitingOn.count else { return }
        waitingOn[index] = nil
    }

    /// Rewrites the annotated segment of event `number`, if it is still queued.
    mutating func update(_ number: Int, _ change: (inout AnnotatedSegment) -> Void) {
        let index = number &- start
        guard index >= 0, index < events.count, case .segment(var annotated, let context) = events[index] else { return }
        change(&annotated)
        events[index] = .segment(annotated, context: context)
    }
}
