import TCPLabKernel
import TCPLabReport

/// A measurement a lesson may quote: `{took: nagle-send}` is the time the step named
/// `nagle-send` took in this run. The parser checks each placeholder's name and what it
/// refers to; Labs/README.md's table is ``LessonMeasure/markdown`` (a test keeps it so).
public enum LessonMeasure: String, CaseIterable, Sendable {
    /// How long a socket call took ("43.9 ms").
    case took
    /// When a step ended, in seconds since the lab began ("2.013 s").
    case time
    /// Bytes a send or recv moved ("16384").
    case bytes
    /// Seconds left on the timer of the socket a check or wait looked at ("59.872 s").
    case expires
    /// What a step observed, as the report shows it ("ECONNREFUSED").
    case observed
    /// A `gap` expectation's measured seconds ("1.015 s").
    case gap
    /// A `gaps` expectation's gaps ("1.004 s, 2.012 s, 4.031 s").
    case gaps
    /// The ratios of a `gaps` expectation's gaps, each to the one before ("2.00, 2.00").
    case ratios
    /// How many segments a `segment`/`count` expectation matched ("3").
    case count
    /// How much a kernel counter grew during the lab ("3").
    case counter

    /// What the name after the colon refers to.
    enum Reference {
        /// A step with `id:` (a socket call only, with `callsOnly`).
        case step(callsOnly: Bool)
        /// A capture expectation with `id:`, of the kind `matches` accepts.
        case capture(kind: String, matches: @Sendable (CaptureExpectation.Kind) -> Bool)
        /// A counter's name, as nstat names it.
        case counter
    }

    var reference: Reference {
        switch self {
        case .took, .bytes: return .step(callsOnly: true)
        case .time, .observed, .expires: return .step(callsOnly: false)
        case .gap: return .capture(kind: "gap") { if case .gap = $0 { true } else { false } }
        case .gaps, .ratios: return .capture(kind: "gaps") { if case .gaps = $0 { true } else { false } }
        case .count: return .capture(kind: "segment and count") { if case .count = $0 { true } else { false } }
        case .counter: return .counter
        }
    }

    /// An example as a lesson writes it, and what it stands for.
    var documentation: (example: String, meaning: String) {
        switch self {
        case .took: return ("{took: nagle-send}", "how long the socket call with `id: nagle-send` took: `43.9 ms`, or `3.063 s` from a second up")
        case .time: return ("{time: reset}", "when the step with `id: reset` ended, seconds since the lab began: `2.013 s`")
        case .bytes: return ("{bytes: fill}", "bytes the send or recv with `id: fill` moved: `2626560`")
        case .expires: return ("{expires: in-time-wait}", "seconds left on the timer of the socket the check or wait with `id: in-time-wait` looked at: `59.872 s`")
        case .observed: return ("{observed: second-send}", "what the step with `id: second-send` observed, as the report shows it: `EPIPE`")
        case .gap: return ("{gap: first-retry}", "the seconds the `gap` expectation with `id: first-retry` measured: `1.015 s`")
        case .gaps: return ("{gaps: backoff}", "the gaps the `gaps` expectation with `id: backoff` measured: `0.204, 0.412, 0.820 s`")
        case .ratios: return ("{ratios: backoff}", "each of those gaps divided by the one before: `2.02, 1.99`")
        case .count: return ("{count: retries}", "how many segments the `segment` expectation with `id: retries` matched: `6`")
        case .counter: return ("{counter: TcpExt.ListenOverflows}", "how much the kernel counter grew during the lab: `3`")
        }
    }

    /// The Markdown table Labs/README.md shows.
    public static var markdown: String {
        var text = "| Placeholder | Filled with |\n|---|---|\n"
        for measure in allCases { text += "| `\(measure.documentation.example)` | \(measure.documentation.meaning) |\n" }
        return text
    }
}

