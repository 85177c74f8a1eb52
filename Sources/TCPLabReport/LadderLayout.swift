import TCPLabAnalysis

/// Where each segment and note of a ladder goes in its SVG, and the SVG itself.
///
/// Segments keep their order and stay apart by at least one row; a pause of more than
/// ``compressAbove`` seconds is drawn as a fixed gap marked with its length, so a 60 s
/// TIME-WAIT does not push the close off the page while microseconds still read as such.
struct LadderLayout {
    /// Pauses longer than this are compressed and marked.
    static let compressAbove = 0.017
    static let left = 168.0
    static let spacing = 380.0
    static let top = 64.0
    static let rowHeight = 60.0
    /// An arrow's line starts this far below its row's top, under its header text.
    static let arrowInset = 17.0
    static let noteHeight = 20.0
    static let gapHeight = 34.0
    /// Lifeline colours: the Okabe–Ito palette, told apart with any colour vision.
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    enum Row {
        case arrow(Int)
        case note(Int)
        case gap(Double)
    }

    let xs: [Double]
    let width: Double
    let height: Double
    /// Each row and its top.
    let rows: [(row: Row, y: Double)]

    init(_ ladder: LadderPage.Ladder) {
        xs = ladder.lifelines.indices.map { Self.left + 60 + Self.spacing * Double($0) }
        width = (xs.last ?? Self.left) + 260
        // Segments and notes merged by time; a note at the same moment as a segment follows it.
        var items: [(time: Double, row: Row)] = ladder.arrows.enumerated().map { ($0.element.time, .arrow($0.offset)) }
        items += ladder.notes.enumerated().map { ($0.element.time, .note($0.offset)) }
        items = items.enumerated().sorted { a, b in
            a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
        }.map(\.element)
        var y = Self.top + 18
        var previous: Double?
        var rows: [(Row, Double)] = []
        for item in items {
            if let previous, item.time - previous > Self.compressAbove {
                rows.append((.gap(item.time - previous), y))
                y += Self.gapHeight
            }
            previous = item.time
            rows.append((item.row, y))
            switch item.row {
            case .arrow: y += Self.rowHeight
            case .note: y += Self.noteHeight
            case .gap: break
            }
        }
        self.rows = rows
        height = y + 24
    }

    func writeSVG(_ ladder: LadderPage.Ladder, index: Int, into out: inout HTMLBuilder) {
        let w = Int(width), h = Int(height)
        out.raw("<svg class=\"ladder\" tabindex=\"0\" role=\"img\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\" ")
        out.raw("aria-label=\"Ladder diagram: \(ladder.arrows.count) segments between \(ladder.lifelines.count) endpoints\">\n")
        out.raw("<defs><marker id=\"head-\(index)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n")
        // Column heads and lifelines.
        out.raw("<text class=\"colhead\" x=\"8\" y=\"\(Int(Self.top - 30))\">frame, time (s)</text>\n")
        for (position, name) in ladder.lifelines.enumerated() {
            let x = xs[position]
            out.raw("<text class=\"lifeline-name\" x=\"\(x)\" y=\"\(Int(Self.top - 30))\" text-anchor=\"middle\" fill=\"\(Self.colours[position % Self.colours.count])\">")
            out.text(name)
            out.raw("</text>\n<line class=\"lifeline\" x1=\"\(x)\" y1=\"\(Self.top - 18)\" x2=\"\(x)\" y2=\"\(height - 8)\"/>\n")
        }
        writeStateBands(ladder, into: &out)
        for (row, y) in rows {
            switch row {
            case .gap(let seconds):
                out.raw("<g class=\"gap\"><line x1=\"\(Self.left)\" y1=\"\(y + 14)\" x2=\"\(width - 20)\" y2=\"\(y + 14)\"/>")
                out.raw("<text x=\"8\" y=\"\(y + 18)\">⋯ \(Self.formatPause(seconds)) later ⋯</text></g>\n")
            case .note(let n):
                let note = ladder.notes[n]
                let x = note.lifeline.map { xs[$0] + 12 } ?? Self.left
                out.raw("<text class=\"note\" x=\"\(x)\" y=\"\(y + 13)\">")
                out.text(note.text)
                out.raw("</text>\n")
            case .arrow(let a):
                writeArrow(ladder.arrows[a], at: a, y: y + Self.arrowInset, index: index, into: &out)
            }
        }
        out.raw("<line class=\"cursor\" x1=\"4\" x2=\"\(width - 4)\" y1=\"0\" y2=\"0\" visibility=\"hidden\"/>\n")
        out.raw("</svg>\n")
    }

