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
        var tracker = ConnectionTracker()
        var renderer: ConnectionRecordRenderer?
        var status: Int32 = 0
        var frame = 0
        var shown = 0

        func drain() throws {
            while let record = tracker.nextRecord() {
                guard selection.keepsEverything || selection.matches(record) else { continue }
                shown += 1
                try renderer?.render(record)
            }
        }

        do {
            let read = try CaptureFrames(reader: reader, file: file).forEach { _, packet, decoded in
                if renderer == nil { renderer = makeRenderer(output: output, firstTimestamp: packet.timestamp.nanoseconds) }
                tracker.process(decoded, timestamp: packet.timestamp.nanoseconds)
                try drain()
            }
            status = read.status
            frame = read.frames
            tracker.finish()
            if renderer == nil { renderer = makeRenderer(output: output, firstTimestamp: 0) }
            try drain()
            try renderer?.finish(AnalysisTotals(
                frames: frame, segments: tracker.segmentCount, connections: tracker.connectionCount,
                skipped: tracker.skipped), shown: shown)
        } catch let error as SystemCallError where error.errno == .brokenPipe {
            return status
        } catch {
            try? output.flush()
            Diagnostics.error("\(error)")
            return 1
        }
        return status
    }

    private func makeRenderer(output: BufferedWriter, firstTimestamp: Int64) -> ConnectionRecordRenderer {
        if json { return SummaryJSONRenderer(output: output, firstTimestamp: firstTimestamp) }
        return SummaryRenderer(output: output, firstTimestamp: firstTimestamp, style: TextStyle(isEnabled: Environment.wantsColourOnStandardOutput))
    }
}
