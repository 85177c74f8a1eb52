import TCPLabAnalysis

extension LadderPage {
    /// The page as one self-contained HTML document: inline SVG, CSS and script, nothing
    /// fetched from anywhere.
    ///
    /// Everything a reader needs is in the static markup (the ladders as SVG, the segment
    /// tables, the state diagrams with each endpoint's path), so the page reads and prints
    /// without script; the script adds selection, the step-through and the exercise.
    public func html() -> String {
        var out = HTMLBuilder()
        out.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        out.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        out.raw("<title>")
        out.text("\(title) — tcplab")
        out.raw("</title>\n<style>\n\(Self.styleSheet)</style>\n</head>\n<body>\n<header>\n<h1>")
        out.text(title)
        out.raw("</h1>\n")
        if let passed {
            out.raw("<p class=\"verdict \(passed ? "pass" : "fail")\">\(passed ? "PASS: every expectation held" : "FAIL: an expectation did not hold")</p>\n")
        }
        out.raw("<p class=\"subtitle\">")
        out.text(subtitle)
        out.raw("</p>\n")
        out.raw("""
            <p class="controls-note noprint">Select a segment (click it, or focus the ladder and use ↑ ↓) for its details. \
            Step through a ladder with its buttons; the markers on the state diagram follow. \
            <button type="button" id="exercise-toggle" aria-pressed="false">Exercise: hide the states</button></p>

            """)
        out.raw("</header>\n<main>\n")
        for section in sectionsBefore { Self.write(section, into: &out) }
        for (index, ladder) in ladders.enumerated() {
            Self.write(ladder, index: index, into: &out)
        }
        if ladders.isEmpty {
            out.raw("<p class=\"empty\">No TCP segments were captured.</p>\n")
        }
        for section in sectionsAfter { Self.write(section, into: &out) }
        out.raw("</main>\n<footer><p>")
        out.text(footer)
        out.raw("</p></footer>\n")
        out.raw("<script type=\"application/json\" id=\"tcplab-data\">")
        out.raw(dataIsland())
        out.raw("</script>\n<script>\n\(Self.script)</script>\n</body>\n</html>\n")
        return out.result
    }

    // MARK: Sections

    private static func write(_ section: Section, into out: inout HTMLBuilder) {
        switch section {
        case .text(let title, let paragraphs):
            out.raw("<section class=\"prose\"><h2>")
            out.text(title)
            out.raw("</h2>\n")
            for paragraph in paragraphs {
                out.raw("<p>")
                out.text(paragraph)
                out.raw("</p>\n")
            }
            out.raw("</section>\n")
        case .table(let title, let header, let rows, let marks):
            out.raw("<section class=\"table\"><h2>")
            out.text(title)
            out.raw("</h2>\n<table>\n<thead><tr>")
            for cell in header {
                out.raw("<th>")
                out.text(cell)
                out.raw("</th>")
            }
            out.raw("</tr></thead>\n<tbody>\n")
            for (index, row) in rows.enumerated() {
                let mark = index < marks.count ? marks[index] : nil
                out.raw(mark == true ? "<tr class=\"held\">" : mark == false ? "<tr class=\"missed\">" : "<tr>")
                for cell in row {
                    out.raw("<td>")
                    out.text(cell)
                    out.raw("</td>")
                }
                out.raw("</tr>\n")
            }
            out.raw("</tbody>\n</table>\n</section>\n")
        }
    }

    // MARK: One ladder with its diagram, table and plot

    private static func write(_ ladder: Ladder, index: Int, into out: inout HTMLBuilder) {
        let layout = LadderLayout(ladder)
        out.raw("<section class=\"connection\" id=\"ladder-\(index)\" data-ladder=\"\(index)\">\n<h2>")
        out.text(ladder.title)
        out.raw("</h2>\n")
        out.raw("""
            <div class="stepper noprint" role="group" aria-label="Step through the segments">
            <button type="button" data-step="first">◀◀ First</button>
            <button type="button" data-step="prev">◀ Back</button>
            <button type="button" data-step="play">▶ Play</button>
            <button type="button" data-step="next">Next ▶</button>
            <span class="position" aria-live="polite">\(ladder.arrows.count) segments</span>
            </div>
            <div class="views">
            <div class="ladder-view">

            """)
        layout.writeSVG(ladder, index: index, into: &out)
        out.raw("</div>\n<div class=\"side\">\n")
        out.raw("<div class=\"panel\" aria-live=\"polite\"><p class=\"hint\">Select a segment to see its headers, labels, findings and both endpoints' states.</p></div>\n")
        StateDiagram.write(ladder, index: index, into: &out)
        out.raw("</div>\n</div>\n")
        if !ladder.summary.isEmpty {
            out.raw("<ul class=\"summary\">")
            for line in ladder.summary {
                out.raw("<li>")
                out.text(line)
                out.raw("</li>")
            }
            out.raw("</ul>\n")
        }
        TimeSequencePlot.write(ladder, index: index, into: &out)
        writeTable(ladder, index: index, into: &out)
        out.raw("</section>\n")
    }

