import TCPLabAnalysis
import TCPLabPacket

/// One row of ``SummaryRenderer``'s table, assembled as bytes in fixed-width columns.
struct SummaryLine: ~Copyable {
    /// The row, ending in a newline.
    private(set) var line = ByteLine()
    /// A right-aligned column's text, before its padding.
    private var field = ByteLine()

    /// Makes the row for `record`; start times are relative to `firstTimestamp`.
    mutating func format(_ record: ConnectionRecord, firstTimestamp: Int64, style: TextStyle) {
        line.clear()
        column(number: record.stream, width: 6)
        // Aligned up to 9,999 s (2.8 hours) into the capture and 999 s long; a longer one
        // widens its row.
        column(seconds: max(record.firstTimestamp &- firstTimestamp, -Int64.max), width: 11)
        column(seconds: record.duration, width: 10)
        column(endpoint: record.client, width: 21)
        column(endpoint: record.server, width: 21)
        let state = record.zeekState.rawValue
        if style.isEnabled {
            line.append(SummaryLine.colour(state, record, style))
            line.append(repeating: UInt8(ascii: " "), count: 6 - state.utf8.count)
            line.append("  ")
        } else {
            column(state, width: 6)
        }
        column(record.history, width: 10)
        column(SummaryRenderer.opened(record.opening), width: 12)
        column(SummaryRenderer.ended(record.ending), width: 20)
        column(record.firstToClose?.rawValue ?? "-", width: 6)
        column(number: record.fromClient.bytes, width: 9)
        column(number: record.fromClient.segments, width: 4)
        column(number: record.fromServer.bytes, width: 9)
        column(number: record.fromServer.segments, width: 4)
        column(number: record.fromClient.retransmissions + record.fromServer.retransmissions, width: 4)
        column(number: record.fromClient.resets + record.fromServer.resets, width: 3)
        if let rtt = record.handshakeRoundTrip {
            line.appendMilliseconds(nanoseconds: rtt)
            line.append(" ms")
        } else {
            line.append("-")
        }
        line.append("\n")
    }

    private static func colour(_ text: String, _ record: ConnectionRecord, _ style: TextStyle) -> String {
        switch record.zeekState {
        case .sf: return style.green(text)
        case .rej, .rsto, .rstr, .rstos0, .rstrh: return style.red(text)
        default: return style.yellow(text)
        }
    }

    /// Left-aligned text, then the gap to the next column.
    private mutating func column(_ text: String, width: Int) {
        line.append(text)
        pad(text.utf8.count, width)
        line.append("  ")
    }

    private mutating func column(endpoint: Endpoint, width: Int) {
        let start = line.count
        line.append(endpoint: endpoint)
        pad(line.count - start, width)
        line.append("  ")
    }

    private mutating func column<Integer: BinaryInteger>(number: Integer, width: Int) {
        field.clear()
        field.append(number)
        rightAligned(width)
    }

    private mutating func column(seconds nanoseconds: Int64, width: Int) {
        field.clear()
        field.appendSeconds(nanoseconds: nanoseconds, decimals: 6)
        rightAligned(width)
    }

    /// Appends `field` right-aligned in `width` columns, then the gap.
    private mutating func rightAligned(_ width: Int) {
        pad(field.count, width)
        line.append(field)
        line.append("  ")
    }

    private mutating func pad(_ count: Int, _ width: Int) {
        if count < width { line.append(repeating: UInt8(ascii: " "), count: width - count) }
    }
}
