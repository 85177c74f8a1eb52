import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Something that prints connection records as they come, and a closing line.
public protocol ConnectionRecordRenderer: AnyObject {
    /// Prints one connection.
    func render(_ record: ConnectionRecord) throws
    /// Prints what closes the output; `shown` connections passed the filters.
    func finish(_ totals: AnalysisTotals, shown: Int) throws
}

/// Prints one line per connection, in the order connections end: a table engineers can
/// scan and grep.
///
/// ```
/// stream     start  duration  client                 server                 state   history     opened        ended               closer  c>s bytes  segs  s>c bytes  segs  retr  rst  handshake
///      0  0.000000  0.001612  127.0.0.1:49014        127.0.0.1:8080         SF      ShADadFf    3-way         4-way close         client          5     6          5     4     0    0  0.056 ms
/// ```
public final class SummaryRenderer: ConnectionRecordRenderer {
    private let output: BufferedWriter
    private let firstTimestamp: Int64
    private let style: TextStyle
    private var wroteHeader = false
    private var line = ByteLine()

    /// A renderer writing to `output`; start times are relative to `firstTimestamp`.
    public init(output: BufferedWriter, firstTimestamp: Int64, style: TextStyle = .plain) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.style = style
    }

    /// The column heads, as printed above the first connection.
    public static let header = "stream     start  duration  client                 server                 state   history     opened        ended               closer  c>s bytes  segs  s>c bytes  segs  retr  rst  handshake"

    public func render(_ record: ConnectionRecord) throws {
        if !wroteHeader {
            wroteHeader = true
            try output.write(style.dim(SummaryRenderer.header) + "\n")
        }
        line.clear()
        column(number: record.stream, width: 6)
        line.append("  ")
        column(seconds: record.firstTimestamp &- firstTimestamp, width: 8)
        line.append("  ")
        column(seconds: record.duration, width: 8)
        line.append("  ")
        column(endpoint: record.client, width: 21)
        line.append("  ")
        column(endpoint: record.server, width: 21)
        line.append("  ")
        if style.isEnabled {
            line.append(colour(record.zeekState.rawValue, record))
            line.bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(6 - record.zeekState.rawValue.utf8.count, 0)))
        } else {
            column(record.zeekState.rawValue, width: 6)
        }
        line.append("  ")
        column(record.history, width: 10)
        line.append("  ")
        column(SummaryRenderer.opened(record.opening), width: 12)
        line.append("  ")
        column(SummaryRenderer.ended(record.ending), width: 18)
        line.append("  ")
        column(record.firstToClose?.rawValue ?? "-", width: 6)
        line.append("  ")
        column(number: record.fromClient.bytes, width: 9)
        line.append("  ")
        column(number: record.fromClient.segments, width: 4)
        line.append("  ")
        column(number: record.fromServer.bytes, width: 9)
        line.append("  ")
        column(number: record.fromServer.segments, width: 4)
        line.append("  ")
        column(number: record.fromClient.retransmissions + record.fromServer.retransmissions, width: 4)
        line.append("  ")
        column(number: record.fromClient.resets + record.fromServer.resets, width: 3)
        line.append("  ")
        if let rtt = record.handshakeRoundTrip {
            line.appendSeconds(nanoseconds: rtt &* 1000, decimals: 3)
            line.append(" ms")
        } else {
            line.append("-")
        }
        line.append("\n")
        try output.write(bytes: line.bytes)
    }

    public func finish(_ totals: AnalysisTotals, shown: Int) throws {
        var text = "\(shown) of \(totals.connections) connection\(totals.connections == 1 ? "" : "s") shown; "
        text += "\(totals.frames) frame\(totals.frames == 1 ? "" : "s"), \(totals.segments) TCP segment\(totals.segments == 1 ? "" : "s")"
        let skipped = totals.skippedInOrder
        if !skipped.isEmpty {
            text += "; skipped " + skipped.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        }
        try output.write(text + ".\n")
        try output.flush()
    }

    /// The opening in a table's few letters.
    public static func opened(_ opening: ConnectionSummary.Opening) -> String {
        switch opening {
        case .threeWayHandshake: return "3-way"
        case .simultaneousOpen: return "simultaneous"
        case .notCompleted: return "incomplete"
        case .notSeen: return "not seen"
        }
    }

    /// The ending in a table's few words.
    public static func ended(_ ending: ConnectionSummary.Ending) -> String {
        switch ending {
        case .fourWayClose: return "4-way close"
        case .threeWayClose: return "3-way close"
        case .simultaneousClose: return "simultaneous close"
        case .halfCloseThenClose: return "half-close, close"
        case .halfClosed(let side): return "half-closed (\(side))"
        case .reset(let side): return "reset by \(side)"
        case .refused: return "refused"
        case .stillOpen: return "open"
        }
    }

    private func colour(_ text: String, _ record: ConnectionRecord) -> String {
        switch record.zeekState {
        case .sf: return style.green(text)
        case .rej, .rsto, .rstr, .rstos0, .rstrh: return style.red(text)
        default: return style.yellow(text)
        }
    }

    private func column(_ text: String, width: Int) {
        line.append(text)
        let count = text.utf8.count
        if count < width { line.bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - count)) }
    }

    private func column(endpoint: Endpoint, width: Int) {
        let start = line.bytes.count
        line.append(endpoint: endpoint)
        let count = line.bytes.count - start
        if count < width { line.bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - count)) }
    }

    private func column<Integer: BinaryInteger>(number: Integer, width: Int) {
        let start = line.bytes.count
        line.append(number)
        padLeft(from: start, width: width)
    }

    private func column(seconds nanoseconds: Int64, width: Int) {
        let start = line.bytes.count
        line.appendSeconds(nanoseconds: nanoseconds, decimals: 6)
        padLeft(from: start, width: width)
    }

    private func padLeft(from start: Int, width: Int) {
        let count = line.bytes.count - start
        if count < width { line.bytes.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width - count), at: start) }
    }
}
