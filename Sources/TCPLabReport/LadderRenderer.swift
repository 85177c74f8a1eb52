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
    private var pending: [Int: [AnnotatedSegment]] = [:]
    private var printedAny = false
    /// Lines to print among a stream's segments at their moment (nanoseconds since the
    /// epoch), by stream: what the kernel did to the connection's sockets.
    public var notes: [Int: [(timestamp: Int64, text: String)]] = [:]

    /// Whether each segment that moves an endpoint is followed by the rows of RFC 9293's
    /// state table it took (`tcplab inspect --explain`).
    public var explain = false

    /// A renderer writing to `output`; with `stream`, only that connection.
    public init(output: BufferedWriter, firstTimestamp: Int64, stream: Int? = nil, style: TextStyle = .plain) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.stream = stream
        self.style = style
    }

    public func render(_ event: AnalysisEvent) throws {
        switch event {
        case .segment(let segment, _):
            if let stream, stream != segment.stream { return }
            pending[segment.stream, default: []].append(segment)
        case .connection(let summary):
            if let stream, stream != summary.stream { return }
            try printConnection(summary, segments: pending.removeValue(forKey: summary.stream) ?? [])
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

    private func printConnection(_ summary: ConnectionSummary, segments: [AnnotatedSegment]) throws {
        var text = printedAny ? "\n" : ""
        printedAny = true
        text += style.bold("Stream \(summary.stream)") + ": client \(summary.client) \u{2192} server \(summary.server)\n"
        text += style.dim(" frame      time  client state" + String(repeating: " ", count: LadderRenderer.arrowWidth - 2) + "server state") + "\n"
        var notes = (self.notes[summary.stream] ?? []).sorted { $0.timestamp < $1.timestamp }[...]
        func noteLines(before timestamp: Int64) -> String {
            var lines = ""
            while let note = notes.first, note.timestamp <= timestamp {
                lines += pad("", 6) + pad(formatSeconds(note.timestamp.saturatingDifference(firstTimestamp), decimals: 6), 10, right: true) + "  " + style.dim(note.text) + "\n"
                notes.removeFirst()
            }
            return lines
        }
        for segment in segments {
            text += noteLines(before: segment.timestamp)
            let time = formatSeconds(segment.timestamp.saturatingDifference(firstTimestamp), decimals: 6)
            var body = segment.segment.flags.letters
            body += " seq=\(segment.relativeSequence) ack=\(segment.relativeAcknowledgment) len=\(segment.segment.payloadLength) win=\(segment.window)"
            let fill = max(LadderRenderer.arrowWidth - body.count - 4, 2)
            let arrow = segment.sender == .client
                ? "---" + body + String(repeating: "-", count: fill) + ">"
                : "<" + String(repeating: "-", count: fill) + body + "---"
            let labels = segment.labels.map(\.description).joined(separator: ", ")
            text += pad(String(segment.frame), 6, right: true) + pad(time, 10, right: true) + "  "
                + pad(segment.clientState.rawValue, 13) + " " + colour(arrow, for: segment) + "  "
                + pad(segment.serverState.rawValue, 13) + " " + colour(labels, for: segment) + "\n"
            if explain { text += explanation(of: segment) }
        }
        text += noteLines(before: .max)
        text += Self.summaryLines(summary).map { "  " + $0 + "\n" }.joined()
        try output.write(text)
    }

    /// A connection's summary in four lines: how it opened, how it ended, what it carried,
    /// and both sides' last states (shared with the HTML page).
    static func summaryLines(_ s: ConnectionSummary) -> [String] {
        var opened = "opened: \(s.opening.rawValue)"
        if let rtt = s.handshakeRoundTrip { opened += " (handshake round trip \(formatMilliseconds(rtt)))" }
        if s.rolesGuessed {
            opened += s.client.port == s.server.port
                ? "; no SYN captured and equal ports, so the first sender is taken as the client"
                : "; no SYN captured, so client and server are guessed from the ports (the lower port is taken as the server's)"
        }
        if s.reopenings > 0 { opened += "; opened again after a reset \(s.reopenings == 1 ? "once" : "\(s.reopenings) times")" }
        var ended = "ended:  \(s.ending)"
        switch s.timeWait.count {
        case 1: ended += "; the \(s.timeWait[0]) closed first and holds TIME-WAIT"
        case 2: ended += "; both closed at once and both hold TIME-WAIT"
        default: break
        }
        let carried = "bytes:  client to server \(s.bytesFromClient), server to client \(s.bytesFromServer); "
            + "\(s.segments) segment\(s.segments == 1 ? "" : "s"), \(s.retransmissions) retransmission\(s.retransmissions == 1 ? "" : "s")"
        let states = "last states: client \(s.clientState), server \(s.serverState)"
        return [opened, ended, carried, states]
    }

    private func colour(_ text: String, for segment: AnnotatedSegment) -> String {
        let flags = segment.segment.flags
        if flags.contains(.rst) { return style.red(text) }
        if !segment.analysis.isDisjoint(with: .anyRetransmission) { return style.red(text) }
        if flags.contains(.fin) { return style.yellow(text) }
        if flags.contains(.syn) { return style.green(text) }
        if segment.segment.payloadLength > 0 { return style.cyan(text) }
        return text
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(width - text.count, 0))
        return right ? padding + text : text + padding
    }

    private func formatSeconds(_ nanoseconds: Int64, decimals: Int) -> String {
        var line = ByteLine()
        line.appendSeconds(nanoseconds: nanoseconds, decimals: decimals)
        return String(decoding: line.bytes, as: UTF8.self)
    }

    private static func formatMilliseconds(_ nanoseconds: Int64) -> String {
        var line = ByteLine()
        line.appendMilliseconds(nanoseconds: nanoseconds)
        return String(decoding: line.bytes, as: UTF8.self) + " ms"
    }
}
