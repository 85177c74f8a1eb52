import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

/// Prints one JSON object per connection, in the order connections end, for jq.
///
/// Every line is a connection; nothing else is printed, so `jq 'select(.conn_state == "REJ")'`
/// needs no type test. Names follow Zeek's `conn.log` where it has the field (`ts`,
/// `duration`, `conn_state`, `history`, `orig_bytes` as `client_bytes`), and seconds are
/// numbers: `ts` since the epoch, `start` since the capture's first frame.
public final class SummaryJSONRenderer: ConnectionRecordRenderer {
    private let output: BufferedWriter
    private let firstTimestamp: Int64
    private var line = ByteLine()

    /// A renderer writing to `output`; `start` is relative to `firstTimestamp`.
    public init(output: BufferedWriter, firstTimestamp: Int64) {
        self.output = output
        self.firstTimestamp = firstTimestamp
    }

    public func render(_ c: ConnectionRecord) throws {
        // One access to the line for the whole object (see SummaryLine).
        SummaryJSONRenderer.format(c, firstTimestamp: firstTimestamp, into: &line)
        try line.write(to: output)
    }

    private static func format(_ c: ConnectionRecord, firstTimestamp: Int64, into line: inout ByteLine) {
        line.clear()
        line.append("{\"stream\":")
        line.append(c.stream)
        line.append(",\"ts\":")
        line.appendSeconds(nanoseconds: max(c.firstTimestamp, -Int64.max), decimals: 6)
        line.append(",\"start\":")
        // A file's times may be in any order; -Int64.max keeps the sign flip in range.
        line.appendSeconds(nanoseconds: max(c.firstTimestamp &- firstTimestamp, -Int64.max), decimals: 6)
        line.append(",\"duration\":")
        line.appendSeconds(nanoseconds: c.duration, decimals: 6)
        line.append(",\"client\":\"")
        line.append(endpoint: c.client)
        line.append("\",\"server\":\"")
        line.append(endpoint: c.server)
        line.append("\"")
        line.append(",\"conn_state\":\"")
        line.append(c.zeekState.rawValue)
        line.append("\",\"history\":")
        line.appendJSONString(c.history)
        line.append(",\"opening\":")
        line.appendJSONString(c.opening.rawValue)
        line.append(",\"ending\":")
        line.appendJSONString(c.ending.description)
        line.append(",\"first_to_close\":")
        if let side = c.firstToClose { line.appendJSONString(side.rawValue) } else { line.append("null") }
        line.append(",\"handshake_rtt\":")
        if let rtt = c.handshakeRoundTrip { line.appendSeconds(nanoseconds: rtt, decimals: 6) } else { line.append("null") }
        append("client", c.fromClient, to: &line)
        append("server", c.fromServer, to: &line)
        line.append("}\n")
    }

    private static func append(_ side: StaticString, _ direction: ConnectionRecord.Direction, to line: inout ByteLine) {
        line.append(",\"")
        line.append(side)
        line.append("_bytes\":")
        line.append(direction.bytes)
        line.append(",\"")
        line.append(side)
        line.append("_segments\":")
        line.append(direction.segments)
        line.append(",\"")
        line.append(side)
        line.append("_retransmissions\":")
        line.append(direction.retransmissions)
        line.append(",\"")
        line.append(side)
        line.append("_resets\":")
        line.append(direction.resets)
        line.append(",\"")
        line.append(side)
        line.append("_zero_windows\":")
        line.append(direction.zeroWindows)
        line.append(",\"")
        line.append(side)
        line.append("_syn_retransmissions\":")
        line.append(direction.synRetransmissions)
    }

    public func finish(_ totals: AnalysisTotals, shown: Int) throws {
        try output.flush()
    }
}
