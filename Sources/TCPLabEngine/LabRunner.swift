import TCPLabAnalysis
import TCPLabCapture
import TCPLabIsolation
import TCPLabKernel
import TCPLabKernelLog
import TCPLabPacket
import TCPLabPeer
import TCPLabReport
import TCPLabSocket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a lab: a fresh network namespace, its sysctls and firewall, a libpcap capture on
/// its lo, the steps on real sockets, then the analysis of the capture.
///
/// Everything the lab opens is closed before ``run(_:capturePath:)`` returns, whether the
/// lab passed, failed, threw or was interrupted; the namespace goes with the thread that
/// made it. Two runners may run at once: each has its own namespace.
public struct LabRunner {
    /// The interruption to honour, from ``Interruption/install()``.
    public var interruption: Interruption?
    /// Asks the reader a step's question before it runs (`tcplab run --predict`): gets the
    /// prediction and the step as written, returns the index of the choice made, or nil.
    /// Called on the lab's own thread.
    public var predictor: (@Sendable (Step.Prediction, String) -> Int?)?
    /// Whether to record the kernel's own log of each lab (eBPF; needs root).
    public var recordsKernelLog: Bool
    /// Why the kernel log is off, once a lab found out (shared by the runner's copies).
    let kernelLogAvailability = KernelLogAvailability()

    /// A runner; `interruption` stops it between system calls. With `kernelLog`, each lab
    /// records the kernel's log of its sockets when the process may load BPF programs.
    public init(interruption: Interruption? = nil, kernelLog: Bool = true) {
        self.interruption = interruption
        self.recordsKernelLog = kernelLog
        // A send to a reset peer must fail with EPIPE, not kill the process: sends use
        // MSG_NOSIGNAL, and pipes to child processes are covered by ignoring SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `lab`; writes the annotated capture to `capturePath` when given.
    public func run(_ lab: Lab, capturePath: String?) -> LabResult {
        let started = ContinuousClock.now
        var result = LabResult(
            name: lab.name, title: lab.title, summary: lab.summary, source: lab.source, teaches: lab.teaches,
            lesson: lab.lesson, passed: false, seconds: 0, steps: [], capture: [], kernel: [], counters: [],
            captureFile: nil, packetsCaptured: 0, packetsDropped: 0, segments: [], error: nil, interrupted: false)
        do {
            result = try NetworkNamespace.run { [recordsKernelLog, kernelLogAvailability] in
                let session = LabSession(lab: lab, interruption: interruption, started: started, result: result)
                session.predictor = predictor
                session.kernelLogAvailability = recordsKernelLog ? kernelLogAvailability : nil
                defer { session.closeEverything() }
                session.run(capturePath: capturePath)
                return session.result
            }
        } catch {
            result.error = "\(error)"
        }
        result.seconds = started.duration(to: .now).inSeconds
        result.passed = result.error == nil && !result.interrupted && result.skipped == nil
            && result.steps.allSatisfy { $0.status == .passed } && result.capture.allSatisfy(\.passed)
            && result.kernelAgreement.allSatisfy { $0.agrees || $0.withScriptedPeer }
        result.notHeld = result.passed ? [] : result.claimsNotHeld
        // The lesson quotes this run: each placeholder gets what the run measured.
        (result.lesson, result.lessonValues) = lab.filledLesson(from: result)
        return result
    }
}

/// A socket the lab named, and what is known of it after it closes.
final class LabSocket {
    let name: String
    /// The actor it belongs to (an accepted socket belongs to the acceptor).
    let actor: String
    var socket: Socket?
    var local: Endpoint?
    var remote: Endpoint?
    var isListener = false
    /// The inode sock_diag reports for it while it is open.
    var inode: UInt64?
    /// Every byte this socket's sends handed to the kernel, since its `socket` call.
    var sent = StreamDigest()
    /// Whether the lab shut down only its reading side (SHUT_RD): then recv's 0
    /// is that shutdown, not a FIN from the peer.
    var readShutDown = false
    /// The error that ended its connection (ECONNRESET, ETIMEDOUT, ...), once a call
    /// returned it: a later recv's 0 is that end, not a FIN from the peer.
    var endedBy: Errno?
    /// The child process the socket was handed to (`process: hold`), once it was.
    var holder: HoldingProcess?

