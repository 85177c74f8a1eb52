import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Prints one JSON object per TCP segment, one per connection, and one with the totals.
///
/// Segment objects carry tshark's view (`frame`, `stream`, `time`, `src`, `dst`, `flags`,
/// relative `seq` and `ack`, `len`, scaled `window`, and `analysis` with the names of the
/// `tcp.analysis.*` fields tshark would set) and the teaching view (`labels`,
/// `client_state`, `server_state`, and `transition`: the rows of RFC 9293's state table
/// each endpoint took, see ``TransitionTable``), so a line can be diffed against tshark's fields.
/// A segment whose TCP header the snap length cut has `"cut":true` (and the label).
public final class JSONLinesRenderer: AnalysisRenderer {
    private let output: BufferedWriter
    private let firstTimestamp: Int64
    private let stream: Int?
    /// The lines not yet handed to `output`, some 64 KiB at a time: one hand-over per
    /// line cost a tenth of printing it. Unchecked for exclusive access at run time: only
    /// ``render(_:)``, ``flush()`` and ``finish(_:)`` use it, and none of them calls
    /// anything that could reach this renderer while it does.
    @exclusivity(unchecked) private var lines = ByteLine()
    /// How many bytes of lines are handed to `output` at once: enough that the writer sends
    /// them from where they are rather than copying them (a quarter of its buffer or more).
    private static let batch = 64 * 1024
    /// Each label as a JSON string literal, quoted once.
    private static let quotedLabels = ByteWords(SegmentLabel.allCases.map { Array("\"\($0.description)\"".utf8) })