    /// Every segment as a table row: the page's content without script, and the exercise.
    private static func writeTable(_ ladder: Ladder, index: Int, into out: inout HTMLBuilder) {
        out.raw("<details class=\"segments\" open><summary>Segments</summary>\n<table class=\"segment-table\">\n<thead><tr>")
        out.raw("<th>frame</th><th>time (s)</th><th>from → to</th><th>flags</th><th>seq</th><th>ack</th><th>len</th><th>win</th><th>label</th>")
        out.raw("<th>sender's state</th><th>receiver's state</th><th class=\"exercise-only\">your answer</th></tr></thead>\n<tbody>\n")
        for (position, arrow) in ladder.arrows.enumerated() {
            out.raw("<tr data-i=\"\(position)\"><td>\(arrow.frame)</td><td>\(formatTime(arrow.time))</td><td>")
            out.text("\(ladder.lifelines[arrow.from]) → \(ladder.lifelines[arrow.to])")
            out.raw("</td><td>\(flagNames(arrow.flags))</td><td>\(arrow.seq)</td><td>\(arrow.ack)</td><td>\(arrow.len)</td><td>\(arrow.window)</td><td class=\"label\">")
            out.text(arrow.labels.joined(separator: ", "))
            out.raw("</td><td class=\"state\">\(arrow.senderState)</td><td class=\"state\">\(arrow.receiverState)</td>")
            out.raw("<td class=\"exercise-only\">")
            for role in ["sender", "receiver"] {
                out.raw("<select data-role=\"\(role)\" aria-label=\"\(role)'s state after frame \(arrow.frame)\"><option value=\"\">\(role)…</option>")
                for state in TCPState.allCases { out.raw("<option>\(state)</option>") }
                out.raw("</select>")
            }
            out.raw("</td></tr>\n")
        }
        out.raw("</tbody>\n</table>\n")
        out.raw("<p class=\"exercise-only\"><button type=\"button\" class=\"check-answers\">Check my answers</button> <span class=\"score\" aria-live=\"polite\"></span></p>\n")
        out.raw("</details>\n")
    }

    // MARK: Data for the script

    /// The ladders as JSON for the script: per segment its fields, details and every
    /// lifeline's state after it (null where the lifeline has not appeared yet).
    func dataIsland() -> String {
        var json = JSONText()
        json.raw("{\"ladders\":[")
        for (index, ladder) in ladders.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"lifelines\":[")
            for (position, name) in ladder.lifelines.enumerated() {
                if position > 0 { json.raw(",") }
                json.string(name)
            }
            json.raw("],\"arrows\":[")
            var states = [TCPState?](repeating: nil, count: ladder.lifelines.count)
            for (position, arrow) in ladder.arrows.enumerated() {
                states[arrow.from] = arrow.senderState
                states[arrow.to] = arrow.receiverState
                if position > 0 { json.raw(",") }
                json.raw("{\"frame\":\(arrow.frame),\"stream\":\(arrow.stream),\"time\":")
                json.string(Self.formatTime(arrow.time))
                json.raw(",\"from\":\(arrow.from),\"to\":\(arrow.to),\"flags\":")
                json.string(Self.flagNames(arrow.flags))
                json.raw(",\"seq\":\(arrow.seq),\"ack\":\(arrow.ack),\"len\":\(arrow.len),\"win\":\(arrow.window),\"labels\":[")
                for (n, label) in arrow.labels.enumerated() {
                    if n > 0 { json.raw(",") }
                    json.string(label)
                }
                json.raw("],\"analysis\":[")
                for (n, finding) in arrow.analysis.enumerated() {
                    if n > 0 { json.raw(",") }
                    json.string(finding)
                }
                json.raw("],\"sender\":")
                json.string(arrow.senderState.rawValue)
                json.raw(",\"receiver\":")
                json.string(arrow.receiverState.rawValue)
                json.raw(",\"states\":[")
                for (n, state) in states.enumerated() {
                    if n > 0 { json.raw(",") }
                    if let state { json.string(state.rawValue) } else { json.raw("null") }
                }
                json.raw("],\"details\":[")
                for (n, (key, value)) in arrow.details.enumerated() {
                    if n > 0 { json.raw(",") }
                    json.raw("[")
                    json.string(key)
                    json.raw(",")
                    json.string(value)
                    json.raw("]")
                }
                json.raw("]}")
            }
            json.raw("]}")
        }
        json.raw("]}")
        return json.result
    }

    // MARK: Formatting

    /// Seconds with microseconds, "0.001702".
    static func formatTime(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let micros = (abs(seconds) * 1_000_000).rounded()
        guard micros < 9e15 else { return seconds < 0 ? "-∞" : "∞" }
        let whole = Int64(micros)
        var fraction = String(whole % 1_000_000)
        while fraction.count < 6 { fraction = "0" + fraction }
        return (seconds < 0 ? "-" : "") + "\(whole / 1_000_000).\(fraction)"
    }

    /// "SYN, ACK" for "SA": the flag names a reader knows, in header order.
    static func flagNames(_ letters: String) -> String {
        let names: [(Character, String)] = [
            ("C", "CWR"), ("E", "ECE"), ("U", "URG"), ("A", "ACK"), ("P", "PSH"), ("R", "RST"), ("S", "SYN"), ("F", "FIN"),
        ]
        // SYN and FIN first: they are what a reader looks for.
        let order: [Character] = ["S", "F", "R", "A", "P", "U", "E", "C"]
        let present = order.filter { letters.contains($0) }
        let text = present.compactMap { letter in names.first { $0.0 == letter }?.1 }.joined(separator: ", ")
        return text.isEmpty ? "no flags" : text
    }
}

/// Accumulates HTML, escaping text.
struct HTMLBuilder {
    private(set) var result = ""

    init() { result.reserveCapacity(1 << 16) }

    /// Markup as it is.
    mutating func raw(_ markup: String) { result += markup }

    /// Text, with &, <, >, " and ' escaped so it can never become markup.
    mutating func text(_ text: String) { result += text.escapedForHTML }
}

/// Accumulates JSON.
struct JSONText {
    private(set) var result = ""

    /// JSON as it is.
    mutating func raw(_ text: String) { result += text }

    /// A JSON string. `<` is written as \u003c too, so the text can never close the
    /// `<script>` element it sits in.
    mutating func string(_ text: String) {
        result += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
    }
}

extension String {
    /// The text with the five characters that HTML gives meaning to escaped.
    public var escapedForHTML: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