    init(name: String, actor: String) {
        self.name = name
        self.actor = actor
    }
}

/// One run in progress, inside the lab's namespace.
final class LabSession {
    let lab: Lab
    let interruption: Interruption?
    let started: ContinuousClock.Instant
    var result: LabResult
    var sockets: [String: LabSocket] = [:]
    /// Every endpoint the lab's sockets have had, with the actor and the moment it counts
    /// from, to name the capture's ends.
    var endpoints: [(endpoint: Endpoint, actor: String, since: Int64)] = []
    var capture: LiveCapture?
    /// The packets the latest analysis read, frame N at N - 1: where a payload pattern
    /// finds a segment's bytes.
    var analysedPackets: [CapturedPacket] = []
    var countersAtStart: KernelCounters?
    /// Asks the reader a step's question before it runs, if the run asks (see ``LabRunner``).
    var predictor: (@Sendable (Step.Prediction, String) -> Int?)?
    /// Seconds left on the timer of the socket the current step's check or wait last saw.
    var measuredExpiry: Double?

    /// A prediction against the run: held when the choice is the lab's answer and the step
    /// passed, so this kernel confirmed the answer.
    static func judge(_ prediction: Step.Prediction, chosen: Int?, stepPassed: Bool) -> PredictionResult {
        let choice = chosen.flatMap { prediction.choices.indices.contains($0) ? prediction.choices[$0] : nil }
        return PredictionResult(
            question: prediction.question, chosen: choice, answer: prediction.choices[prediction.answer], why: prediction.why,
            held: choice == nil || !stepPassed ? nil : choice == prediction.choices[prediction.answer])
    }

    /// The scripted peer and its TUN device, for a lab with a peer actor.
    var peer: ScriptedPeer?
    /// Where to learn and record whether the kernel log may run; nil: not recorded.
    var kernelLogAvailability: KernelLogAvailability?
    /// The kernel log while the capture runs.
    var kernelLog: KernelLog?
    /// What it recorded, once stopped.
    var kernelRecord: KernelLog.Record?

    init(lab: Lab, interruption: Interruption?, started: ContinuousClock.Instant, result: LabResult) {
        self.lab = lab
        self.interruption = interruption
        self.started = started
        self.result = result
        for actor in lab.actors { sockets[actor.name] = LabSocket(name: actor.name, actor: actor.name) }
    }

    var elapsed: Double { started.duration(to: .now).inSeconds }

    struct Interrupted: Error {}

    func run(capturePath: String?) {
        do {
            // An older kernel lacks what the lesson describes: skipped, not failed.
            if let reason = lab.requires?.unmet() {
                result.skipped = reason
                return
            }
            // A misspelt counter in the lesson would read "0": refuse it before anything
            // runs. Counter names are the kernel's; unreadable counters leave it unchecked.
            if let counters = try? KernelCounters.read(), let problem = lab.unknownLessonCounter(in: counters) {
                throw LabSetupError(message: problem)
            }
            if lab.hasPeer, try !startPeer() { return }
            try setUp()
            startKernelLog()
            // A peer's segments cross its TUN device, not lo: "any" sees both.
            // libpcap sizes its ring's frames by the snapshot length except on Ethernet
            // devices (there by the MTU): on "any", 262144 bytes leaves about 31 frames in
            // the 8 MiB ring, and a burst of a peer's SYNs overflows it. No packet here is
            // longer than lo's 65536-byte MTU and a 20-byte link header.
            let capture = LiveCapture(interface: lab.hasPeer ? "any" : "lo", filter: "tcp", snapshotLength: lab.hasPeer ? 65_556 : 262_144)
            try capture.start()
            self.capture = capture
            countersAtStart = try KernelCounters.read()
            var failed = false
            for (index, step) in lab.steps.enumerated() {
                if interruption?.isRequested == true {
                    markNotRun(lab.steps[index...])
                    throw Interrupted()
                }
                if failed {
                    markNotRun([step])
                    continue
                }
                var outcome: StepResult
                let chosen = step.predict.flatMap { prediction in predictor?(prediction, actionText(step)) }
                do {
                    outcome = try perform(step)
                    if let prediction = step.predict, predictor != nil {
                        outcome.prediction = Self.judge(prediction, chosen: chosen, stepPassed: outcome.status == .passed)
                    }
                } catch let error where error is Interrupted || error is Socket.Interrupted {
                    markNotRun(lab.steps[index...])
                    throw error
                }
                result.steps.append(outcome)
                failed = outcome.status == .failed
            }
            result.kernel.append(try snapshot("after the last step"))
            if let countersAtStart {
                result.counters = try KernelCounters.read().changes(since: countersAtStart).map { CounterChange(name: $0.name, change: $0.change) }
            }
        } catch where error is Interrupted || error is Socket.Interrupted {
            result.interrupted = true
            result.error = "interrupted by \(interruption?.signalName ?? "a signal"); everything the lab opened was closed"
        } catch {
            result.error = "\(error)"
        }
        // The capture is analysed and written whatever happened, so nothing seen is lost.
        do {
            try finishCapture(path: capturePath)
        } catch {
            result.error = (result.error.map { $0 + "; " } ?? "") + "capture: \(error)"
        }
        // Stopped already with the capture, unless the lab ended before its capture began.
        stopKernelLog()
    }

