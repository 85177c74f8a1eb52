import ArgumentParser
import FoundationEssentials
import TCPLabEngine
import TCPLabIsolation
import TCPLabReport
import TCPLabSystem

/// `tcplab run NAME... | --all`: run labs on real sockets and report what happened.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run labs: real sockets in a fresh network namespace, a live capture, the kernel's view, the lesson.",
        discussion: """
            NAME is a built-in lab (see tcplab list) or the path to a lab file (.yaml). \
            Each lab runs in its own network namespace; its annotated capture is written to \
            tcplab-captures/NAME.pcapng in the current directory, or into the --output \
            directory (--output Captures refreshes the repository's committed captures).

            Needs root, or an ordinary user where the kernel allows user namespaces.
            Exit status: 0 when every expectation held; 1 when one did not or a lab could \
            not run; 2 for a mistake in a lab file (nothing runs); 130 on Ctrl-C.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Labs to run: built-in names or lab file paths.")
    var labs: [String] = []

    @Flag(help: "Run every built-in lab.")
    var all = false

    @Option(help: "Output format: a report per lab (text) or one JSON document (json).")
    var format: Format = .text

    @Option(help: ArgumentHelp("Directory for the annotated captures.", valueName: "DIR"))
    var output: String = "tcplab-captures"

    @Flag(help: "Do not write the annotated captures.")
    var noCapture = false

    @Flag(help: "Do not record the kernel's own log of each lab (eBPF; on by default as root).")
    var noKernelLog = false

    @Option(help: ArgumentHelp(
        "Also write each lab as a self-contained HTML page, DIR/NAME.html (ladder, states, state diagram, step-through), and with several labs DIR/index.html.",
        valueName: "DIR"))
    var html: String?

    @Flag(help: "Before each step that asks a question (predict: in the lab file), ask it on the terminal, then say whether the run bore the answer out.")
    var predict = false

    @Option(help: ArgumentHelp(
        "How many labs run at once, each in its own network namespace; the report stays in lab order.",
        valueName: "N"))
    var jobs = 1

    func validate() throws {
        if labs.isEmpty && !all { throw ValidationError("Name at least one lab, or use --all (tcplab list shows them).") }
        if !labs.isEmpty && all { throw ValidationError("Give lab names or --all, not both.") }
        if !(1...64).contains(jobs) { throw ValidationError("--jobs takes a number from 1 to 64.") }
        if predict && jobs > 1 { throw ValidationError("--predict asks before each step, one lab at a time: leave out --jobs.") }
    }

    func run() throws {
        let runStarted = ContinuousClock.now
        // Every lab file is read and checked before anything runs.
        var selected: [Lab] = []
        do {
            selected = all ? try LabCatalog.builtIn() : try labs.map { name throws(LabFileError) in try LabCatalog.lab(name) }
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(2)
        }
        if !noCapture {
            do {
                try prepareOutputDirectory(output)
            } catch {
                Diagnostics.error("cannot write the captures to \(output): \(error) (choose another directory with --output, or --no-capture)")
                throw ExitCode(1)
            }
        }
        if let html {
            do {
                try prepareOutputDirectory(html)
            } catch {
                Diagnostics.error("cannot write the pages to \(html): \(error) (choose another directory with --html)")
                throw ExitCode(1)
            }
        }
        do {
            try UserNamespace.enterIfUnprivileged()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        let interruption: Interruption
        do {
            interruption = try Interruption.install()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        var runner = LabRunner(interruption: interruption, kernelLog: !noKernelLog)
        if predict { runner.predictor = PredictionPrompt.ask }
        var saidKernelLogOff = false
        let writer = BufferedWriter(.standardOutput)
        var renderers: [any RunRenderer] = [
            format == .json
                ? RunJSONRenderer(output: writer)
                : RunTextRenderer(output: writer, style: TextStyle(isEnabled: Environment.wantsColourOnStandardOutput)),
        ]
        if let html { renderers.append(RunHTMLRenderer(directory: html, index: selected.count > 1)) }
        let count = selected.count
        let batch: LabBatch
        do {
            batch = try LabBatch(
                labs: selected, jobs: jobs, runner: runner,
                capturePath: { [noCapture, output] lab in noCapture ? nil : output + "/" + lab.name + ".pcapng" },
                started: { lab, index in Diagnostics.progress("running \(lab.name) (\(index + 1) of \(count))...") })
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        var results: [LabResult] = []
        for index in selected.indices {
            guard let result = batch.result(index) else { break }
            if let reason = result.kernelLogOff, !saidKernelLogOff {
                Diagnostics.progress("kernel confirmation is off: \(reason); the labs run as before, checked against the wire only")
                saidKernelLogOff = true
            }
            Diagnostics.progress("\(result.name): \(result.skipped != nil ? "skipped" : result.passed ? "passed" : "FAILED") in \(LabResult.formatSeconds(result.seconds)) s")
            results.append(result)
            for renderer in renderers { try renderer.render(result) }
        }
        for renderer in renderers { try renderer.finish(results) }
        if selected.count > 1 && format == .text {
            let failed = results.filter { !$0.passed && $0.skipped == nil }.map(\.name)
            let total = results.reduce(0) { $0 + $1.seconds }
            let skipped = results.filter { $0.skipped != nil }.count
            let wall = runStarted.duration(to: .now).inSeconds
            Diagnostics.progress("\(results.count - failed.count - skipped) of \(selected.count) labs passed" + (skipped == 0 ? "" : ", \(skipped) skipped") + " in \(LabResult.formatSeconds(total)) s of lab time, \(LabResult.formatSeconds(wall)) s in all" + (failed.isEmpty ? "" : "; failed: \(failed.joined(separator: ", "))"))
        }
        if interruption.isRequested {
            Diagnostics.error("interrupted; the lab's namespace, sockets and capture were cleaned up")
            throw ExitCode(interruption.exitStatus)
        }
        // A lab this machine cannot run (skipped, with the reason) is not a failure.
        if !results.allSatisfy({ $0.passed || $0.skipped != nil }) { throw ExitCode(1) }
    }
}
