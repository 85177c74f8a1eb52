import TCPLabAnalysis
import TCPLabKernel
import TCPLabSystem

extension LabResult {
    /// Seconds with three decimals, "0.042", as the report prints times.
    public static func formatSeconds(_ seconds: Double) -> String {
        if seconds < 0 && (seconds * 1000).rounded() < 0 { return "-" + formatSeconds(-seconds) }
        let milliseconds = Int((seconds * 1000).rounded())
        var fraction = String(milliseconds % 1000)
        while fraction.count < 3 { fraction = "0" + fraction }
        return String(milliseconds / 1000) + "." + fraction
    }

    /// The width "What it teaches" and the lesson are wrapped to, their two-space indent
    /// included: about the width the lab files are written at, whatever a line there says.
    static let lessonWidth = 90

    /// Writes the result for a reader: steps, expectations, the ladder diagram of the
    /// capture, the kernel's view, the counters, the lesson, and the verdict with the time.
    public func write(to output: BufferedWriter, style: TextStyle) throws {
        func line(_ text: String = "") throws { try output.write(text + "\n") }
        func mark(_ passed: Bool) -> String { passed ? style.green("✓") : style.red("✗") }
        // Re-flowed to the report's width, indented: placeholders filled with this run's
        // values change the lengths of the lines the lab file wrapped.
        func paragraphs(_ text: String) throws {
            for text in text.wrapped(width: Self.lessonWidth - 2) { try line(text.isEmpty ? "" : "  " + text) }
        }

        if let skipped {
            try line(style.yellow("SKIP") + " \(name): \(skipped)")
            try output.flush()
            return
        }
        try line(style.bold("━━ \(name): \(title) ━━"))
        try line(summary)
        try line()
        try line(style.bold("What it teaches"))
        try paragraphs(teaches)
        try line()
        try line(style.bold("Steps"))
        let actorWidth = max(steps.map(\.actor.count).max() ?? 0, 5)
        for step in steps {
            let status: String
            switch step.status {
            case .passed: status = mark(true)
            case .failed: status = mark(false)
            case .notRun: status = style.dim("·")
            }
            let time = step.status == .notRun ? "       " : LabResult.formatSeconds(step.time).leftPadded(to: 7)
            var text = "  \(status) \(style.dim(time)) \(step.actor.rightPadded(to: actorWidth))  \(step.action)"
            if let round = step.round { text += style.dim(" (\(round))") }
            if step.status == .notRun {
                text += style.dim("  (not run)")
            } else {
                text += "  → " + step.observed
                if let expected = step.expected, step.status == .failed { text += style.red("  (expected \(expected))") }
            }
            try line(text)
            if let note = step.note { try line(style.dim("              " + String(repeating: " ", count: actorWidth) + "  " + note)) }
            if let prediction = step.prediction {
                let pad = "              " + String(repeating: " ", count: actorWidth) + "  "
                try line(pad + "You predicted: " + (prediction.chosen ?? "(no answer)") + " — " + {
                    switch prediction.held {
                    case true?: return style.green("right")
                    case false?: return style.red("not what happened: the answer is \(prediction.answer)")
                    case nil: return prediction.chosen == nil ? "the answer is \(prediction.answer)" : "this run did not show the answer (the step failed)"
                    }
                }())
                if let why = prediction.why { try line(pad + "Why: " + why) }
            }
        }
        if !capture.isEmpty {
            try line()
            try line(style.bold("On the wire"))
            for expectation in capture {
                try line("  \(mark(expectation.passed)) \(expectation.expectation)  → \(expectation.observed)")
            }
        }
        if let error {
            try line()
            try line(style.red("Stopped: \(error)"))
        }
        try line()
        let file = captureFile.map { " (\($0), \(packetsCaptured) packets)" } ?? " (\(packetsCaptured) packets)"
        try line(style.bold("Annotated capture") + file)
        if packetsDropped > 0 { try line(style.yellow("  libpcap dropped \(packetsDropped) packets")) }
        try output.flush()
        let first = events.lazy.compactMap { event -> Int64? in
            if case .segment(let segment, _) = event { return segment.timestamp }
            return nil
        }.first ?? 0
        let ladder = LadderRenderer(output: output, firstTimestamp: first, style: style)
        for entry in kernelLog {
            guard let stream = entry.stream else { continue }
            ladder.notes[stream, default: []].append((entry.event.time, "kernel: \(entry.socket) \(entry.event.summary)"))
        }
        var segmentCount = 0
        var connections = 0
        for event in events {
            if case .segment = event { segmentCount += 1 }
            if case .connection = event { connections += 1 }
            try ladder.render(event)
        }
        try ladder.finish(AnalysisTotals(frames: packetsCaptured, segments: segmentCount, connections: connections, skipped: [:]))
        try line()
        try writeKernelLog(line: line, style: style)
        for snapshot in kernel {
            try line()
            try line(style.bold("Kernel sockets, \(snapshot.moment)") + style.dim(" (sock_diag, as ss -tan -o shows them)"))
            try line("  " + "Lab socket".rightPadded(to: 14) + KernelSocket.header)
            for entry in snapshot.sockets {
                try line("  " + (entry.name.isEmpty ? "-" : entry.name).rightPadded(to: 14) + entry.socket.line)
            }
            if snapshot.sockets.isEmpty { try line(style.dim("  (no TCP sockets)")) }
        }
        try line()
        try line(style.bold("Counters that changed") + style.dim(" (/proc/net/netstat and /proc/net/snmp, in the lab's namespace)"))
        if counters.isEmpty { try line(style.dim("  (none)")) }
        for counter in counters { try line("  " + counter.name.rightPadded(to: 32) + "+\(counter.change)") }
        try line()
        if passed || skipped != nil {
            try line(style.bold("Lesson"))
        } else {
            // The lesson states what a passing run shows; this run did not show all of it.
            try line(style.bold("Lesson") + style.red(" (not borne out by this run: what follows is what a passing run shows)"))
            for claim in claimsNotHeld { try line(style.red("  did not hold: ") + claim) }
            if lessonValues.contains(where: { $0.status != .measured }) {
                try line(style.red("  values marked [did not hold] or [not measured] below come from those claims"))
            }
        }
        try paragraphs(lesson)
        try line()
        let verdict = passed ? style.green(style.bold("PASS")) : style.red(style.bold("FAIL"))
        try line("\(verdict) \(name) in \(LabResult.formatSeconds(seconds)) s")
        try output.flush()
    }
}