    /// A renderer writing to `output`; times are relative to `firstTimestamp`;
    /// with `stream`, only that connection is printed.
    public init(output: BufferedWriter, firstTimestamp: Int64, stream: Int? = nil) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.stream = stream
    }

    public func render(_ event: consuming AnalysisEvent) throws {
        switch consume event {
        case .segment(let segment, _):
            if let stream, stream != segment.stream { return }
            JSONLinesRenderer.writeSegment(segment, firstTimestamp: firstTimestamp, to: &lines)
        case .connection(let summary):
            if let stream, stream != summary.stream { return }
            JSONLinesRenderer.writeConnection(summary, to: &lines)
        case .skipped:
            return
        }
        if lines.count >= Self.batch { try flush() }
    }

    public func flush() throws {
        // Emptied whether or not the write worked, as BufferedWriter is: a batch that went
        // out in part and failed would otherwise be written again, from its first line, by
        // the flush that prints what was rendered before an error.
        defer { lines.clear() }
        try lines.write(to: output)
    }

    public func finish(_ totals: AnalysisTotals) throws {
        // The totals follow the lines still held, in the same hand-over.
        lines.append("{\"type\":\"totals\",\"frames\":", totals.frames)
        lines.append(",\"tcp_segments\":", totals.segments)
        lines.append(",\"connections\":", totals.connections)
        lines.append(",\"skipped\":{")
        for (index, (reason, count)) in totals.skippedInOrder.enumerated() {
            if index > 0 { lines.append(",") }
            lines.appendJSONString(reason.description)
            lines.append(":")
            lines.append(count)
        }
        lines.append("}}\n")
        try flush()
        try output.flush()
    }

    private static func writeSegment(_ s: AnnotatedSegment, firstTimestamp: Int64, to line: inout ByteLine) {
        line.append("{\"type\":\"segment\",\"frame\":", s.frame)
        line.append(",\"stream\":", s.stream)
        line.append(",\"time\":")
        line.appendSeconds(nanoseconds: s.timestamp.saturatingDifference(firstTimestamp))
        // The segment's own endpoints are the connection's, as ``AnnotatedSegment/sourceText``
        // writes them; as bytes from a table of octets rather than through a String.
        line.append(",\"src\":\"")
        line.append(endpoint: s.segment.source)
        line.append("\",\"dst\":\"")
        line.append(endpoint: s.segment.destination)
        line.append("\",\"flags\":\"")
        line.append(flags: s.segment.flags)
        line.append("\",\"seq\":", s.relativeSequence)
        line.append(",\"ack\":", s.relativeAcknowledgment)
        line.append(",\"len\":", s.segment.payloadLength)
        // Only on a segment whose header the snap length cut (what the bytes allowed is shown).
        if s.segment.headerCut { line.append(",\"cut\":true") }
        line.append(",\"window\":", s.window)
        line.append(",\"labels\":[")
        var first = true
        for label in s.labels {
            if !first { line.append(",") }
            first = false
            line.append(JSONLinesRenderer.quotedLabels, Int(label.rawValue))
        }
        line.append("],\"analysis\":[")
        if !s.analysis.isEmpty {
            for (index, name) in s.analysis.names.enumerated() {
                if index > 0 { line.append(",") }
                line.appendJSONString(name)
            }
        }
        line.append("],\"client_state\":\"")
        line.append(state: s.clientState)
        line.append("\",\"server_state\":\"")
        line.append(state: s.serverState)
        line.append("\",\"transition\":")
        appendTransitions(client: s.clientTransition, server: s.serverTransition, to: &line)
        line.append("}\n")
    }

    /// `{"client":{"from":..,"to":..,"rows":[{"id":..,"event":..,"section":..}]},"server":...}`,
    /// with only the endpoints that took a row of the state table; null when neither did.
    private static func appendTransitions(client: EndpointTransition?, server: EndpointTransition?, to line: inout ByteLine) {
        guard client != nil || server != nil else {
            line.append("null")
            return
        }
        line.append("{")
        if let client { appendMove(client, name: "client", to: &line) }
        if let server {
            if client != nil { line.append(",") }
            appendMove(server, name: "server", to: &line)
        }
        line.append("}")
    }

    private static func appendMove(_ move: EndpointTransition, name: StaticString, to line: inout ByteLine) {
        line.append("\"")
        line.append(name)
        line.append("\":")
        // Most moves are one row from its state to its state: that whole object is made once.
        if move.rows.count == 1 {
            let index = move.rows.tableIndex(at: 0)
            if TransitionTable.rows[index].from == move.from && TransitionTable.rows[index].to == move.to {
                line.append(singleRowMoves, index)
                return
            }
        }
        appendMoveObject(move, to: &line)
    }

    /// `{"from":..,"to":..,"rows":[...]}` for one endpoint's move.
    private static func appendMoveObject(_ move: EndpointTransition, to line: inout ByteLine) {
        line.append("{\"from\":\"")
        line.append(state: move.from)
        line.append("\",\"to\":\"")
        line.append(state: move.to)
        line.append("\",\"rows\":[")
        for position in move.rows.indices {
            if position > 0 { line.append(",") }
            line.append(rowObjects, move.rows.tableIndex(at: position))
        }
        line.append("]}")
    }

    /// For each row of ``TransitionTable``, the object of a move by that row alone.
    private static let singleRowMoves = ByteWords(TransitionTable.rows.indices.map { index in
        let row = TransitionTable.rows[index]
        var line = ByteLine()
        appendMoveObject(EndpointTransition(from: row.from, to: row.to, rows: TransitionRows(tableIndex: index)), to: &line)
        return line.bytes
    })

    /// `{"id":..,"event":..,"action":..,"section":..}` for one row of the state table.
    private static func appendRow(_ row: StateTransition, to line: inout ByteLine) {
        line.append("{\"id\":")
        line.appendJSONString(row.id)
        line.append(",\"event\":")
        line.appendJSONString(row.event.description)
        line.append(",\"action\":")
        line.appendJSONString(row.action.description)
        line.append(",\"section\":\"")
        line.append(row.section.number)
        line.append("\"}")
    }

    /// Each row of ``TransitionTable`` as its JSON object, by its place in the table, made
    /// once: most segments name a row, and escaping its strings on every line cost a quarter
    /// of the whole run.
    private static let rowObjects = ByteWords(TransitionTable.rows.map { row in
        var line = ByteLine()
        appendRow(row, to: &line)
        return line.bytes
    })

    private static func writeConnection(_ c: ConnectionSummary, to line: inout ByteLine) {
        line.append("{\"type\":\"connection\",\"stream\":", c.stream)
        // An endpoint's text has nothing to escape.
        line.append(",\"client\":\"")
        line.append(endpoint: c.client)
        line.append("\",\"server\":\"")
        line.append(endpoint: c.server)
        line.append("\"")
        line.append(",\"roles_guessed\":")
        line.append(c.rolesGuessed ? "true" : "false")
        line.append(",\"opening\":")
        line.appendJSONString(c.opening.rawValue)
        line.append(",\"reopenings\":", c.reopenings)
        line.append(",\"ending\":")
        line.appendJSONString(c.ending.description)
        line.append(",\"first_to_close\":")
        if let side = c.firstToClose { line.appendJSONString(side.rawValue) } else { line.append("null") }
        line.append(",\"time_wait\":[")
        for (index, side) in c.timeWait.enumerated() {
            if index > 0 { line.append(",") }
            line.appendJSONString(side.rawValue)
        }
        line.append("],\"handshake_rtt\":")
        if let rtt = c.handshakeRoundTrip { line.appendSeconds(nanoseconds: rtt) } else { line.append("null") }
        line.append(",\"bytes_from_client\":", c.bytesFromClient)
        line.append(",\"bytes_from_server\":", c.bytesFromServer)
        line.append(",\"segments\":", c.segments)
        line.append(",\"retransmissions\":", c.retransmissions)
        line.append(",\"first_frame\":", c.frames.lowerBound)
        line.append(",\"last_frame\":", c.frames.upperBound)
        line.append(",\"client_state\":\"")
        line.append(state: c.clientState)
        line.append("\",\"server_state\":\"")
        line.append(state: c.serverState)
        line.append("\"}\n")
    }
}
