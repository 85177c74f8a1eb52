import TCPLabAnalysis

extension LabResult {
    /// The run as an HTML page (``LadderPage``): what the lab teaches, its steps with ✓/✗
    /// and times, the ladder of every segment with one lifeline per actor and the kernel's
    /// events on it, the socket tables at each check, the counters, and the lesson.
    public func page() -> LadderPage {
        var before: [LadderPage.Section] = [.text(title: "What it teaches", paragraphs: paragraphs(teaches))]
        before.append(.table(
            title: "Steps",
            header: ["", "time (s)", "who", "step", "result", "expected", "note"],
            rows: steps.map { step in
                let mark = step.status == .passed ? "✓" : step.status == .failed ? "✗" : "·"
                let time = step.status == .notRun ? "" : LabResult.formatSeconds(step.time)
                let action = step.action + (step.round.map { " (\($0))" } ?? "")
                let observed = step.status == .notRun ? "not run" : step.observed
                let expected = step.status == .failed ? step.expected ?? "" : ""
                return [mark, time, step.actor, action, observed, expected, step.note ?? ""]
            },
            marks: steps.map { $0.status == .passed ? true : $0.status == .failed ? false : nil }))
        if let error { before.append(.text(title: "The lab could not finish", paragraphs: [error])) }

        var after: [LadderPage.Section] = []
        if !capture.isEmpty {
            after.append(.table(
                title: "On the wire", header: ["", "expectation", "what the capture showed"],
                rows: capture.map { [$0.passed ? "✓" : "✗", $0.expectation, $0.observed] },
                marks: capture.map(\.passed)))
        }
        for snapshot in kernel {
            after.append(.table(
                title: "Kernel sockets, \(snapshot.moment) (sock_diag, as ss shows them)",
                header: ["lab socket", "state", "Recv-Q", "Send-Q", "local", "peer", "timer"],
                rows: snapshot.sockets.map { named in
                    let socket = named.socket
                    let timer = socket.timer == .off ? "" : "\(socket.timer), \(Double(socket.expiresMilliseconds) / 1000) s"
                    return [named.name.isEmpty ? "-" : named.name, socket.state.rawValue, "\(socket.receiveQueue)",
                            "\(socket.sendQueue)", "\(socket.local)", "\(socket.remote)", timer]
                }))
        }
        if !counters.isEmpty {
            after.append(.table(
                title: "Counters that changed (/proc/net/netstat and snmp, in the lab's namespace)",
                header: ["counter", "change"], rows: counters.map { [$0.name, ($0.change > 0 ? "+" : "") + "\($0.change)"] }))
        }
        if let kernelLogOff { after.append(.text(title: "Kernel log", paragraphs: [kernelLogOff])) }
        if !passed && skipped == nil {
            // The lesson states what a passing run shows; say first what this run did not.
            after.append(.text(
                title: "Lesson (not borne out by this run: what follows is what a passing run shows)",
                paragraphs: claimsNotHeld.map { "Did not hold: " + $0 } + paragraphs(lesson)))
        } else {
            after.append(.text(title: "Lesson", paragraphs: paragraphs(lesson)))
        }

        return LadderPage(
            title: "\(name): \(title)", subtitle: summary, passed: passed, sectionsBefore: before,
            ladders: segments.isEmpty ? [] : [ladder()], sectionsAfter: after,
            footer: "tcplab run \(name): \(LabResult.formatSeconds(seconds)) s, \(packetsCaptured) packets captured"
                + (captureFile.map { ", annotated capture \($0)" } ?? "") + ".")
    }

    /// One ladder for the whole lab: a lifeline per actor, in order of first appearance.
    private func ladder() -> LadderPage.Ladder {
        var lifelines: [String] = []
        func lifeline(_ name: String) -> Int {
            if let index = lifelines.firstIndex(of: name) { return index }
            lifelines.append(name)
            return lifelines.count - 1
        }
        let arrows = segments.map { segment in
            let fromClient = segment.sender == "client"
            let senderState = TCPState(rawValue: fromClient ? segment.clientState : segment.serverState) ?? .closed
            let receiverState = TCPState(rawValue: fromClient ? segment.serverState : segment.clientState) ?? .closed
            return LadderPage.Arrow(
                frame: segment.frame, stream: segment.stream, time: segment.time,
                from: lifeline(segment.from), to: lifeline(segment.to), flags: segment.flags, seq: segment.seq,
                ack: segment.ack, len: segment.len, window: segment.window, labels: segment.labels,
                analysis: segment.analysis, senderState: senderState, receiverState: receiverState,
                details: [("stream", "\(segment.stream)"), ("sent by", "the \(segment.sender) of its connection")])
        }
        let notes = kernelLog.map { entry in
            LadderPage.Note(time: entry.time, lifeline: lifelines.firstIndex(of: entry.socket), text: "kernel: \(entry.socket) \(entry.event.summary)")
        }
        return LadderPage.Ladder(
            title: "The lab's segments (\(segments.count)), one lifeline per actor", lifelines: lifelines,
            arrows: arrows, notes: notes)
    }

    private func paragraphs(_ text: String) -> [String] {
        text.paragraphs
    }

    /// The index page of a run of several labs: each lab with what it teaches, whether it
    /// passed and how long it took, linked to its page.
    public static func indexPage(_ results: [LabResult]) -> String {
        var rows = ""
        for result in results {
            let mark = result.passed ? "<td class=\"pass\">PASS</td>" : "<td class=\"fail\">FAIL</td>"
            rows += "<tr><td><a href=\"\(result.name.escapedForHTML).html\">\(result.name.escapedForHTML)</a></td><td>\(result.title.escapedForHTML)</td>"
            rows += "<td>\(result.summary.escapedForHTML)</td>\(mark)<td>\(formatSeconds(result.seconds)) s</td></tr>\n"
        }
        let passed = results.filter(\.passed).count
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>TCPLab labs</title>
            <style>
            body { font: 15px/1.45 system-ui, sans-serif; margin: 0 24px; color: #1a1a1a; }
            table { border-collapse: collapse; } th, td { border: 1px solid #c8c8c8; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f2f2f2; } .pass { color: #00694a; font-weight: 600; } .fail { color: #a33a00; font-weight: 600; }
            </style></head>
            <body><h1>TCPLab labs</h1>
            <p>\(passed) of \(results.count) labs passed. Each page shows a real run: the lab's steps, every segment on a ladder with both endpoints' states, RFC 9293's state diagram, the kernel's view and the lesson.</p>
            <table><thead><tr><th>lab</th><th>title</th><th>what it shows</th><th>result</th><th>time</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            </body></html>

            """
    }
}
