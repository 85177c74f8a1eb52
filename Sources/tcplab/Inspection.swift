import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

/// One run of `tcplab inspect`: read, analyse, print, and optionally write the annotated copy.
struct Inspection {
    let reader: CaptureFileReader
    let file: String
    let stream: Int?
    let format: InspectCommand.Format
    let annotatePath: String?
    let htmlPath: String?
    /// Whether the ladder names the state table's rows under each segment (--explain).
    var explain = false

    /// Runs it and returns the exit status.
    func run() -> Int32 {
        let output = BufferedWriter(.standardOutput)
        let analyzer = TCPAnalyzer()
        var sinks = Sinks()
        var status: Int32 = 0
        var frame = 0

        do {
            if let annotatePath { sinks.annotator = try AnnotatedCaptureWriter(path: annotatePath) }
        } catch {
            Diagnostics.error("\(annotatePath!): cannot write it (\(error))")
            return 1
        }

        do {
            let read = try CaptureFrames(reader: reader, file: file).forEach { number, packet, decoded in
                if sinks.renderer == nil {
                    sinks.renderer = makeRenderer(output: output, firstTimestamp: packet.timestamp.nanoseconds)
                    sinks.page = makePage(firstTimestamp: packet.timestamp.nanoseconds)
                }
                // The packet goes with its event only when it is to be copied out (as one
                // conditional argument, it was copied for every frame).
                let time = packet.timestamp.nanoseconds
                if sinks.annotator == nil {
                    analyzer.process(frame: number, timestamp: time, decoded: decoded) { event in sinks.take(consume event) }
                } else {
                    let context = CapturedPacket.Reference(packet)
                    analyzer.process(frame: number, timestamp: time, decoded: decoded, context: context) { event in sinks.take(consume event) }
                }
                try sinks.check()
            }
            status = read.status
            frame = read.frames
            if sinks.renderer == nil {
                sinks.renderer = makeRenderer(output: output, firstTimestamp: 0)
                sinks.page = makePage(firstTimestamp: 0)
            }
            analyzer.finish { event in sinks.take(consume event) }
            try sinks.check()
            let totals = AnalysisTotals(
                frames: frame, segments: analyzer.segmentCount, connections: analyzer.connectionCount,
                skipped: analyzer.skipped)
            try sinks.renderer?.finish(totals)
            try sinks.annotator?.close()
            try sinks.page?.finish(totals)
        } catch let error as SystemCallError where error.errno == .brokenPipe {
            return status  // The reader of our output went away (`| head`); nothing to report.
        } catch {
            // What was rendered before the failure is printed: the renderer may hold lines.
            try? sinks.renderer?.flush()
            try? output.flush()
            Diagnostics.error("\(error)")
            return 1
        }
        return status
    }

    /// Where the events go, in one value: the closure that takes each frame then reads one
    /// captured variable, checked for exclusive access once, rather than three per event.
    private struct Sinks {
        var renderer: AnalysisRenderer?
        var annotator: AnnotatedCaptureWriter?
        var page: HTMLRenderer?
        /// The first error a sink threw; the events after it are dropped.
        var failure: (any Error)?

        /// Hands `event` to each sink, unless one has failed: the renderer first, so that
        /// what a failing sink stops has been printed up to the event it failed on.
        mutating func take(_ event: consuming AnalysisEvent) {
            guard failure == nil else { return }
            do {
                guard annotator != nil || page != nil else {
                    // The renderer alone takes the event, uncopied.
                    if let renderer { try renderer.render(event) }
                    return
                }
                if let renderer { try renderer.render(copy event) }
                if let annotator { try annotator.write(event) }
                if let page { try page.render(event) }
            } catch {
                failure = error
            }
        }

        /// Throws the first error a sink threw.
        func check() throws {
            if let failure { throw failure }
        }
    }

    private func makePage(firstTimestamp: Int64) -> HTMLRenderer? {
        guard let htmlPath else { return nil }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return HTMLRenderer(path: htmlPath, title: name, firstTimestamp: firstTimestamp, stream: stream)
    }

    private func makeRenderer(output: BufferedWriter, firstTimestamp: Int64) -> AnalysisRenderer {
        switch format {
        case .jsonl:
            return JSONLinesRenderer(output: output, firstTimestamp: firstTimestamp, stream: stream)
        case .text, .summary, .summaryJSONL:  // Summaries never get here: SummaryInspection runs them.
            let colour = Environment.wantsColourOnStandardOutput
            return LadderRenderer(
                output: output, firstTimestamp: firstTimestamp, stream: stream, style: TextStyle(isEnabled: colour), explain: explain)
        }
    }
}
