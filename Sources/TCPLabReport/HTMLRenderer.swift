import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Writes an inspected capture as one self-contained HTML page (``LadderPage``): a ladder
/// per connection, with both endpoints' states, the state diagram and, for connections
/// that carried data, time-sequence plots.
///
/// It keeps the segments of the first ``connectionLimit`` connections only, so a capture of
/// a busy machine still makes a page a browser opens; the page says how many it left out.
public final class HTMLRenderer: AnalysisRenderer {
    /// At most this many connections get a ladder.
    public static let connectionLimit = 50
    /// At most this many segments per ladder.
    public static let segmentLimit = 2000

    private let path: String
    private let title: String
    private let firstTimestamp: Int64
    private let stream: Int?
    private var segments: [Int: [AnnotatedSegment]] = [:]
    private var summaries: [Int: ConnectionSummary] = [:]
    private var order: [Int] = []
    private var leftOut = 0
    private var cut = 0

    /// A renderer that writes the page to `path` when the analysis finishes; `title` is the
    /// capture's name, and with `stream` only that connection is drawn.
    public init(path: String, title: String, firstTimestamp: Int64, stream: Int? = nil) {
        self.path = path
        self.title = title
        self.firstTimestamp = firstTimestamp
        self.stream = stream
    }

    public func render(_ event: consuming AnalysisEvent) throws {
        switch consume event {
        case .segment(let segment, _):
            if let stream, stream != segment.stream { return }
            if segments[segment.stream] == nil {
                guard order.count < Self.connectionLimit else {
                    if summaries[segment.stream] == nil && !order.contains(segment.stream) { return }
                    return
                }
                order.append(segment.stream)
            }
            if segments[segment.stream, default: []].count < Self.segmentLimit {
                segments[segment.stream, default: []].append(segment)
            } else {
                cut += 1
            }
        case .connection(let summary):
            if let stream, stream != summary.stream { return }
            if segments[summary.stream] != nil { summaries[summary.stream] = summary } else { leftOut += 1 }
        case .skipped:
            return
        }
    }

    public func finish(_ totals: AnalysisTotals) throws {
        var ladders: [LadderPage.Ladder] = []
        for stream in order {
            ladders.append(ladder(stream: stream, segments: segments[stream] ?? [], summary: summaries[stream]))
        }
        var footer = "\(totals.frames) frames, \(totals.segments) TCP segments in \(totals.connections) connections."
        if leftOut > 0 { footer += " Drawn: the first \(order.count) connections; \(leftOut) more are left out of this page." }
        if cut > 0 { footer += " \(cut) segments past \(Self.segmentLimit) per connection are left out." }
        footer += " Made by tcplab inspect."
        let page = LadderPage(
            title: title,
            subtitle: "Every TCP segment, annotated: handshake and teardown steps, resets, retransmissions, and both endpoints' RFC 9293 states, inferred from the wire.",
            ladders: ladders, footer: footer)
        try Self.write(page.html(), to: path)
    }

    /// The ladder of one connection: client on the left, server on the right.
    private func ladder(stream: Int, segments: [AnnotatedSegment], summary: ConnectionSummary?) -> LadderPage.Ladder {
        let client = segments.first?.clientText ?? summary.map { "\($0.client)" } ?? "client"
        let server = segments.first?.serverText ?? summary.map { "\($0.server)" } ?? "server"
        let arrows = segments.map { segment in
            LadderPage.Arrow(
                frame: segment.frame, stream: segment.stream,
                time: Double(segment.timestamp &- firstTimestamp) / 1e9,
                from: segment.sender == .client ? 0 : 1, to: segment.sender == .client ? 1 : 0,
                flags: segment.segment.flags.letters, seq: segment.relativeSequence,
                ack: segment.relativeAcknowledgment, len: segment.segment.payloadLength, window: segment.window,
                labels: segment.labels.map(\.description), analysis: segment.analysis.names,
                senderState: segment.senderState,
                receiverState: segment.sender == .client ? segment.serverState : segment.clientState,
                details: Self.details(of: segment))
        }
        return LadderPage.Ladder(
            title: "Stream \(stream): client \(client) → server \(server)",
            lifelines: ["client \(client)", "server \(server)"], arrows: arrows,
            summary: summary.map(LadderRenderer.summaryLines) ?? [])
    }

    /// What the panel shows beyond the ladder's own fields.
    static func details(of segment: AnnotatedSegment) -> [(String, String)] {
        var details: [(String, String)] = [
            ("source", segment.sourceText), ("destination", segment.destinationText),
            ("absolute seq / ack", "\(segment.segment.sequenceNumber) / \(segment.segment.acknowledgmentNumber)"),
            ("header length", "\(segment.segment.headerLength) bytes"),
            ("window field", "\(segment.segment.window)"),
        ]
        let options = segment.segment.options
        var words: [String] = []
        if let mss = options.maximumSegmentSize { words.append("MSS \(mss)") }
        if let scale = options.windowScale { words.append("window scale \(scale)") }
        if options.sackPermitted { words.append("SACK permitted") }
        if !options.sackBlocks.isEmpty { words.append("SACK " + options.sackBlocks.map { "\($0.left)-\($0.right)" }.joined(separator: " ")) }
        if let timestamp = options.timestamp { words.append("timestamps \(timestamp.value) / \(timestamp.echoReply)") }
        if !words.isEmpty { details.append(("options", words.joined(separator: ", "))) }
        return details
    }

    /// Writes `text` to a new file at `path`, replacing what was there.
    public static func write(_ text: String, to path: String) throws {
        let descriptor = try FileDescriptor.openForWriting(path)
        defer { try? descriptor.close() }
        var text = text
        try text.withUTF8 { try descriptor.writeAll(UnsafeRawBufferPointer($0)) }
    }
}
