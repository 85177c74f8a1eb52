import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport

/// Which rows of RFC 9293's state table (``TransitionTable``) a set of labs traverses.
///
/// The evidence is the wire: each lab's annotated capture, analysed again now, so the rows
/// are the ones today's analysis infers from the segments (not the ones an old comment
/// names). Rows no segment can show (a timer, a call that sends nothing) are counted apart:
/// only the kernel log of a run sees them.
public struct StateCoverage: Sendable {
    /// One row and the labs whose captures traverse it.
    public struct Row: Sendable {
        /// The row.
        public var transition: StateTransition
        /// The labs that traverse it, in the order given.
        public var labs: [String]
        /// The labs whose run's kernel log confirmed the move (``measure(results:)`` only).
        public var confirmedIn: [String] = []

        /// Why no lab reaches it, when none does.
        public var gap: Gap? {
            guard labs.isEmpty else { return nil }
            if !transition.onLinux { return .notOnLinux }
            switch transition.evidence {
            case .none: return .kernelOnly
            case .notInferred: return .notInferred
            case .arrival, .sending: return .notYet
            }
        }
    }

    /// Why a row is not covered.
    public enum Gap: String, Sendable {
        /// Linux cannot take it.
        case notOnLinux = "not possible on Linux"
        /// No segment shows it; only the kernel log of a run can.
        case kernelOnly = "nothing on the wire (a timer or a call that sends nothing): only the kernel log sees it"
        /// The capture shows it, but the analysis does not tell it apart yet.
        case notInferred = "on the wire, but the analysis does not tell it apart yet"
        /// No lab makes it happen yet.
        case notYet = "no built-in lab reaches it yet"
    }

    /// Every row of the table, in its order.
    public var rows: [Row]
    /// Labs whose capture could not be read, with the reason.
    public var unreadable: [(lab: String, reason: String)]

    /// The rows some lab traverses.
    public var covered: Int { rows.count { !$0.labs.isEmpty } }
    /// The rows whose move some lab's kernel log confirmed.
    public var confirmed: Int { rows.count { !$0.confirmedIn.isEmpty } }

    /// The rows the labs' runs traverse, each marked with the labs whose kernel log
    /// confirmed it: a row is confirmed in a lab when the run's check of a wire transition
    /// (``LabResult/kernelAgreement``) at the same frame, to the same state, found the
    /// kernel's own move. Rows that keep the state have no move to confirm. A row that
    /// nothing on the wire shows counts as traversed, and confirmed, where the kernel log
    /// has its move and the lab's own call explains it.
    public static func measure(results: [LabResult]) -> StateCoverage {
        var labsByRow: [String: [String]] = [:]
        var confirmedByRow: [String: [String]] = [:]
        for result in results {
            let segments = result.events.compactMap { event -> AnnotatedSegment? in
                if case .segment(let segment, _) = event { return segment }
                return nil
            }
            for id in rowsReached(by: segments).keys { labsByRow[id, default: []].append(result.name) }
            var confirmedRows: Set<String> = []
            for segment in segments {
                for move in [segment.clientTransition, segment.serverTransition].compactMap({ $0 }) where move.from != move.to {
                    let confirmed = result.kernelAgreement.contains {
                        $0.seenBy == "wire" && $0.frame == segment.frame && $0.to == move.to.rawValue && $0.confirmed
                    }
                    if confirmed { confirmedRows.formUnion(move.rows.filter(\.movesState).map(\.id)) }
                }
            }
            // A move nothing on the wire shows, which the kernel log saw and the lab's own
            // call explains (listen(), close() with SO_LINGER {1, 0} in LAST-ACK), is the one
            // row with that move and no wire evidence. Where two such rows share the move
            // (close() or the user timeout in SYN-SENT), a call of that socket that failed
            // with ETIMEDOUT names the timeout; otherwise the log cannot say which, and none
            // counts.
            for check in result.kernelAgreement where check.seenBy == "kernel" && check.confirmed {
                var candidates = TransitionTable.rows.filter {
                    $0.evidence == .none && $0.onLinux && $0.from.rawValue == check.from && $0.to.rawValue == check.to
                }
                let timedOut = result.steps.contains { $0.actor == check.socket && $0.status == .passed && $0.observed.hasPrefix("ETIMEDOUT") }
                if candidates.count > 1 && timedOut { candidates = candidates.filter { $0.event == .userTimeout } }
                guard candidates.count == 1, let row = candidates.first else { continue }
                confirmedRows.insert(row.id)
                if labsByRow[row.id]?.last != result.name { labsByRow[row.id, default: []].append(result.name) }
            }
            for id in confirmedRows { confirmedByRow[id, default: []].append(result.name) }
        }
        return StateCoverage(
            rows: TransitionTable.rows.map {
                Row(transition: $0, labs: labsByRow[$0.id] ?? [], confirmedIn: confirmedByRow[$0.id] ?? [])
            },
            unreadable: [])
    }

    /// Reads each lab's capture (`captures`: lab name and path) and records the rows its
    /// segments take.
    public static func measure(captures: [(lab: String, path: String)]) -> StateCoverage {
        var labsByRow: [String: [String]] = [:]
        var unreadable: [(lab: String, reason: String)] = []
        for (lab, path) in captures {
            do {
                for id in try rowsReached(inCapture: path).keys.sorted() { labsByRow[id, default: []].append(lab) }
            } catch {
                unreadable.append((lab, "\(error)"))
            }
        }
        return StateCoverage(
            rows: TransitionTable.rows.map { Row(transition: $0, labs: labsByRow[$0.id] ?? []) }, unreadable: unreadable)
    }

    /// The rows the segments of the capture at `path` take, each with the frames that take it.
    public static func rowsReached(inCapture path: String) throws -> [String: [Int]] {
        let reader = try CaptureFileReader(path: path)
        let analyzer = TCPAnalyzer()
        var segments: [AnnotatedSegment] = []
        func drain() {
            while let event = analyzer.nextEvent() {
                if case .segment(let segment, _) = event { segments.append(segment) }
            }
        }
        var frame = 0
        let fragments = FragmentReassembler()
        while let packet = try reader.next() {
            frame += 1
            analyzer.process(frame: frame, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode(reassembling: fragments))
            drain()
        }
        analyzer.finish()
        drain()
        return rowsReached(by: segments)
    }

    /// The rows `segments` take, each with the frames that take it (a frame once per row).
    public static func rowsReached(by segments: [AnnotatedSegment]) -> [String: [Int]] {
        var frames: [String: [Int]] = [:]
        for segment in segments {
            for move in [segment.clientTransition, segment.serverTransition].compactMap({ $0 }) {
                for row in move.rows where frames[row.id]?.last != segment.frame {
                    frames[row.id, default: []].append(segment.frame)
                }
            }
        }
        return frames
    }
}