extension LabResult {
    /// The kernel log's heading, the events that belong to no connection of the capture
    /// (a listener's LISTEN, a packet dropped before any connection), and the checks of
    /// the wire's transitions against it.
    func writeKernelLog(line: (String) throws -> Void, style: TextStyle) throws {
        if let kernelLogOff {
            try line(style.bold("Kernel log") + style.dim(" (eBPF)") + ": off, " + kernelLogOff)
            return
        }
        guard let clock = kernelClock else { return }
        try line(style.bold("Kernel log") + style.dim(
            " (eBPF, \(kernelLog.count) events, shown among the segments above; kernel time + \(clock.offset) ns ± \(clock.uncertainty) ns = capture time)"))
        if let kernelLogNote { try line(style.dim("  " + kernelLogNote)) }
        let loose = kernelLog.filter { $0.stream == nil }
        for entry in loose {
            try line("  " + LabResult.formatSeconds(entry.time).leftPadded(to: 7) + "  kernel: \(entry.socket) \(entry.event.summary)")
        }
        let disagreements = kernelAgreement.filter { !$0.agrees && !$0.withScriptedPeer }
        let unconfirmedWithPeer = kernelAgreement.filter { !$0.agrees && $0.withScriptedPeer }
        if !kernelAgreement.isEmpty {
            let wire = kernelAgreement.filter { $0.seenBy == "wire" }
            let confirmed = wire.filter(\.confirmed).count
            let unseen = wire.filter { $0.agrees && !$0.confirmed }
            var text = "  \(confirmed) of \(wire.count) state transitions on the wire confirmed by the kernel"
            if !unseen.isEmpty { text += "; \(unseen.count) it cannot see" }
            let kernelOnly = kernelAgreement.filter { $0.seenBy == "kernel" && $0.agrees }.count
            if kernelOnly > 0 { text += "; \(kernelOnly) kernel transitions explained by the lab's calls" }
            if !unconfirmedWithPeer.isEmpty { text += "; \(unconfirmedWithPeer.count) on a scripted peer's connection that the kernel log does not confirm (the kernel may have refused the peer's segment, or the log not seen the change; the lab's checks ask the kernel itself)" }
            try line(text)
            for check in unseen {
                try line(style.dim("  · \(check.socket) \(check.from) → \(check.to) (frame \(check.frame ?? 0)): \(check.verdict)"))
            }
        }
        for check in unconfirmedWithPeer {
            let frame = check.frame.map { " (frame \($0))" } ?? ""
            try line(style.yellow("  · \(check.seenBy): \(check.socket) \(check.from) → \(check.to)\(frame): \(check.verdict)"))
        }
        for check in disagreements {
            let frame = check.frame.map { " (frame \($0))" } ?? ""
            try line(style.red("  ✗ \(check.seenBy): \(check.socket) \(check.from) → \(check.to)\(frame): \(check.verdict)"))
        }
    }
}

extension String {
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
