import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

/// One run of `tcplab inspect --format summary` or `summary-jsonl`: read, track each
/// connection from its headers, print one line per connection as it ends.
struct SummaryInspection {
    let reader: CaptureFileReader
    let file: String
    let json: Bool
    let selection: ConnectionSelection

    /// Runs it and returns the exit status (as ``Inspection/run()`` does).
    func run() -> Int32 {
        let output = BufferedWriter(.standardOutput)
        var run = Run(selection: selection)
        var frames = CaptureFrames(reader: reader, file: file)
        do {
            try frames.forEach { _, packet, decoded in
                try run.take(decoded, timestamp: packet.timestamp.nanoseconds) { makeRenderer(output: output, firstTimestamp: $0) }
            }
            run.tracker.finish()
            if run.renderer == nil { run.renderer = makeRenderer(output: output, firstTimestamp: 0) }
            try run.drain()
            try run.renderer?.finish(AnalysisTotals(
                frames: frames.frames, segments: run.tracker.segmentCount, connections: run.tracker.connectionCount,
                skipped: run.tracker.skipped), shown: run.shown)
        } catch let error as SystemCallError where error.errno == .brokenPipe {
            return frames.status
        } catch {
            try? output.flush()
            Diagnostics.error("\(error)")
            return 1
        }
        return frames.status
    }

    /// What the run keeps from frame to frame, in one value: the closure that takes each
    /// frame then touches one captured variable (checked for exclusive access at run time
    /// once), and the tracker is updated in place within it.
    private struct Run {
        let selection: ConnectionSelection
        var tracker = ConnectionTracker()
        var renderer: ConnectionRecordRenderer?
        var shown = 0

        /// Tracks one frame and prints the connections it ended; the renderer is made at
        /// the first frame, from its time.
        mutating func take(
            _ decoded: DecodedPacket, timestamp: Int64, makeRenderer: (Int64) -> ConnectionRecordRenderer
        ) throws {
            if renderer == nil { renderer = makeRenderer(timestamp) }
            tracker.process(decoded, timestamp: timestamp)
            if tracker.hasRecords { try drain() }
        }

        /// Prints every record the tracker has ready that the selection keeps.
        mutating func drain() throws {
            while let record = tracker.nextRecord() {
                guard selection.keepsEverything || selection.matches(record) else { continue }
                shown += 1
                try renderer?.render(record)
            }
        }
    }

    private func makeRenderer(output: BufferedWriter, firstTimestamp: Int64) -> ConnectionRecordRenderer {
        if json { return SummaryJSONRenderer(output: output, firstTimestamp: firstTimestamp) }
        return SummaryRenderer(output: output, firstTimestamp: firstTimestamp, style: TextStyle(isEnabled: Environment.wantsColourOnStandardOutput))
    }
}
