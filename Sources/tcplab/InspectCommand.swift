import ArgumentParser
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

/// `tcplab inspect FILE`: annotate every TCP segment of a capture file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Annotate a pcap or pcapng capture: handshake, teardown, resets, retransmissions, and both sides' TCP states.",
        discussion: """
            Reads classic pcap (microsecond or nanosecond, either byte order) and pcapng, on \
            Ethernet, Linux cooked (SLL, SLL2), BSD loopback and raw IP links.

            Exit status: 0 when the whole file was read; 1 when the file cannot be used at all \
            (missing, not a capture, unsupported link type); 2 when it is damaged part way: \
            the frames before the damage are printed, then a warning.
            """ + "\n\n" + SummaryOptions.help)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, jsonl, summary
        case summaryJSONL = "summary-jsonl"

        /// One line per connection rather than per segment.
        var isSummary: Bool { self == .summary || self == .summaryJSONL }
    }

    @Argument(help: "The capture file (pcap or pcapng).")
    var file: String

    @Option(help: "Show only this connection (numbered from 0 like tshark's tcp.stream).")
    var stream: Int?

    @Option(help: "Output format: a ladder diagram per connection (text), one JSON object per segment (jsonl), one line per connection (summary), or one JSON object per connection (summary-jsonl).")
    var format: Format = .text

    @OptionGroup(title: "Connection summaries (--format summary or summary-jsonl)")
    var summaryOptions: SummaryOptions

    @Flag(help: "With the text ladder: under each segment that moves an endpoint, the row of RFC 9293's state table it took (see tcplab coverage), and where Linux departs from it.")
    var explain = false

    @Option(help: ArgumentHelp("Also write a copy of the capture with each segment's annotation as its packet comment.", valueName: "OUT.pcapng"))
    var annotate: String?

    @Option(help: ArgumentHelp("Also write a self-contained HTML page: a ladder per connection with both endpoints' states, the state diagram, a step-through and time-sequence plots.", valueName: "OUT.html"))
    var html: String?

    func validate() throws {
        if let stream, stream < 0 { throw ValidationError("--stream takes a connection number, 0 or more.") }
        if !format.isSummary && !summaryOptions.selection.keepsEverything {
            throw ValidationError("--only, --port and --host choose connection summaries: use them with --format summary or summary-jsonl.")
        }
        if explain && format != .text {
            throw ValidationError("--explain annotates the text ladder: use it with --format text (jsonl carries the rows in its transition field).")
        }
        if format.isSummary && (stream != nil || annotate != nil || html != nil) {
            throw ValidationError("--stream, --annotate and --html work on segments: use them with --format text or jsonl.")
        }
    }

    func run() throws {
        let reader: CaptureFileReader
        do {
            reader = try CaptureFileReader(path: file)
        } catch {
            Diagnostics.error("\(file): \(error)")
            throw ExitCode(1)
        }
        if case .pcap = reader.format, let link = reader.interfaces.first?.linkType, !link.isSupported {
            Diagnostics.error("\(file): has link type \(link), which tcplab does not decode (it reads Ethernet, Linux cooked SLL and SLL2, BSD loopback and raw IP)")
            throw ExitCode(1)
        }
        if format.isSummary {
            let summary = SummaryInspection(reader: reader, file: file, json: format == .summaryJSONL, selection: summaryOptions.selection)
            throw ExitCode(summary.run())
        }
        var inspection = Inspection(reader: reader, file: file, stream: stream, format: format, annotatePath: annotate, htmlPath: html)
        inspection.explain = explain
        throw ExitCode(inspection.run())
    }
}
