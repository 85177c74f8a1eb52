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
/// stream        start    duration  client                 server                 state   history     opened        ended                 closer  c>s bytes  segs  s>c bytes  segs  retr  rst  handshake
///      0     0.000000    0.001569  127.0.0.1:49014        127.0.0.1:8080         SF      ShADadFf    3-way         3-way close           client          5     6          5     4     0    0  0.316 ms
/// ```
public final class SummaryRenderer: ConnectionRecordRenderer {
    private let output: BufferedWriter
    private let firstTimestamp: Int64
    private let style: TextStyle
    private var wroteHeader = false
    private var text = SummaryLine()

    /// A renderer writing to `output`; start times are relative to `firstTimestamp`.
    public init(output: BufferedWriter, firstTimestamp: Int64, style: TextStyle = .plain) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.style = style
    }

    /// The column heads, as printed above the first connection.
    public static let header = "stream        start    duration  client                 server                 state   history     opened        ended                 closer  c>s bytes  segs  s>c bytes  segs  retr  rst  handshake"

    public func render(_ record: ConnectionRecord) throws {
        if !wroteHeader {
            wroteHeader = true
            try output.write(style.dim(SummaryRenderer.header) + "\n")
        }
        // One access to the line for the whole record: each access to a class's stored
        // property is checked for exclusivity at run time.
        text.format(record, firstTimestamp: firstTimestamp, style: style)
        try text.line.write(to: output)
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
        // Literals only: a table of many thousand lines would make a string per line otherwise.
        switch ending {
        case .fourWayClose: return "4-way close"
        case .threeWayClose: return "3-way close"
        case .simultaneousClose: return "simultaneous close"
        case .halfCloseThenClose: return "half-close, close"
        case .halfClosed(.client): return "half-closed (client)"
        case .halfClosed(.server): return "half-closed (server)"
        case .reset(.client): return "reset by client"
        case .reset(.server): return "reset by server"
        case .refused: return "refused"
        case .stillOpen: return "open"
        }
    }
}
