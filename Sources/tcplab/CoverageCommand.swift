import ArgumentParser
import FoundationEssentials
import TCPLabAnalysis
import TCPLabEngine

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
            send nothing) are listed apart.

            Exit status: 0; 1 when a lab's capture cannot be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: ArgumentHelp("The directory holding the labs' annotated captures.", valueName: "DIR"))
    var captures = "Captures"

    @Option(help: "Output format: a table (text) or one JSON document (json).")
    var format: Format = .text

    func run() throws {
        let labs: [Lab]
        do {
            labs = try LabCatalog.builtIn()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        let coverage = StateCoverage.measure(captures: labs.map { ($0.name, captures + "/" + $0.name + ".pcapng") })
        for (lab, reason) in coverage.unreadable { Diagnostics.error("\(lab): \(reason)") }
        switch format {
        case .text: print(Self.text(coverage, labs: labs.count, directory: captures), terminator: "")
        case .json: print(try Self.json(coverage, labs: labs))
        }
        if !coverage.unreadable.isEmpty { throw ExitCode(1) }
    }

    /// The table: a line per row, the labs under it, then the rows not reached by reason.
    static func text(_ coverage: StateCoverage, labs: Int, directory: String) -> String {
        let rows = coverage.rows
        var text = "RFC 9293's state table: \(rows.count) rows. The \(labs) built-in labs' captures (\(directory)/, analysed now) traverse \(coverage.covered).\n"
        text += "A capture holds no kernel log: these are the wire's counts (tcplab run confirms each transition with the kernel's own).\n\n"
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
                text += "    \(row.labs.count) lab\(row.labs.count == 1 ? "" : "s"): \(row.labs.joined(separator: ", "))\n"
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
    static func json(_ coverage: StateCoverage, labs: [Lab]) throws -> String {
        struct Document: Encodable {
            var rows: Int
            var covered: Int
            var labs: Int
            var evidence: String
            var table: [Entry]
        }
        struct Entry: Encodable {
            var id, from, to, event, action, section, evidence: String
            var inRFC, onLinux: Bool
            var linux: String?
            var labs: [String]
            var declaredBy: [String]
            var gap: String?

            enum CodingKeys: String, CodingKey {
                case id, from, to, event, action, section, evidence, linux, labs, gap
                case inRFC = "in_rfc", onLinux = "on_linux", declaredBy = "declared_by"
            }
        }
        let document = Document(
            rows: coverage.rows.count, covered: coverage.covered, labs: labs.count,
            evidence: "each built-in lab's annotated capture, analysed now (no kernel log)",
            table: coverage.rows.map { row in
                let t = row.transition
                return Entry(
                    id: t.id, from: t.from.rawValue, to: t.to.rawValue, event: t.event.description,
                    action: t.action.description, section: t.section.number, evidence: t.evidence.rawValue,
                    inRFC: t.inRFC, onLinux: t.onLinux, linux: t.linux, labs: row.labs,
                    declaredBy: labs.filter { $0.reaches.contains { $0.id == t.id } }.map(\.name), gap: row.gap?.rawValue)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
