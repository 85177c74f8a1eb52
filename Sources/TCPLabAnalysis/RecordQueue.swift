import DequeModule

/// The analyzer's events in input order, each numbered from the first ever appended, with
/// whether its annotation is final; they leave from the front once it is.
///
/// One value in ``TCPAnalyzer``'s state: each of a class's stored properties
/// is checked for exclusive access at run time on every use, and taking an event used the
/// records, their flags and the front's number in turn.
struct RecordQueue {
    private var records: Deque<TCPAnalyzer.Core.Record> = []
    /// Whether each record is final, beside it: reading a record's flag in the deque would
    /// copy the whole record (its segment, context and owner) to read one bit.
    private var finalFlags: Deque<Bool> = []
    /// Number of the record at the front.
    private var start = 0

    /// The number the next appended record will get.
    var nextNumber: Int { start &+ records.count }

    var count: Int { records.count }
    var isEmpty: Bool { records.isEmpty }

    /// The owner of the front record while that record still waits for an answer.
    var waitingFrontOwner: Connection? {
        finalFlags.first == false ? records.first?.owner : nil
    }

    /// Appends `record`; returns its number.
    @discardableResult
    mutating func append(_ record: consuming TCPAnalyzer.Core.Record, isFinal: Bool) -> Int {
        records.append(record)
        finalFlags.append(isFinal)
        return start &+ records.count &- 1
    }

    /// Removes and returns the front event if it is final.
    mutating func popFinal() -> AnalysisEvent? {
        guard finalFlags.first == true else { return nil }
        start &+= 1
        finalFlags.removeFirst()
        // Moved out: taking `.event` of the removed record would copy the event.
        return records.removeFirst().takeEvent()
    }

    /// Marks record `number` final, if it is still queued.
    mutating func markFinal(_ number: Int) {
        let index = number &- start
        guard index >= 0, index < finalFlags.count else { return }
        finalFlags[index] = true
    }

    /// Rewrites the annotated segment of record `number`, if it is still queued.
    mutating func update(_ number: Int, _ change: (inout AnnotatedSegment) -> Void) {
        let index = number &- start
        guard index >= 0, index < records.count, case .segment(var annotated, let context) = records[index].event else { return }
        change(&annotated)
        records[index].event = .segment(annotated, context: context)
    }
}
