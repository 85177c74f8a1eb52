/// A time-sequence plot (as tcptrace and Wireshark's Stevens graph draw them) for each
/// direction of a connection that carried data: the sender's segments as vertical bars
/// from seq to seq + len, the receiver's acknowledgment and the right edge of its window
/// (ack + window) as steps.
///
/// A zero window shows as the window line meeting the ACK line; retransmissions and
/// zero-window probes are drawn in their own colours.
enum TimeSequencePlot {
    static let width = 640.0
    static let height = 280.0
    static let margin = (left: 70.0, right: 40.0, top: 16.0, bottom: 40.0)
    /// At most this many plots per ladder: the directions that carried the most bytes.
    static let limit = 4

    struct Direction: Hashable {
        var stream: Int
        var from: Int
        var to: Int
    }

    static func write(_ ladder: LadderPage.Ladder, index: Int, into out: inout HTMLBuilder) {
        var bytes: [Direction: Int] = [:]
        for arrow in ladder.arrows where arrow.len > 0 {
            bytes[Direction(stream: arrow.stream, from: arrow.from, to: arrow.to), default: 0] += arrow.len
        }
        let chosen = bytes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.stream < $1.key.stream }
            .prefix(limit).map(\.key).sorted { ($0.stream, $0.from) < ($1.stream, $1.from) }
        guard !chosen.isEmpty else { return }
        out.raw("<details class=\"plots\" open><summary>Time-sequence plots</summary>\n")
        for direction in chosen {
            writePlot(ladder, direction, into: &out)
        }
        out.raw("</details>\n")
    }

    private static func writePlot(_ ladder: LadderPage.Ladder, _ direction: Direction, into out: inout HTMLBuilder) {
        let data = ladder.arrows.filter { $0.stream == direction.stream && $0.from == direction.from && $0.to == direction.to }
        let acks = ladder.arrows.filter {
            $0.stream == direction.stream && $0.from == direction.to && $0.to == direction.from && $0.flags.contains("A")
        }
        let all = data + acks
        guard let start = all.map(\.time).min(), let end = all.map(\.time).max() else { return }
        // The sequence axis follows the data and the ACKs; the window edge may go above
        // them (a 64 KiB window over a 5-byte exchange) and is then cut at twice their top.
        let reached = max(
            data.map { Double($0.seq) + Double($0.len) }.max() ?? 0, acks.map { Double($0.ack) }.max() ?? 0, 1)
        let windowTop = acks.map { Double($0.ack) + Double($0.window) }.max() ?? 0
        let top = max(reached, min(windowTop, reached * 2)) * 1.05
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        let span = max(end - start, 1e-6)
        func x(_ time: Double) -> Double { margin.left + (time - start) / span * plotWidth }
        func y(_ value: Double) -> Double { margin.top + plotHeight - value / top * plotHeight }
        func n(_ value: Double) -> String { String((value * 10).rounded() / 10) }

        let name = "\(ladder.lifelines[direction.from]) → \(ladder.lifelines[direction.to])"
        out.raw("<figure class=\"tsplot\"><svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"")
        out.text("Time-sequence plot, stream \(direction.stream), \(name)")
        out.raw("\">\n")
        let clip = "tsclip-\(direction.stream)-\(direction.from)-\(direction.to)"
        out.raw("<defs><clipPath id=\"\(clip)\"><rect x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\"/></clipPath></defs>\n")
        // Axes with a few ticks.
        out.raw("<g class=\"axes\"><line x1=\"\(margin.left)\" y1=\"\(n(y(0)))\" x2=\"\(width - margin.right)\" y2=\"\(n(y(0)))\"/>")
        out.raw("<line x1=\"\(margin.left)\" y1=\"\(margin.top)\" x2=\"\(margin.left)\" y2=\"\(n(y(0)))\"/>")
        for step in 0...4 {
            let value = top * Double(step) / 4
            out.raw("<text x=\"\(margin.left - 6)\" y=\"\(n(y(value) + 4))\" text-anchor=\"end\">\(Int(value))</text>")
            let time = start + span * Double(step) / 4
            out.raw("<text x=\"\(n(x(time)))\" y=\"\(n(height - margin.bottom + 16))\" text-anchor=\"middle\">\(LadderPage.formatTime(time))</text>")
        }
        out.raw("<text x=\"\(n(margin.left + plotWidth / 2))\" y=\"\(n(height - 6))\" text-anchor=\"middle\">time (s)</text>")
        out.raw("<text x=\"14\" y=\"\(n(margin.top + plotHeight / 2))\" transform=\"rotate(-90 14 \(n(margin.top + plotHeight / 2)))\" text-anchor=\"middle\">relative sequence (bytes)</text></g>\n")
        // The receiver's ACK and window edge, as steps.
        if !acks.isEmpty {
            var ackPath = "", windowPath = ""
            for (position, arrow) in acks.enumerated() {
                let command = position == 0 ? "M" : "L"
                if position > 0 {
                    ackPath += " L\(n(x(arrow.time))),\(n(y(Double(acks[position - 1].ack))))"
                    windowPath += " L\(n(x(arrow.time))),\(n(y(Double(acks[position - 1].ack) + Double(acks[position - 1].window))))"
                }
                ackPath += " \(command)\(n(x(arrow.time))),\(n(y(Double(arrow.ack))))"
                windowPath += " \(command)\(n(x(arrow.time))),\(n(y(Double(arrow.ack) + Double(arrow.window))))"
            }
            out.raw("<path class=\"ackline\" d=\"\(ackPath)\"/>\n<path class=\"winline\" clip-path=\"url(#\(clip))\" d=\"\(windowPath)\"/>\n")
            for arrow in acks where arrow.window == 0 {
                out.raw("<circle class=\"zerowin\" cx=\"\(n(x(arrow.time)))\" cy=\"\(n(y(Double(arrow.ack))))\" r=\"4\"><title>frame \(arrow.frame): zero window</title></circle>\n")
            }
        }
        // The sender's segments.
        for arrow in data where arrow.len > 0 || arrow.analysis.contains("zero_window_probe") {
            let kind = arrow.analysis.contains(where: { $0.contains("retransmission") }) ? "retx"
                : arrow.analysis.contains("zero_window_probe") ? "probe" : "data"
            let low = Double(arrow.seq), high = Double(arrow.seq) + Double(max(arrow.len, 1))
            out.raw("<line class=\"seg \(kind)\" x1=\"\(n(x(arrow.time)))\" y1=\"\(n(y(low)))\" x2=\"\(n(x(arrow.time)))\" y2=\"\(n(y(high)))\"><title>frame \(arrow.frame): seq \(arrow.seq), \(arrow.len) bytes\(kind == "data" ? "" : kind == "retx" ? ", retransmission" : ", zero-window probe")</title></line>\n")
        }
        out.raw("</svg><figcaption>")
        out.text("Stream \(direction.stream), \(name): ")
        out.raw("<span class=\"k-data\">segments sent</span>, <span class=\"k-ack\">ACK from the receiver</span>, <span class=\"k-win\">right edge of its window</span>, <span class=\"k-retx\">retransmissions</span>, <span class=\"k-probe\">zero-window probes</span>, <span class=\"k-zero\">zero window</span>.</figcaption></figure>\n")
    }
}
