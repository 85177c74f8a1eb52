import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Prints each connection as a ladder diagram: the client on the left, the server on the
/// right, one arrow per segment, and each side's state beside it; then its summary.
///
/// ```
///  frame      time  client state                                               server state
///      1  0.000000  SYN-SENT      ---S seq=0 ack=0 len=0 win=65495----------->  LISTEN        handshake 1/3
/// ```
///
/// A connection is printed when its summary arrives, so its segments are kept until then.
public final class LadderRenderer: AnalysisRenderer {
    private let output: BufferedWriter
    private let firstTimestamp: Int64
    private let stream: Int?
    private let style: TextStyle
    /// The words of a segment's line, kept here: a static list costs a call at every use
    /// to check it was made (see ``ByteWords``).
    private let paddedStates = ByteVocabulary.paddedStates
    private let flagWords = ByteVocabulary.flagLetters
    private let labelWords = ByteVocabulary.labels
    /// The open connections' steps, in one value: each use of a class's stored property is
    /// an exclusivity check at run time, and keeping a step used three.
    ///
    /// This and ``text`` are unchecked at run time (the checks cost more than keeping the
    /// step): only ``render(_:)`` and the printing of a connection it calls use them, and
    /// nothing they call could reach this renderer while they do.
    @exclusivity(unchecked) private var ladders = Ladders()
    /// The text of the connection being printed, kept from one to the next so that each
    /// does not allocate and grow its own.
    @exclusivity(unchecked) private var text = ByteLine(reserving: 0)
    private var printedAny = false
    /// Lines to print among a stream's segments at their moment (nanoseconds since the
    /// epoch), by stream: what the kernel did to the connection's sockets.
    public var notes: [Int: [(timestamp: Int64, text: String)]] = [:]

    /// Whether each segment that moves an endpoint is followed by the rows of RFC 9293's
    /// state table it took (`tcplab inspect --explain`).
    public let explain: Bool