    /// Lists `steps` as not run (after a failure or an interruption).
    func markNotRun(_ steps: ArraySlice<Step>) {
        for step in steps {
            result.steps.append(StepResult(
                line: step.line, actor: actorName(step), action: actionText(step), expected: expectedText(step),
                observed: "", status: .notRun, time: elapsed, note: step.note, round: step.round?.description))
        }
    }

    func setUp() throws {
        for setting in lab.sysctls {
            try Sysctl.write(setting.name, setting.value)
            result.steps.append(StepResult(
                line: setting.line, actor: "setup", action: "sysctl \(setting.name) = \(setting.value)", expected: nil,
                observed: "set in the lab's namespace", status: .passed, time: elapsed, note: nil))
        }
        if let shaping = lab.shaping {
            try shape(shaping)
            result.steps.append(StepResult(
                line: 0, actor: "setup", action: "shaping: lo mtu \(shaping.mtu), tbf rate \(shaping.rate) burst \(shaping.burst)",
                expected: nil, observed: "set on the lab's lo", status: .passed, time: elapsed, note: nil))
        }
        if let loopback = lab.loopback {
            try configure(loopback)
        }
        if let firewall = lab.firewall {
            let outcome = try Command.run(["nft", "-f", "-"], input: firewall)
            guard outcome.status == 0 else {
                throw LabSetupError(message: "nft refused the lab's firewall rules: \(outcome.output.trimmingSpaces)")
            }
            result.steps.append(StepResult(
                line: 0, actor: "setup", action: "firewall (nft -f)", expected: nil,
                observed: "rules loaded in the lab's namespace", status: .passed, time: elapsed, note: nil))
        }
    }

    /// Sets lo's MTU and a tbf qdisc on it (ip-link(8), tc-tbf(8)); lo and its qdisc go
    /// with the namespace.
    func shape(_ shaping: Lab.Shaping) throws {
        let milliseconds = Int(shaping.latency.inSeconds * 1000)
        let commands = [
            ["ip", "link", "set", "dev", "lo", "mtu", String(shaping.mtu)],
            ["tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", shaping.rate, "burst", String(shaping.burst), "latency", "\(milliseconds)ms"],
        ]
        for command in commands {
            let outcome = try Command.run(command)
            guard outcome.status == 0 else {
                throw LabSetupError(message: "\(command.joined(separator: " ")) failed: \(outcome.output.trimmingSpaces)")
            }
        }
    }

    /// Sets lo's MTU and GSO (ip-link(8)) before any socket exists: a socket takes both
    /// from its route when it connects. They go with the namespace.
    func configure(_ loopback: Lab.Loopback) throws {
        var words: [String] = []
        if let mtu = loopback.mtu { words += ["mtu", String(mtu)] }
        // One segment per packet: TCP then cuts every send to the MSS itself.
        if !loopback.segmentationOffload { words += ["gso_max_segs", "1"] }
        guard !words.isEmpty else { return }
        let command = ["ip", "link", "set", "dev", "lo"] + words
        let outcome = try Command.run(command)
        guard outcome.status == 0 else {
            throw LabSetupError(message: "\(command.joined(separator: " ")) failed: \(outcome.output.trimmingSpaces)")
        }
        result.steps.append(StepResult(
            line: 0, actor: "setup", action: "loopback: " + command.dropFirst(3).joined(separator: " "),
            expected: nil, observed: "set on the lab's lo", status: .passed, time: elapsed, note: nil))
    }

