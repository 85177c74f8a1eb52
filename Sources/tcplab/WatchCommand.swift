import ArgumentParser
import TCPLabAnalysis
import TCPLabCapture
import TCPLabEngine
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

/// `tcplab watch [-i IFACE] [FILTER...]`: capture live and print each lifecycle event as it
/// happens; Ctrl-C prints the table of connections seen.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Capture live and print each connection's lifecycle events as they happen; Ctrl-C prints the table of connections seen.",
        discussion: """
            Events: handshake completed (with its round trip), connection refused, SYN or \
            SYN-ACK sent again, reset (by which side), FIN (active or passive close; a \
            half-close once the peer sends after it), FINs crossed, zero window, TIME-WAIT \
            entered. Each line names the connection and both endpoints' states after the \
            segment. Events are told as the segments arrive: a first FIN is an active close \
            until the peer's data shows a half-close.

            Ctrl-C (SIGINT) or SIGTERM ends the watch: the table of connections seen is \
            printed (as inspect --format summary prints it), the --write file is closed, \
            and the exit status is 0. Finished connections are forgotten 120 s after their \
            last segment, as in inspect; the table keeps the last 10000 of them.

            Needs CAP_NET_RAW (root). Exit status: 0 after Ctrl-C; 1 when the capture cannot \
            start (permission, interface, filter).
            """ + "\n\n" + SummaryOptions.help)

    @Option(name: [.short, .customLong("interface")], help: "The interface to capture on.")
    var interface = "lo"

    @Argument(help: ArgumentHelp("A BPF capture filter (pcap-filter(7)), combined with 'tcp'.", valueName: "FILTER"))
    var filter: [String] = []

    @Flag(help: "Print every segment as it arrives, with its labels and both states, before its events.")
    var segments = false

    @Option(help: ArgumentHelp("Keep the capture, each segment annotated, as pcapng (written also when interrupted).", valueName: "FILE.pcapng"))
    var write: String?

    @OptionGroup(title: "The table printed at the end")
    var summaryOptions: SummaryOptions

    /// Finished connections remembered for the final table.
    static let tableLimit = 10_000

    func run() throws {
        let interruption: Interruption
        do {
            interruption = try Interruption.install()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        var annotator: AnnotatedCaptureWriter?
        if let write {
            do {
                annotator = try AnnotatedCaptureWriter(path: write)
            } catch {
                Diagnostics.error("\(write): cannot write it (\(error))")
                throw ExitCode(1)
            }
        }
        let expression = filter.isEmpty ? "tcp" : "tcp and (\(filter.joined(separator: " ")))"
        let capture = LiveCapture(interface: interface, filter: expression)
        do {
            try capture.start()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        Diagnostics.progress("watching \(interface) (\(expression)); Ctrl-C prints the table of connections and stops")

        let output = BufferedWriter(.standardOutput)
        let style = TextStyle(isEnabled: Environment.wantsColourOnStandardOutput)
        var session = WatchSession(
            renderer: WatchRenderer(output: output, segments: segments, style: style), annotator: annotator)
        do {
            // Ctrl-C is noticed within the 100 ms wait; a failed capture ends the loop too
            // (stop() then throws its error).
            while !interruption.isRequested && capture.failure == nil {
                for packet in capture.takePackets(waitingUpTo: .milliseconds(100)) { try session.take(packet) }
            }
            let (rest, statistics) = try capture.stop()
            for packet in rest { try session.take(packet) }
            try session.finish(output: output, style: style, selection: summaryOptions.selection)
            try annotator?.close()
            var closing = "watched \(session.frame) frame\(session.frame == 1 ? "" : "s")"
            if statistics.dropped > 0 { closing += ", \(statistics.dropped) dropped by the kernel (buffer full)" }
            if let write { closing += "; annotated capture written to \(write)" }
            Diagnostics.progress(closing)
        } catch let error as SystemCallError where error.errno == .brokenPipe {
            _ = try? capture.stop()
            try? annotator?.close()
        } catch {
            _ = try? capture.stop()
            try? annotator?.close()
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
    }
}

/// What a watch keeps while it runs: the analyzer (annotations and states, nothing held
/// back), the tracker (the final table), and the finished connections' records.
struct WatchSession {
    let renderer: WatchRenderer
    let annotator: AnnotatedCaptureWriter?
    let analyzer = TCPAnalyzer(holdBackLimit: 0)
    var tracker = ConnectionTracker()
    var detector = LifecycleEventDetector()
    var finished: [ConnectionRecord] = []
    var forgotten = 0
    var frame = 0
    /// The capture's fragmented IP datagrams, put back together as `inspect` does.
    let fragments = FragmentReassembler()

    init(renderer: WatchRenderer, annotator: AnnotatedCaptureWriter?) {
        self.renderer = renderer
        self.annotator = annotator
    }

    mutating func take(_ packet: CapturedPacket) throws {
        frame += 1
        let decoded = packet.decode(reassembling: fragments)
        let time = packet.timestamp.nanoseconds
        analyzer.process(frame: frame, timestamp: time, decoded: decoded, context: annotator == nil ? nil : CapturedPacket.Reference(packet))
        tracker.process(decoded, timestamp: time)
        try drain()
    }

    private mutating func drain() throws {
        while let event = analyzer.nextEvent() {
            let events = detector.events(in: event)
            if case .segment(let segment, _) = event { try renderer.render(segment, events: events) }
            try annotator?.write(event)
        }
        while let record = tracker.nextRecord() {
            finished.append(record)
            // Trim in batches, so a busy interface costs one move per `tableLimit` records.
            if finished.count >= 2 * WatchCommand.tableLimit { trim() }
        }
    }

    private mutating func trim() {
        let excess = finished.count - WatchCommand.tableLimit
        guard excess > 0 else { return }
        finished.removeFirst(excess)
        forgotten += excess
    }

    /// Prints the table of connections seen, in the order they ended.
    mutating func finish(output: BufferedWriter, style: TextStyle, selection: ConnectionSelection) throws {
        analyzer.finish()
        tracker.finish()
        try drain()
        trim()
        try output.write("\n")
        let start = finished.map(\.firstTimestamp).min() ?? 0
        let table = SummaryRenderer(output: output, firstTimestamp: start, style: style)
        var shown = 0
        for record in finished where selection.keepsEverything || selection.matches(record) {
            shown += 1
            try table.render(record)
        }
        try table.finish(AnalysisTotals(
            frames: frame, segments: tracker.segmentCount, connections: tracker.connectionCount, skipped: tracker.skipped),
            shown: shown)
        if forgotten > 0 {
            Diagnostics.progress("the \(forgotten) connections that ended first are not in the table (it keeps the last \(WatchCommand.tableLimit))")
        }
    }
}