/// A placeholder in a lesson: `{gap: first-retry}`.
public struct LessonPlaceholder: Sendable {
    /// As written, braces included.
    public var text: String
    /// What it quotes.
    public var measure: LessonMeasure
    /// The `id` (or counter name) after the colon.
    public var name: String
    /// Where it starts in the lesson, in characters.
    var offset: Int
    /// Its line in the lesson, from 0.
    var lineInLesson: Int
    /// Its line in the lab file (0 until the parser places it).
    var line = 0

    /// The placeholders in `lesson`: every `{word: name}` whose word is lowercase letters
    /// (so `{on, 0}` is text). An unknown word, an empty name or a missing `}` is an error
    /// with the placeholder's line in the lesson, counted from 0.
    static func scan(_ lesson: String) -> Result<[LessonPlaceholder], PlaceholderError> {
        var found: [LessonPlaceholder] = []
        let characters = Array(lesson)
        var line = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "\n" { line += 1 }
            guard character == "{" else { index += 1; continue }
            var end = index + 1
            while end < characters.count, characters[end].isASCII, characters[end].isLowercase { end += 1 }
            guard end > index + 1, end < characters.count, characters[end] == ":" else { index += 1; continue }
            let word = String(characters[(index + 1)..<end])
            guard let close = characters[end...].firstIndex(where: { $0 == "}" || $0 == "\n" }), characters[close] == "}" else {
                return .failure(PlaceholderError(line: line, message: "'{\(word):' opens a placeholder that has no '}' on its line"))
            }
            guard let measure = LessonMeasure(rawValue: word) else {
                return .failure(PlaceholderError(line: line, message: "unknown placeholder '{\(word): ...}'; placeholders: \(LessonMeasure.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            let name = String(characters[(end + 1)..<close]).trimmingSpaces
            guard !name.isEmpty else {
                return .failure(PlaceholderError(line: line, message: "'{\(word):}' needs a name: \(measure.documentation.example)"))
            }
            found.append(LessonPlaceholder(
                text: String(characters[index...close]), measure: measure, name: name, offset: index, lineInLesson: line))
            index = close + 1
        }
        return .success(found)
    }

    /// A mistake in a placeholder, with its line in the lesson.
    struct PlaceholderError: Error {
        let line: Int
        let message: String
    }
}

extension Lab {
    /// The first `{counter: Group.Name}` placeholder naming a counter `counters` lacks, as
    /// "file:line: ..." with the group's counters. Checked when a run starts, not when the
    /// file is parsed (parsing reads nothing but the file): an unchanged counter is absent
    /// from a run's changes, so a misspelt name would otherwise read "0", as if measured.
    public func unknownLessonCounter(in counters: KernelCounters) -> String? {
        for placeholder in lessonPlaceholders where placeholder.measure == .counter && !counters.has(placeholder.name) {
            let parts = placeholder.name.split(separator: ".", maxSplits: 1)
            let group = parts.first.map(String.init) ?? ""
            let name = parts.count > 1 ? String(parts[1]) : placeholder.name
            let known = counters.values.keys.filter { $0.hasPrefix(group + ".") }.map { String($0.dropFirst(group.count + 1)) }.sorted()
            return "\(source):\(placeholder.line): \(placeholder.text): no counter \(name) in group \(group) on this kernel"
                + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")
        }
        return nil
    }

    /// The lesson with each placeholder replaced by what `result` measured, and the values
    /// one by one. A value whose step or expectation failed is followed by "[did not
    /// hold]"; one the run did not measure reads "[not measured]". Each paragraph is one
    /// line (blank lines between them): the file's line breaks fitted the placeholders, not
    /// the values; a reader wraps the text to its own width.
    public func filledLesson(from result: LabResult) -> (text: String, values: [LessonValue]) {
        let (text, values) = filledLines(from: result)
        return (text.paragraphs.joined(separator: "\n\n") + (text.hasSuffix("\n") ? "\n" : ""), values)
    }

    /// The lesson with its placeholders filled, its line breaks as in the file.
    private func filledLines(from result: LabResult) -> (text: String, values: [LessonValue]) {
        guard !lessonPlaceholders.isEmpty else { return (lesson, []) }
        let values = lessonPlaceholders.map { value(of: $0, in: result) }
        var text = ""
        var characters = Array(lesson)[...]
        var position = 0
        for (placeholder, value) in zip(lessonPlaceholders, values) {
            text += String(characters.prefix(placeholder.offset - position))
            characters = characters.dropFirst(placeholder.offset - position + placeholder.text.count)
            position = placeholder.offset + placeholder.text.count
            text += value.text
        }
        return (text + String(characters), values)
    }

    /// What `result` measured for `placeholder`.
    func value(of placeholder: LessonPlaceholder, in result: LabResult) -> LessonValue {
        func make(_ value: String?, _ status: LessonValue.Status, _ source: String) -> LessonValue {
            LessonValue(placeholder: placeholder.text, value: value, status: value == nil && status == .measured ? .notMeasured : status, source: source)
        }
        switch placeholder.measure.reference {
        case .counter:
            let source = "counter \(placeholder.name)"
            // Counters are read once the steps end; a lab that stopped early has none.
            guard result.error == nil, result.skipped == nil else { return make(nil, .notMeasured, source) }
            let change = result.counters.first { $0.name == placeholder.name }?.change ?? 0
            return make("\(change)", .measured, source)
        case .step:
            guard let step = steps.first(where: { $0.id == placeholder.name }) else { return make(nil, .notMeasured, placeholder.name) }
            let source = "line \(step.line)"
            // A step in a repeat ran once per round: the last round that ran counts.
            guard let run = result.steps.last(where: { $0.line == step.line && $0.actor != "setup" && $0.status != .notRun }) else {
                return make(nil, .notMeasured, source + " (not run)")
            }
            let status: LessonValue.Status = run.status == .passed ? .measured : .notHeld
            let described = source + ": \(run.actor) \(run.action)"
            switch placeholder.measure {
            case .took:
                // Milliseconds below a second (Nagle's 43.9 ms), seconds above (3.063 s).
                let text = run.duration.map { $0 < 1 ? LabSession.formatMilliseconds($0) : LabResult.formatSeconds($0) + " s" }
                return make(text, status, described)
            case .time: return make(LabResult.formatSeconds(run.time) + " s", status, described)
            case .bytes: return make(run.bytes.map { "\($0)" }, status, described)
            case .expires: return make(run.expires.map { LabResult.formatSeconds($0) + " s" }, status, described)
            default: return make(run.observed, status, described)
            }
        case .capture:
            guard let expectation = capture.first(where: { $0.id == placeholder.name }) else { return make(nil, .notMeasured, placeholder.name) }
            let source = "line \(expectation.line)"
            guard let measured = result.capture.first(where: { $0.line == expectation.line }) else {
                return make(nil, .notMeasured, source + " (the capture was not analysed)")
            }
            let status: LessonValue.Status = measured.passed ? .measured : .notHeld
            let described = source + ": \(measured.expectation)"
            let numbers = measured.values
            guard !numbers.isEmpty else { return make(nil, status == .measured ? .notMeasured : status, described) }
            switch placeholder.measure {
            case .gap, .gaps:
                return make(numbers.map(LabSession.secondsText).joined(separator: ", ") + " s", status, described)
            case .ratios:
                let ratios = zip(numbers, numbers.dropFirst()).map { $0 > 0 ? $1 / $0 : .infinity }
                return make(ratios.isEmpty ? nil : ratios.map(LabSession.ratioText).joined(separator: ", "), status, described)
            default:
                return make(Int64(exactly: numbers[0].rounded()).map { "\($0)" }, status, described)
            }
        }
    }
}
