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
        let annotator: AnnotatedCaptureWriter?
        do {
            annotator = try annotatePath.map { try AnnotatedCaptureWriter(path: $0) }
        } catch {
            Diagnostics.error("\(annotatePath!): cannot write it (\(error))")
            return 1
        }

        // The renderers count time from the first frame's: it is read before they are made,
        // so that they are constants for every event after it (a sink held in a variable is
        // retained and released around each event it takes).
        var frames = CaptureFrames(reader: reader, file: file)
        var first: (number: Int, packet: CapturedPacket, decoded: DecodedPacket)?
        _ = frames.step { first = ($0, $1, $2) }
        let start = first?.packet.timestamp.nanoseconds ?? 0
        let sinks = Sinks(
            renderer: makeRenderer(output: output, firstTimestamp: start), annotator: annotator, page: makePage(firstTimestamp: start))
        do {
            // Taken out, so that the packet does not outlive its analysis: a packet still held
            // when the reader refills its buffer makes it copy the buffer (see ByteSource).
            if let first = first.take() { try analyse(first.number, first.packet, first.decoded, with: analyzer, into: sinks) }
            try frames.forEach { number, packet, decoded in try analyse(number, packet, decoded, with: analyzer, into: sinks) }
            analyzer.finish { event in sinks.take(consume event) }
            try sinks.check()
            let totals = AnalysisTotals(
                frames: frames.frames, segments: analyzer.segmentCount, connections: analyzer.connectionCount,
                skipped: analyzer.skipped)
            try sinks.renderer.finish(totals)
            try sinks.annotator?.close()
            try sinks.page?.finish(totals)
        } catch let error as SystemCallError where error.errno == .brokenPipe {
            return frames.status  // The reader of our output went away (`| head`); nothing to report.
        } catch {
            // What was rendered before the failure is printed: the renderer may hold lines.
            try? sinks.renderer.flush()
            try? output.flush()
            Diagnostics.error("\(error)")
            return 1
        }
        return frames.status
    }

    /// Analyses one frame, handing its events (and earlier ones it settles) to the sinks.
    @inline(__always)
    private func analyse(
        _ number: Int, _ packet: CapturedPacket, _ decoded: DecodedPacket, with analyzer: TCPAnalyzer, into sinks: Sinks
    ) throws {
        let time = packet.timestamp.nanoseconds
        // The packet goes with its event only when it is to be copied out (as one
        // conditional argument, it was copied for every frame).
        if sinks.annotator == nil {
            analyzer.process(frame: number, timestamp: time, decoded: decoded) { event in sinks.take(consume event) }
        } else {
            let context = CapturedPacket.Reference(packet)
            analyzer.process(frame: number, timestamp: time, decoded: decoded, context: context) { event in
                sinks.take(consume event)
            }
        }
        try sinks.check()
    }

    /// Where the events go: constants, made once the first frame's time is known.
    private final class Sinks {
        let renderer: AnalysisRenderer
        let annotator: AnnotatedCaptureWriter?
        let page: HTMLRenderer?
        /// The first error a sink threw; the events after it are dropped. Unchecked for
        /// exclusive access at run time (a check on every event): only ``take(_:)`` and
        /// ``check()`` use it, one after the other, and no sink can reach this object.
        @exclusivity(unchecked) private var failure: (any Error)?

        init(renderer: AnalysisRenderer, annotator: AnnotatedCaptureWriter?, page: HTMLRenderer?) {
            self.renderer = renderer
            self.annotator = annotator
            self.page = page
        }

        /// Hands `event` to each sink, unless one has failed: the renderer first, so that
        /// what a failing sink stops has been printed up to the event it failed on.
        func take(_ event: consuming AnalysisEvent) {
            guard failure == nil else { return }
            do {
                guard annotator != nil || page != nil else {
                    // The renderer alone takes the event, uncopied.
                    try renderer.render(event)
                    return
                }
                try renderer.render(copy event)
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