    /// Closes every socket the lab still holds and stops the capture if it still runs.
    func closeEverything() {
        for socket in sockets.values { try? socket.socket?.close() }
        // No child outlives the lab: a child still holding a socket is killed and reaped.
        for socket in sockets.values { socket.holder?.end() }
        if let capture { _ = try? capture.stop() }
        capture = nil
        peer?.close()
        peer = nil
        stopKernelLog()
    }

    // MARK: Names

    func actorName(_ step: Step) -> String {
        if case .call(let socket, _, _, _) = step.action { return socket }
        if case .peer(let actor, _) = step.action { return actor }
        return "lab"
    }

    func actionText(_ step: Step) -> String {
        switch step.action {
        case .call(_, let call, _, let name): return name.map { "\(call) as \($0)" } ?? call.description
        case .wait(let condition): return "wait until \(condition)"
        case .check(let check): return "check \(check)"
        case .sysctl(let settings): return "sysctl " + settings.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
        case .firewall(let rules): return "firewall: " + rules.split(separator: "\n").joined(separator: "; ")
        case .peer(_, let line): return line.text
        case .process(let step): return "process: \(step)"
        }
    }

    func expectedText(_ step: Step) -> String? {
        if case .call(_, _, let expect?, _) = step.action { return expect.description }
        return nil
    }

    /// The actor whose socket had `endpoint` when a segment was captured at `time`
    /// (nanoseconds since the epoch), or the endpoint itself. A port can change hands
    /// during a lab (a restarted server binds the port of the old one), so each claim
    /// counts from the moment its call began; capture timestamps use the same clock.
    func actor(for endpoint: Endpoint, time: Int64) -> String {
        func latest(_ matches: (Endpoint) -> Bool) -> String? {
            endpoints.last { matches($0.endpoint) && $0.since <= time }?.actor
                ?? endpoints.first { matches($0.endpoint) }?.actor
        }
        return latest { $0 == endpoint }
            ?? latest { $0.port == endpoint.port && $0.address.isUnspecified }
            ?? endpoint.description
    }

    /// Records that `socket`'s actor holds its local endpoint from `since` on.
    func remember(_ socket: LabSocket, since: Int64) {
        guard let local = socket.local else { return }
        if endpoints.last(where: { $0.endpoint == local })?.actor == socket.actor { return }
        endpoints.append((local, socket.actor, since))
    }

    /// Now, on the clock capture timestamps use (CLOCK_REALTIME), in nanoseconds.
    static var captureClockNow: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: Kernel

    func snapshot(_ moment: String) throws -> KernelSnapshot {
        let listed = try SocketDiagnostics.tcpSockets()
        return KernelSnapshot(moment: moment, sockets: listed.map { entry in
            KernelSnapshot.NamedSocket(name: name(of: entry), socket: entry)
        })
    }

    /// The lab's name for a kernel socket: the lab socket with the same ends.
    func name(of entry: KernelSocket) -> String {
        // An open socket's inode names it exactly, even among sockets sharing an address.
        if entry.inode != 0, let owner = sockets.values.first(where: { $0.inode == UInt64(entry.inode) && $0.socket?.isClosed == false }) {
            return owner.name
        }
        let owners = sockets.values.filter { $0.local == entry.local }
        if entry.state == .listen, let listener = owners.first(where: { $0.isListener }) { return listener.name }
        if let exact = owners.first(where: { $0.remote == entry.remote && !$0.isListener }) { return exact.name }
        // A connection still in the accept queue, or one the lab did not accept.
        if let listener = owners.first(where: { $0.isListener }) { return "(\(listener.name) queue)" }
        return ""
    }

    /// The kernel's record of a lab socket, or nil if the kernel lists none (CLOSED).
    func kernelRecord(of socket: LabSocket, in listed: [KernelSocket]) -> KernelSocket? {
        guard let local = socket.local else { return nil }
        if let inode = socket.inode, socket.socket?.isClosed == false, let open = listed.first(where: { UInt64($0.inode) == inode }) {
            return open
        }
        if socket.isListener {
            return listed.first { $0.local == local && $0.state == .listen }
        }
        guard let remote = socket.remote else { return nil }
        return listed.first { $0.local == local && $0.remote == remote }
    }
}

/// The lab's setup could not be applied.
struct LabSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension IPAddress {
    /// 0.0.0.0 or ::, what a socket bound to every address reports.
    var isUnspecified: Bool {
        switch self {
        case .v4(let value): return value == 0
        case .v6(let high, let low): return high == 0 && low == 0
        }
    }
}
