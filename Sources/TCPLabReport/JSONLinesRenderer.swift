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
    private var line = ByteLine()
    /// The JSON object of each state-table row met so far, by row id.
    private var rowJSON: [String: [UInt8]] = [:]
    /// Each label as a JSON string literal, quoted once.
    private static let quotedLabels: [String] = SegmentLabel.allCases.map { "\"\($0.description)\"" }

    /// A renderer writing to `output`; times are relative to `firstTimestamp`;
    /// with `stream`, only that connection is printed.
    public init(output: BufferedWriter, firstTimestamp: Int64, stream: Int? = nil) {
        self.output = output
        self.firstTimestamp = firstTimestamp
        self.stream = stream
    }

    public func render(_ event: AnalysisEvent) throws {
        // The line is built in a local variable: appending to a class's property checks
        // exclusive access on every call, a large part of the cost of a line.
        var line = ByteLine(reserving: 0)
        swap(&line, &self.line)
        defer { swap(&line, &self.line) }
        switch event {
        case .segment(let segment, _):
            if let stream, stream != segment.stream { return }
            writeSegment(segment, into: &line)
        case .connection(let summary):
            if let stream, stream != summary.stream { return }
            writeConnection(summary, into: &line)
        case .skipped:
            return
        }
        try output.write(bytes: line.bytes)
    }

    public func finish(_ totals: AnalysisTotals) throws {
        line.clear()
        line.append("{\"type\":\"totals\",\"frames\":")
        line.append(totals.frames)
        line.append(",\"tcp_segments\":")
        line.append(totals.segments)
        line.append(",\"connections\":")
        line.append(totals.connections)
        line.append(",\"skipped\":{")
        for (index, (reason, count)) in totals.skippedInOrder.enumerated() {
            if index > 0 { line.append(",") }
            line.appendJSONString(reason.description)
            line.append(":")
            line.append(count)
        }
        line.append("}}\n")
        try output.write(bytes: line.bytes)
        try output.flush()
    }

    private func writeSegment(_ s: AnnotatedSegment, into line: inout ByteLine) {
        line.clear()
        line.append("{\"type\":\"segment\",\"frame\":")
        line.append(s.frame)
        line.append(",\"stream\":")
        line.append(s.stream)
        line.append(",\"time\":")
        line.appendSeconds(nanoseconds: s.timestamp.saturatingDifference(firstTimestamp))
        line.append(",\"src\":\"")
        line.append(s.sourceText)
        line.append("\",\"dst\":\"")
        line.append(s.destinationText)
        line.append("\",\"flags\":\"")
        line.append(s.segment.flags.letters)
        line.append("\",\"seq\":")
        line.append(s.relativeSequence)
        line.append(",\"ack\":")
        line.append(s.relativeAcknowledgment)
        line.append(",\"len\":")
        line.append(s.segment.payloadLength)
        // Only on a segment whose header the snap length cut (what the bytes allowed is shown).
        if s.segment.headerCut { line.append(",\"cut\":true") }
        line.append(",\"window\":")
        line.append(s.window)
        line.append(",\"labels\":[")
        var first = true
        for label in s.labels {
            if !first { line.append(",") }
            first = false
            line.append(JSONLinesRenderer.quotedLabels[Int(label.rawValue)])
        }
        line.append("],\"analysis\":[")
        if !s.analysis.isEmpty {
            for (index, name) in s.analysis.names.enumerated() {
                if index > 0 { line.append(",") }
                line.appendJSONString(name)
            }
        }
        line.append("],\"client_state\":\"")
        line.append(s.clientState.rawValue)
        line.append("\",\"server_state\":\"")
        line.append(s.serverState.rawValue)
        line.append("\",\"transition\":")
        appendTransitions(client: s.clientTransition, server: s.serverTransition, into: &line)
        line.append("}\n")
    }

    /// `{"client":{"from":..,"to":..,"rows":[{"id":..,"event":..,"section":..}]},"server":...}`,
    /// with only the endpoints that took a row of the state table; null when neither did.
    private func appendTransitions(client: EndpointTransition?, server: EndpointTransition?, into line: inout ByteLine) {
        guard client != nil || server != nil else {
            line.append("null")
            return
        }
        line.append("{")
        if let client { appendMove("\"client\":{\"from\":\"", client, into: &line) }
        if let server {
            if client != nil { line.append(",") }
            appendMove("\"server\":{\"from\":\"", server, into: &line)
        }
        line.append("}")
    }

    /// One endpoint's move; each row's JSON is made once and kept (the table has few rows,
    /// and escaping their texts for every segment is most of the cost of the line).
    private func appendMove(_ opening: StaticString, _ move: EndpointTransition, into line: inout ByteLine) {
        line.append(opening)
        line.append(move.from.rawValue)
        line.append("\",\"to\":\"")
        line.append(move.to.rawValue)
        line.append("\",\"rows\":[")
        for (index, row) in move.rows.enumerated() {
            if index > 0 { line.append(",") }
            if let known = rowJSON[row.id] {
                line.bytes.append(contentsOf: known)
                continue
            }
            let start = line.bytes.count
            line.append("{\"id\":")
            line.appendJSONString(row.id)
            line.append(",\"event\":")
            line.appendJSONString(row.event.description)
            line.append(",\"action\":")
            line.appendJSONString(row.action.description)
            line.append(",\"section\":\"")
            line.append(row.section.number)
            line.append("\"}")
            rowJSON[row.id] = Array(line.bytes[start...])
        }
        line.append("]}")
    }

    private func writeConnection(_ c: ConnectionSummary, into line: inout ByteLine) {
        line.clear()
        line.append("{\"type\":\"connection\",\"stream\":")
        line.append(c.stream)
        line.append(",\"client\":")
        line.appendJSONString(c.client.description)
        line.append(",\"server\":")
        line.appendJSONString(c.server.description)
        line.append(",\"roles_guessed\":")
        line.append(c.rolesGuessed ? "true" : "false")
        line.append(",\"opening\":")
        line.appendJSONString(c.opening.rawValue)
        line.append(",\"reopenings\":")
        line.append(c.reopenings)
        line.append(",\"ending\":")
        line.appendJSONString(c.ending.description)
        line.append(",\"first_to_close\":")
        if let side = c.firstToClose { line.appendJSONString(side.rawValue) } else { line.append("null") }
        line.append(",\"time_wait\":[")
        line.append(c.timeWait.map { "\"\($0.rawValue)\"" }.joined(separator: ","))
        line.append("],\"handshake_rtt\":")
        if let rtt = c.handshakeRoundTrip { line.appendSeconds(nanoseconds: rtt) } else { line.append("null") }
        line.append(",\"bytes_from_client\":")
        line.append(c.bytesFromClient)
        line.append(",\"bytes_from_server\":")
        line.append(c.bytesFromServer)
        line.append(",\"segments\":")
        line.append(c.segments)
        line.append(",\"retransmissions\":")
        line.append(c.retransmissions)
        line.append(",\"first_frame\":")
        line.append(c.frames.lowerBound)
        line.append(",\"last_frame\":")
        line.append(c.frames.upperBound)
        line.append(",\"client_state\":\"")
        line.append(c.clientState.rawValue)
        line.append("\",\"server_state\":\"")
        line.append(c.serverState.rawValue)
        line.append("\"}\n")
    }
}