    private func writeArrow(_ arrow: LadderPage.Arrow, at position: Int, y: Double, index: Int, into out: inout HTMLBuilder) {
        let x1 = xs[arrow.from], x2 = xs[arrow.to]
        var classes = ["arrow"]
        if arrow.flags.contains("R") { classes.append("rst") }
        if arrow.flags.contains("S") || arrow.flags.contains("F") { classes.append("ctl") }
        if arrow.analysis.contains(where: { $0.contains("retransmission") }) { classes.append("retransmission") }
        let mid = (x1 + x2) / 2
        let text = "\(LadderPage.flagNames(arrow.flags)) seq=\(arrow.seq) ack=\(arrow.ack) len=\(arrow.len) win=\(arrow.window)"
        out.raw("<g class=\"\(classes.joined(separator: " "))\" data-i=\"\(position)\" data-y=\"\(y + 6)\">")
        out.raw("<title>")
        out.text("frame \(arrow.frame): " + text + (arrow.labels.isEmpty ? "" : " — " + arrow.labels.joined(separator: ", ")))
        out.raw("</title>")
        out.raw("<text class=\"frame\" x=\"8\" y=\"\(y + 10)\">#\(arrow.frame)  \(LadderPage.formatTime(arrow.time))</text>")
        out.raw("<line class=\"shaft\" x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y + 12)\" marker-end=\"url(#head-\(index))\"/>")
        // On top of the shaft: a wide transparent line that takes the click.
        out.raw("<line class=\"hit\" x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y + 12)\"/>")
        out.raw("<text class=\"header\" x=\"\(mid)\" y=\"\(y - 4)\" text-anchor=\"middle\">")
        out.text(text)
        out.raw("</text>")
        if !arrow.labels.isEmpty {
            out.raw("<text class=\"label\" x=\"\(mid)\" y=\"\(y + 27)\" text-anchor=\"middle\">")
            out.text(arrow.labels.joined(separator: ", "))
            out.raw("</text>")
        }
        out.raw("</g>\n")
    }

    /// A band along each lifeline coloured by its state, with the state's name where it changes.
    private func writeStateBands(_ ladder: LadderPage.Ladder, into out: inout HTMLBuilder) {
        // Each lifeline's changes: (y, state, side the name goes on).
        var changes = [[(y: Double, state: TCPState, leftward: Bool)]](repeating: [], count: ladder.lifelines.count)
        for (row, y) in rows {
            guard case .arrow(let a) = row else { continue }
            let arrow = ladder.arrows[a]
            let y = y + Self.arrowInset
            let rightward = xs[arrow.to] >= xs[arrow.from]
            for (lifeline, state, offset, leftward) in [
                (arrow.from, arrow.senderState, 0.0, rightward), (arrow.to, arrow.receiverState, 12.0, !rightward),
            ] where changes[lifeline].last?.state != state {
                changes[lifeline].append((y + offset, state, leftward))
            }
        }
        for (lifeline, list) in changes.enumerated() {
            let x = xs[lifeline]
            for (n, change) in list.enumerated() {
                let end = n + 1 < list.count ? list[n + 1].y : height - 8
                out.raw("<rect class=\"band \(Self.stateClass(change.state))\" x=\"\(x - 4)\" y=\"\(change.y)\" width=\"8\" height=\"\(max(0, end - change.y))\"/>\n")
            }
            for change in list {
                let name = change.state.rawValue
                let pillWidth = Double(name.count) * 7 + 12
                let px = change.leftward ? x - 10 - pillWidth : x + 10
                out.raw("<g class=\"state-pill \(Self.stateClass(change.state))\"><rect x=\"\(px)\" y=\"\(change.y - 9)\" width=\"\(pillWidth)\" height=\"17\" rx=\"8\"/>")
                out.raw("<text x=\"\(px + pillWidth / 2)\" y=\"\(change.y + 4)\" text-anchor=\"middle\">\(name)</text></g>\n")
            }
        }
    }

    /// The CSS class of a state's colour family.
    static func stateClass(_ state: TCPState) -> String {
        switch state {
        case .listen, .synSent, .synReceived: return "st-opening"
        case .established: return "st-open"
        case .finWait1, .finWait2, .closeWait, .closing, .lastAck: return "st-closing"
        case .timeWait: return "st-timewait"
        case .closed: return "st-closed"
        }
    }

    /// "43 ms", "2.0 s", "1 min 0.0 s".
    static func formatPause(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e9 else { return "a long time" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10) s" }
        let minutes = Int(seconds / 60)
        return "\(minutes) min \(((seconds - Double(minutes) * 60) * 10).rounded() / 10) s"
    }
}
