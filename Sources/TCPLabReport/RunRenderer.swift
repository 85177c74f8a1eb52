import FoundationEssentials
import TCPLabSystem

/// Something that presents a run of labs: each lab's result as it finishes, in lab order,
/// then whatever needs them all. The sibling of ``AnalysisRenderer``, which presents an
/// inspected capture; text, JSON and HTML are each one type behind it.
public protocol RunRenderer: AnyObject {
    /// Presents one lab's result.
    func render(_ result: LabResult) throws
    /// Presents what needs every result (a JSON document, an index page), and flushes.
    func finish(_ results: [LabResult]) throws
}

/// The report a reader follows on a terminal (``LabResult/write(to:style:)``), one lab after
/// another.
public final class RunTextRenderer: RunRenderer {
    private let output: BufferedWriter
    private let style: TextStyle
    private var count = 0

    /// A renderer writing to `output` in `style`.
    public init(output: BufferedWriter, style: TextStyle) {
        self.output = output
        self.style = style
    }

    public func render(_ result: LabResult) throws {
        if count > 0 { try output.write("\n") }
        count += 1
        try result.write(to: output, style: style)
    }

    public func finish(_ results: [LabResult]) throws { try output.flush() }
}

/// One JSON document for the whole run, `{"passed": …, "labs": [...]}`, for scripts.
public final class RunJSONRenderer: RunRenderer {
    private let output: BufferedWriter

    /// A renderer writing to `output`.
    public init(output: BufferedWriter) { self.output = output }

    public func render(_ result: LabResult) throws {}

    public func finish(_ results: [LabResult]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(passed: results.allSatisfy { $0.passed || $0.skipped != nil }, labs: results)
        try output.write(bytes: Array(try encoder.encode(document)))
        try output.write("\n")
        try output.flush()
    }

    /// The document: a lab that could not run here (skipped) does not fail it.
    struct Document: Encodable {
        let passed: Bool
        let labs: [LabResult]
    }
}

/// A self-contained page per lab (``LabResult/page()``), `DIRECTORY/NAME.html`, and with
/// several labs an index page linking them.
public final class RunHTMLRenderer: RunRenderer {
    private let directory: String
    private let index: Bool

    /// A renderer writing pages into `directory`; `index` writes `index.html` at the end.
    public init(directory: String, index: Bool) {
        self.directory = directory
        self.index = index
    }

    public func render(_ result: LabResult) throws {
        try HTMLRenderer.write(result.page().html(), to: directory + "/" + result.name + ".html")
    }

    public func finish(_ results: [LabResult]) throws {
        if index { try HTMLRenderer.write(LabResult.indexPage(results), to: directory + "/index.html") }
    }
}