    /// A renderer writing to `output`; with `stream`, only that connection; with `explain`,
    /// the rows of the state table under each segment.
    public init(output: BufferedWriter, firstTimestamp: Int64, stream: Int? = nil, style: TextStyle = .plain, explain: Bool = false) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.stream = stream
        self.style = style
        self.explain = explain
    }

    public func render(_ event: consuming AnalysisEvent) throws {
        switch consume event {
        case .segment(let segment, _):
            if let stream, stream != segment.stream { return }
            // Kept as a step, printed with its connection: the annotated segment holds more.
            let step = LadderStep(segment)
            if explain {
                ladders.add(step, of: segment.stream, explanation: explanation(of: segment))
            } else {
                ladders.add(step, of: segment.stream, explanation: "")
            }
        case .connection(let summary):
            if let stream, stream != summary.stream { return }
            let (steps, explanations) = ladders.take(summary.stream)
            try printConnection(summary, steps, explanations: explanations)
        case .skipped:
            return
        }
    }

    public func finish(_ totals: AnalysisTotals) throws {
        var text = printedAny ? "\n" : ""
        if let stream, !printedAny {
            text += "There is no stream \(stream) in this capture (streams 0 to \(max(totals.connections - 1, 0))).\n"
        }
        text += "\(totals.frames) frame\(totals.frames == 1 ? "" : "s"), \(totals.segments) TCP segment\(totals.segments == 1 ? "" : "s") in \(totals.connections) connection\(totals.connections == 1 ? "" : "s")"
        let skipped = totals.skippedInOrder
        if !skipped.isEmpty {
            text += "; skipped " + skipped.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        }
        try output.write(text + ".\n")
        try output.flush()
    }

    private static let arrowWidth = 46

    private func printConnection(_ summary: ConnectionSummary, _ steps: StepArena.Chain, explanations: [Int: String]) throws {
        var line = ByteLine(reserving: 0)
        swap(&line, &text)
        defer {
            line.clear()
            swap(&line, &text)
        }
        if printedAny { line.append("\n") }
        printedAny = true
        line.openColour("1", enabled: style.isEnabled)
        line.append("Stream ")
        line.append(summary.stream)
        line.closeColour("1", enabled: style.isEnabled)
        line.append(": client ")
        line.append(endpoint: summary.client)
        line.append(" \u{2192} server ")
        line.append(endpoint: summary.server)
        line.append("\n")
        line.append(bytes: columnHeadings)
        var notes = sortedNotes(summary.stream)
        var position = 0
        try ladders.arena.consume(steps) { step in
            appendNotes(before: step.timestamp, from: &notes, to: &line)
            appendStep(step, to: &line)
            if !explanations.isEmpty, let explanation = explanations[position] { line.append(explanation) }
            position += 1
            if line.count >= 1 << 16 {
                try line.write(to: output)
                line.clear()
            }
        }
        appendNotes(before: .max, from: &notes, to: &line)
        Self.appendSummary(summary, indent: "  ", to: &line)
        try line.write(to: output)
    }

    /// The line naming the ladder's columns, made once.
    private lazy var columnHeadings: [UInt8] = Array((style.dim(" frame      time  client state" + String(repeating: " ", count: LadderRenderer.arrowWidth - 2) + "server state") + "\n").utf8)

    /// The kernel's notes on `stream`, oldest first.
    private func sortedNotes(_ stream: Int) -> ArraySlice<(timestamp: Int64, text: String)> {
        guard let notes = notes[stream] else { return [] }
        return notes.sorted { $0.timestamp < $1.timestamp }[...]
    }

    /// The notes up to `timestamp`, each on its own line among the segments.
    private func appendNotes(
        before timestamp: Int64, from notes: inout ArraySlice<(timestamp: Int64, text: String)>, to line: inout ByteLine
    ) {
        while let note = notes.first, note.timestamp <= timestamp {
            line.append("       ")
            line.appendPadded(seconds: note.timestamp.saturatingDifference(firstTimestamp), decimals: 6, width: 9)
            line.append("  ")
            line.append(style.dim(note.text))
            line.append("\n")
            notes.removeFirst()
        }
    }

    /// One segment's line: frame, time, client state, the arrow, server state, labels.
    private func appendStep(_ segment: LadderStep, to line: inout ByteLine) {
        line.appendPadded(segment.frame, width: 6)
        // A space of its own: from 100 s on, a time fills its column.
        line.append(" ")
        line.appendPadded(seconds: segment.timestamp.saturatingDifference(firstTimestamp), decimals: 6, width: 9)
        line.append("  ")
        line.append(paddedStates, segment.clientState.ordinal)
        line.append(" ")
        let colour = colourCode(for: segment)
        line.openColour(colour, enabled: style.isEnabled)
        // The arrow: flags and numbers, padded with dashes to the arrow's width (before the
        // numbers for an arrow to the left, so their length is worked out first).
        let flags = flagWords[Int(segment.flags.rawValue & 0x1FF)]
        let body = flags.count &+ 20 &+ ByteLine.decimalLength(segment.relativeSequence)
            &+ ByteLine.decimalLength(segment.relativeAcknowledgment) &+ ByteLine.decimalLength(segment.payloadLength)
            &+ ByteLine.decimalLength(segment.window)
        let fill = max(LadderRenderer.arrowWidth &- body &- 4, 2)
        if segment.fromClient {
            line.append("---")
        } else {
            line.append("<")
            line.append(repeating: UInt8(ascii: "-"), count: fill)
        }
        line.append(raw: flags)
        line.append(" seq=", segment.relativeSequence)
        line.append(" ack=", segment.relativeAcknowledgment)
        line.append(" len=", segment.payloadLength)
        line.append(" win=", segment.window)
        if segment.fromClient {
            line.append(repeating: UInt8(ascii: "-"), count: fill)
            line.append(">")
        } else {
            line.append("---")
        }
        line.closeColour(colour, enabled: style.isEnabled)
        line.append("  ")
        line.append(paddedStates, segment.serverState.ordinal)
        line.append(" ")
        line.openColour(colour, enabled: style.isEnabled)
        var first = true
        for label in segment.labels {
            if !first { line.append(", ") }
            first = false
            line.append(labelWords, Int(label.rawValue))
        }
        line.closeColour(colour, enabled: style.isEnabled)
        line.append("\n")
    }

    /// A connection's summary in four lines: how it opened, how it ended, what it carried,
    /// and both sides' last states (shared with the HTML page).
    static func summaryLines(_ s: ConnectionSummary) -> [String] {
        var line = ByteLine()
        appendSummary(s, indent: "", to: &line)
        return line.bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The four lines of ``summaryLines(_:)``, each after `indent` and ended by a newline,
    /// written as bytes: the ladder prints them for every connection, and building them as
    /// interpolated strings cost more than all of the connection's segment lines.
    static func appendSummary(_ s: ConnectionSummary, indent: StaticString, to line: inout ByteLine) {
        line.append(indent)
        line.append("opened: ")
        line.append(s.opening.rawValue)
        if let rtt = s.handshakeRoundTrip {
            line.append(" (handshake round trip ")
            line.appendMilliseconds(nanoseconds: rtt)
            line.append(" ms)")
        }
        if s.rolesGuessed {
            line.append(s.client.port == s.server.port
                ? "; no SYN captured and equal ports, so the first sender is taken as the client"
                : "; no SYN captured, so client and server are guessed from the ports (the lower port is taken as the server's)")
        }
        if s.reopenings > 0 {
            line.append("; opened again after a reset ")
            if s.reopenings == 1 {
                line.append("once")
            } else {
                line.append(s.reopenings)
                line.append(" times")
            }
        }
        line.append("\n")
        line.append(indent)
        line.append("ended:  ")
        line.append(s.ending.description)
        switch s.timeWait.count {
        case 1:
            line.append("; the ")
            line.append(s.timeWait[0].rawValue)
            line.append(" closed first and holds TIME-WAIT")
        case 2: line.append("; both closed at once and both hold TIME-WAIT")
        default: break
        }
        line.append("\n")
        line.append(indent)
        line.append("bytes:  client to server ", s.bytesFromClient)
        line.append(", server to client ", s.bytesFromServer)
        line.append("; ")
        line.append(s.segments)
        line.append(s.segments == 1 ? " segment, " : " segments, ")
        line.append(s.retransmissions)
        line.append(s.retransmissions == 1 ? " retransmission" : " retransmissions")
        line.append("\n")
        line.append(indent)
        line.append("last states: client ")
        line.append(state: s.clientState)
        line.append(", server ")
        line.append(state: s.serverState)
        line.append("\n")
    }

    /// The ANSI colour of a segment's arrow and labels: red for resets and retransmissions,
    /// yellow for FINs, green for SYNs, cyan for data; nil for the rest.
    private func colourCode(for segment: LadderStep) -> StaticString? {
        let flags = segment.flags
        if flags.contains(.rst) { return "31" }
        if !segment.analysis.isDisjoint(with: .anyRetransmission) { return "31" }
        if flags.contains(.fin) { return "33" }
        if flags.contains(.syn) { return "32" }
        if segment.payloadLength > 0 { return "36" }
        return nil
    }
}
