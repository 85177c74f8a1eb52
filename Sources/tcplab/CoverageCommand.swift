import ArgumentParser
import FoundationEssentials
import TCPLabAnalysis
import TCPLabEngine
import TCPLabIsolation
import TCPLabReport

/// `tcplab coverage`: the rows of RFC 9293's state table against the built-in labs.
struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Show which rows of RFC 9293's state table the built-in labs traverse, and which no lab reaches yet.",
        discussion: """
            The evidence is each built-in lab's annotated capture (DIR/NAME.pcapng, as \
            `tcplab run --output Captures` writes them), analysed again now: a row counts \
            when a segment of the capture moves an endpoint by it. A capture holds no kernel \
            log, so these counts are the wire's; `tcplab run` confirms each transition \
            against the kernel's own log. Rows that no segment can show (timers, calls that \
            send nothing) are listed apart. With --run the labs run now instead, and each \
            row's move is marked where the run's kernel log confirmed it.

            Exit status: 0; 1 when a lab's capture cannot be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: ArgumentHelp("The directory holding the labs' annotated captures.", valueName: "DIR"))
    var captures = "Captures"

    @Option(help: "Output format: a table (text) or one JSON document (json).")
    var format: Format = .text

    @Flag(name: .customLong("run"), help: "Run the built-in labs now (as root, or in a user namespace) instead of reading their captures, and mark the rows each run's kernel log confirmed (root only).")
    var runLabs = false

    func run() throws {
        let labs: [Lab]
        do {
            labs = try LabCatalog.builtIn()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        var evidence = "each built-in lab's annotated capture, analysed now (no kernel log)"
        let coverage: StateCoverage
        if runLabs {
            let (results, kernelLogOff) = try Self.runLabs(labs)
            coverage = StateCoverage.measure(results: results)
            evidence = kernelLogOff.map { "the labs run now; kernel confirmation off: \($0)" } ?? "the labs run now, with the kernel log"
        } else {
            coverage = StateCoverage.measure(captures: labs.map { ($0.name, captures + "/" + $0.name + ".pcapng") })
        }
        for (lab, reason) in coverage.unreadable { Diagnostics.error("\(lab): \(reason)") }
        switch format {
        case .text: print(Self.text(coverage, labs: labs.count, source: runLabs ? nil : captures, evidence: evidence), terminator: "")
        case .json: print(try Self.json(coverage, labs: labs, evidence: evidence))
        }
        if !coverage.unreadable.isEmpty { throw ExitCode(1) }
    }

    /// Runs every built-in lab with the kernel log, one after the other, progress on stderr;
    /// returns the results and why the kernel log was off, if it was.
    static func runLabs(_ labs: [Lab]) throws -> ([LabResult], String?) {
        do {
            try UserNamespace.enterIfUnprivileged()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        let runner = LabRunner(interruption: try? Interruption.install(), kernelLog: true)
        var results: [LabResult] = []
        var kernelLogOff: String?
        for (index, lab) in labs.enumerated() {
            Diagnostics.progress("running \(lab.name) (\(index + 1) of \(labs.count))...")
            let result = runner.run(lab, capturePath: nil)
            if kernelLogOff == nil, let reason = result.kernelLogOff { kernelLogOff = reason }
            results.append(result)
            if result.interrupted { throw ExitCode(130) }
        }
        return (results, kernelLogOff)
    }

    /// The table: a line per row, the labs under it, then the rows not reached by reason.
    /// `source` is the captures' directory, or nil for labs run now.
    static func text(_ coverage: StateCoverage, labs: Int, source: String?, evidence: String) -> String {
        let rows = coverage.rows
        var text = "RFC 9293's state table: \(rows.count) rows. "
        if let source {
            text += "The \(labs) built-in labs' captures (\(source)/, analysed now) traverse \(coverage.covered).\n"
            text += "A capture holds no kernel log: these are the wire's counts (tcplab coverage --run, or tcplab run, confirms them with the kernel's own).\n\n"
        } else {
            text += "The \(labs) built-in labs, run now, traverse \(coverage.covered); their kernel logs confirm \(coverage.confirmed).\n"
            text += "Evidence: \(evidence). Rows that keep the state have no move for the kernel to confirm.\n\n"
        }
        let idWidth = rows.map(\.transition.id.count).max() ?? 0
        let statesWidth = rows.map { "\($0.transition.from) → \($0.transition.to)".count }.max() ?? 0
        for row in rows {
            let t = row.transition
            let states = "\(t.from) → \(t.to)"
            text += pad(t.id, idWidth) + "  " + pad(states, statesWidth) + "  "
                + "\(t.event), \(t.action) (\(t.inRFC ? "" : "Linux; ")RFC 9293 \(t.section))\n"
            if row.labs.isEmpty {
                text += "    not reached: \(row.gap?.rawValue ?? "")\n"
            } else {
                text += "    \(row.labs.count) lab\(row.labs.count == 1 ? "" : "s"): \(row.labs.joined(separator: ", "))"
                if source == nil && row.transition.movesState {
                    text += row.confirmedIn.isEmpty ? "; kernel-confirmed in none" : "; kernel-confirmed in \(row.confirmedIn.joined(separator: ", "))"
                }
                text += "\n"
            }
        }
        text += "\nNot reached: \(rows.count - coverage.covered) of \(rows.count) rows.\n"
        for gap in [StateCoverage.Gap.kernelOnly, .notInferred, .notOnLinux, .notYet] {
            let ids = rows.filter { $0.gap == gap }.map(\.transition.id)
            guard !ids.isEmpty else { continue }
            text += "  \(gap.rawValue) (\(ids.count)): \(ids.joined(separator: ", "))\n"
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(width - text.count, 0))
    }

    /// One JSON document: the totals and every row with its labs.
    static func json(_ coverage: StateCoverage, labs: [Lab], evidence: String) throws -> String {
        struct Document: Encodable {
            var rows: Int
            var covered: Int
            var confirmed: Int
            var labs: Int
            var evidence: String
            var table: [Entry]
        }
        struct Entry: Encodable {
            var id, from, to, event, action, section, evidence: String
            var inRFC, onLinux: Bool
            var linux: String?
            var labs: [String]
            var confirmedIn: [String]
            var declaredBy: [String]
            var gap: String?

            enum CodingKeys: String, CodingKey {
                case id, from, to, event, action, section, evidence, linux, labs, gap
                case inRFC = "in_rfc", onLinux = "on_linux", declaredBy = "declared_by", confirmedIn = "kernel_confirmed_in"
            }
        }
        let document = Document(
            rows: coverage.rows.count, covered: coverage.covered, confirmed: coverage.confirmed, labs: labs.count,
            evidence: evidence,
            table: coverage.rows.map { row in
                let t = row.transition
                return Entry(
                    id: t.id, from: t.from.rawValue, to: t.to.rawValue, event: t.event.description,
                    action: t.action.description, section: t.section.number, evidence: t.evidence.rawValue,
                    inRFC: t.inRFC, onLinux: t.onLinux, linux: t.linux, labs: row.labs, confirmedIn: row.confirmedIn,
                    declaredBy: labs.filter { $0.reaches.contains { $0.id == t.id } }.map(\.name), gap: row.gap?.rawValue)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
