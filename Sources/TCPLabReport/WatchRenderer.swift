import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Prints `tcplab watch`'s lines as segments arrive: each lifecycle event with its
/// connection and both endpoints' states, and with `segments`, every segment before its
/// events.
///
/// ```
///     0.000318  stream 0  127.0.0.1:49014 -> 127.0.0.1:8080  handshake completed, round trip 0.316 ms; client ESTABLISHED, server ESTABLISHED
/// ```
public final class WatchRenderer {
    private let output: BufferedWriter
    private let showSegments: Bool
    private let style: TextStyle
    private var firstTimestamp: Int64?
    private var line = ByteLine()

    /// A renderer writing to `output`; with `segments`, every segment too.
    public init(output: BufferedWriter, segments: Bool, style: TextStyle = .plain) {
        self.output = output
        self.showSegments = segments
        self.style = style
    }

    /// Prints one segment (when segments are shown) and its events, and flushes: a person
    /// is watching.
    public func render(_ segment: AnnotatedSegment, events: [LifecycleEvent]) throws {
        if firstTimestamp == nil { firstTimestamp = segment.timestamp }
        if showSegments {
            line.clear()
            prefix(segment)
            line.append(endpoint: segment.segment.source)
            line.append(" > ")
            line.append(endpoint: segment.segment.destination)
            line.append("  ")
            line.append(segment.segment.flags.letters)
            line.append(" seq=")
            line.append(segment.relativeSequence)
            line.append(" ack=")
            line.append(segment.relativeAcknowledgment)
            line.append(" len=")
            line.append(segment.segment.payloadLength)
            line.append(" win=")
            line.append(segment.window)
            line.append("  ")
            line.append(segment.labels.map(\.description).joined(separator: ", "))
            states(segment)
            try line.write(to: output)
        }
        for event in events {
            line.clear()
            prefix(segment)
            line.append(endpoint: segment.sender == .client ? segment.segment.source : segment.segment.destination)
            line.append(" -> ")
            line.append(endpoint: segment.sender == .client ? segment.segment.destination : segment.segment.source)
            line.append("  ")
            line.append(colour(event.kind.description, event.kind))
            states(segment)
            try line.write(to: output)
        }
        if showSegments || !events.isEmpty { try output.flush() }
    }

    private func prefix(_ segment: AnnotatedSegment) {
        line.appendPadded(seconds: max(segment.timestamp &- (firstTimestamp ?? segment.timestamp), -Int64.max), decimals: 6, width: 12)
        line.append("  stream ")
        line.append(segment.stream)
        line.append("  ")
    }

    private func states(_ segment: AnnotatedSegment) {
        line.append("; client ")
        line.append(segment.clientState.rawValue)
        line.append(", server ")
        line.append(segment.serverState.rawValue)
        line.append("\n")
    }

    private func colour(_ text: String, _ kind: LifecycleEvent.Kind) -> String {
        switch kind {
        case .refused, .reset: return style.red(text)
        case .synResent, .synACKResent, .zeroWindow, .halfClose: return style.yellow(text)
        case .handshakeCompleted: return style.green(text)
        default: return text
        }
    }
}
