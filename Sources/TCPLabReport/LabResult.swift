import TCPLabAnalysis
import TCPLabKernel
import TCPLabKernelLog

/// What one run of a lab showed: every step with its result, the kernel's view, the
/// counters, the annotated capture, and whether every expectation held.
public struct LabResult: Sendable, Encodable {
    /// The lab's name.
    public var name: String
    /// Its title.
    public var title: String
    /// Its one-line summary.
    public var summary: String
    /// Where the lab file came from.
    public var source: String
    /// What it teaches.
    public var teaches: String
    /// The lesson.
    public var lesson: String
    /// True when every step and expectation held and nothing went wrong.
    public var passed: Bool
    /// Wall time of the run, in seconds.
    public var seconds: Double
    /// Setup (sysctls, firewall) and steps, in order.
    public var steps: [StepResult]
    /// The capture expectations.
    public var capture: [ExpectationResult]
    /// Sockets as the kernel listed them at checks and after the last step.
    public var kernel: [KernelSnapshot]
    /// Counters that changed during the lab.
    public var counters: [CounterChange]
    /// Where the annotated capture was written, if it was.
    public var captureFile: String?
    /// Packets captured, and libpcap's drop count (should be 0).
    public var packetsCaptured: Int
    /// Packets libpcap dropped.
    public var packetsDropped: Int
    /// The annotated segments, with the actor names of both ends.
    public var segments: [SegmentRecord]
    /// A problem that stopped the lab (setup failed, interrupted), if any.
    public var error: String?
    /// Whether Ctrl-C (SIGINT) or SIGTERM stopped it.
    public var interrupted: Bool
    /// Why the lab did not run, when this machine cannot run it (a scripted peer without
    /// access to /dev/net/tun); nil when it ran. A skipped lab has not failed.
    public var skipped: String? = nil

    /// The kernel's own log of the lab's sockets, recorded with eBPF while the capture ran.
    public var kernelLog: [KernelLogEntry] = []
    /// Why there is no kernel log (not root, or BPF refused), when there is none.
    public var kernelLogOff: String? = nil
    /// How kernel times were put on the capture's clock.
    public var kernelClock: KernelClockRecord? = nil
    /// What the kernel log could not see, when something was refused ("function probes
    /// refused: ...; timewait sockets seen through their packets, request sockets not").
    public var kernelLogNote: String? = nil
    /// Each state transition the wire shows for the lab's sockets, and whether the kernel
    /// log confirms it; then each kernel transition the wire does not explain.
    public var kernelAgreement: [TransitionCheck] = []

    /// The kernel's IDs of the kernel log's BPF programs and links (not encoded): after
    /// the run none of them may exist.
    public var kernelLogObjects: (programs: [UInt32], links: [UInt32]) = ([], [])

    /// The analysis events (segments and connection summaries) for the ladder diagram.
    /// Not encoded: ``segments`` carries the same facts for JSON.
    public var events: [AnalysisEvent] = []

    /// The lesson's placeholders and what this run filled them with; ``lesson`` holds the
    /// text with them filled in.
    public var lessonValues: [LessonValue] = []
    /// The claims this run did not bear out (``claimsNotHeld``), stored for JSON.
    public var notHeld: [String] = []

    enum CodingKeys: String, CodingKey {
        case name, title, summary, source, teaches, lesson, passed, seconds, steps, capture, kernel, counters
        case captureFile = "capture_file", packetsCaptured = "packets_captured", packetsDropped = "packets_dropped"
        case segments, error, interrupted, skipped
        case kernelLog = "kernel_log", kernelLogOff = "kernel_log_off", kernelClock = "kernel_clock", kernelLogNote = "kernel_log_note"
        case kernelAgreement = "transitions"
        case lessonValues = "lesson_values", notHeld = "not_held"
    }

    /// A value with every field given.
    public init(name: String, title: String, summary: String, source: String, teaches: String, lesson: String, passed: Bool, seconds: Double, steps: [StepResult], capture: [ExpectationResult], kernel: [KernelSnapshot], counters: [CounterChange], captureFile: String?, packetsCaptured: Int, packetsDropped: Int, segments: [SegmentRecord], error: String?, interrupted: Bool, skipped: String? = nil, kernelLog: [KernelLogEntry] = [], kernelLogOff: String? = nil, kernelClock: KernelClockRecord? = nil, kernelLogNote: String? = nil, kernelAgreement: [TransitionCheck] = [], kernelLogObjects: (programs: [UInt32], links: [UInt32]) = ([], []), events: [AnalysisEvent] = []) {
        self.name = name
        self.title = title
        self.summary = summary
        self.source = source
        self.teaches = teaches
        self.lesson = lesson
        self.passed = passed
        self.seconds = seconds
        self.steps = steps
        self.capture = capture
        self.kernel = kernel
        self.counters = counters
        self.captureFile = captureFile
        self.packetsCaptured = packetsCaptured
        self.packetsDropped = packetsDropped
        self.segments = segments
        self.error = error
        self.interrupted = interrupted
        self.skipped = skipped
        self.kernelLog = kernelLog
        self.kernelLogOff = kernelLogOff
        self.kernelClock = kernelClock
        self.kernelLogNote = kernelLogNote
        self.kernelAgreement = kernelAgreement
        self.kernelLogObjects = kernelLogObjects
        self.events = events
    }
}

/// One step's result.
public struct StepResult: Sendable, Encodable {
    /// Whether it held.
    public enum Status: String, Sendable, Encodable {
        /// The step did what was expected.
        case passed
        /// It did not.
        case failed
        /// An earlier step failed, so it did not run.
        case notRun = "not run"
    }

    /// Line in the lab file.
    public var line: Int
    /// Who acted ("server", "client2"), or "lab" for waits, checks and settings.
    public var actor: String
    /// The step as written ("connect 127.0.0.1:8080 nonblocking").
    public var action: String
    /// What was expected, in words (nil: success).
    public var expected: String?
    /// What happened.
    public var observed: String
    /// Passed, failed, not run.
    public var status: Status
    /// Seconds since the lab began when the step ended.
    public var time: Double
    /// The lab's note for the step.
    public var note: String?
    /// How long the call took, in seconds (socket calls only).
    public var duration: Double? = nil
    /// How many bytes a send or recv moved (socket calls only).
    public var bytes: Int? = nil
    /// Seconds left on the timer of the socket a check or wait looked at, when it had one.
    public var expires: Double? = nil
    /// "round 2 of 3" for a repeated step.
    public var round: String? = nil
    /// The reader's prediction, when the step asked for one and the run asked the reader.
    public var prediction: PredictionResult? = nil

    /// A value with every field given.
    public init(line: Int, actor: String, action: String, expected: String?, observed: String, status: Status, time: Double, note: String?, duration: Double? = nil, round: String? = nil, prediction: PredictionResult? = nil, bytes: Int? = nil, expires: Double? = nil) {
        self.bytes = bytes
        self.expires = expires
        self.line = line
        self.actor = actor
        self.action = action
        self.expected = expected
        self.observed = observed
        self.status = status
        self.time = time
        self.note = note
        self.duration = duration
        self.round = round
        self.prediction = prediction
    }
}

/// A prediction made before a step, and whether the run bore it out.
public struct PredictionResult: Sendable, Encodable {
    /// The question asked.
    public var question: String
    /// The reader's choice; nil when no answer came (end of input).
    public var chosen: String?
    /// The answer the lab expects, which the step's own expectation checks on this kernel.
    public var answer: String
    /// Why that is the answer.
    public var why: String?
    /// True when the choice was the answer and the step passed, so this kernel confirmed
    /// it; false when it was not; nil when no choice was made or the step did not pass
    /// (the run then proves nothing either way).
    public var held: Bool?

    /// A value with every field given.
    public init(question: String, chosen: String?, answer: String, why: String?, held: Bool?) {
        self.question = question
        self.chosen = chosen
        self.answer = answer
        self.why = why
        self.held = held
    }
}

/// A capture expectation's result.
public struct ExpectationResult: Sendable, Encodable {
    /// Line in the lab file.
    public var line: Int
    /// The expectation in words.
    public var expectation: String
    /// What the capture showed.
    public var observed: String
    /// Whether it held.
    public var passed: Bool
    /// What it measured, as numbers: a `gap`'s seconds, each gap of `gaps`, a count's
    /// number of segments; empty when it measured nothing.
    public var values: [Double] = []

    /// A value with every field given.
    public init(line: Int, expectation: String, observed: String, passed: Bool, values: [Double] = []) {
        self.line = line
        self.expectation = expectation
        self.observed = observed
        self.passed = passed
        self.values = values
    }
}

/// The kernel's sockets at one moment, each named by the lab socket it belongs to.
public struct KernelSnapshot: Sendable, Encodable {
    /// When: "check at line 12", "after the last step".
    public var moment: String
    /// The sockets, with the lab's name for each ("server", "conn1"; "" if none).
    public var sockets: [NamedSocket]

    /// A kernel socket and the lab socket it belongs to.
    public struct NamedSocket: Sendable, Encodable {
        /// The lab's name for it.
        public var name: String
        /// The kernel's record.
        public var socket: KernelSocket

        /// A value with every field given.
        public init(name: String, socket: KernelSocket) {
            self.name = name
            self.socket = socket
        }
    }

    /// A value with every field given.
    public init(moment: String, sockets: [NamedSocket]) {
        self.moment = moment
        self.sockets = sockets
    }
}

/// A counter that changed.
public struct CounterChange: Sendable, Encodable {
    /// "TcpExt.ListenOverflows".
    public var name: String
    /// How much it grew.
    public var change: Int64

    /// A value with every field given.
    public init(name: String, change: Int64) {
        self.name = name
        self.change = change
    }
}

/// One annotated segment of the lab's capture.
public struct SegmentRecord: Sendable, Encodable {
    /// Frame number in the capture, from 1.
    public var frame: Int
    /// Connection number.
    public var stream: Int
    /// Seconds since the first frame.
    public var time: Double
    /// Sending actor.
    public var from: String
    /// Receiving actor.
    public var to: String
    /// Flag letters.
    public var flags: String
    /// Relative sequence number.
    public var seq: UInt32
    /// Relative acknowledgment number.
    public var ack: UInt32
    /// Payload length.
    public var len: Int
    /// Scaled window.
    public var window: UInt32
    /// Labels.
    public var labels: [String]
    /// Client state after the segment.
    public var clientState: String
    /// Server state after the segment.
    public var serverState: String
    /// Which end of its connection sent it: "client" (the side that sent the first SYN) or "server".
    public var sender: String = "client"
    /// tshark's sequence-analysis findings, by tcp.analysis name.
    public var analysis: [String] = []
    /// What the kernel log says of this very segment when the kernel dropped it after the
    /// capture saw it ("ACK dropped: the firewall (netfilter) dropped it"): the receiver
    /// never processed it, whatever the states above infer.
    public var kernelDrop: String? = nil
    /// The rows of the state table each endpoint took on this segment (see
    /// ``TransitionRecord``), nil when neither moved.
    public var transition: TransitionRecord? = nil

    enum CodingKeys: String, CodingKey {
        case frame, stream, time, from, to, flags, seq, ack, len, window, labels, sender, analysis, transition
        case clientState = "client_state", serverState = "server_state", kernelDrop = "kernel_drop"
    }

    /// A value with every field given.
    public init(frame: Int, stream: Int, time: Double, from: String, to: String, flags: String, seq: UInt32, ack: UInt32, len: Int, window: UInt32, labels: [String], clientState: String, serverState: String, sender: String = "client", analysis: [String] = [], kernelDrop: String? = nil, transition: TransitionRecord? = nil) {
        self.frame = frame
        self.stream = stream
        self.time = time
        self.from = from
        self.to = to
        self.flags = flags
        self.seq = seq
        self.ack = ack
        self.len = len
        self.window = window
        self.labels = labels
        self.clientState = clientState
        self.serverState = serverState
        self.sender = sender
        self.analysis = analysis
        self.kernelDrop = kernelDrop
        self.transition = transition
    }
}

/// One event of the kernel log, placed on the lab's timeline and named by the lab socket.
public struct KernelLogEntry: Sendable, Encodable {
    /// Seconds since the capture's first frame (negative: before it).
    public var time: Double
    /// The lab's name for the socket ("conn", "server"; "(server queue)" for a connection
    /// not yet accepted; the endpoint when the lab has no name for it).
    public var socket: String
    /// The capture's connection it belongs to, if any (the listener's LISTEN belongs to none).
    public var stream: Int?
    /// What the kernel did.
    public var event: KernelEvent

    /// A value with every field given.
    public init(time: Double, socket: String, stream: Int?, event: KernelEvent) {
        self.time = time
        self.socket = socket
        self.stream = stream
        self.event = event
    }
}

/// How the kernel log's clock was put on the capture's.
///
/// BPF stamps events with CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), libpcap stamps packets
/// with CLOCK_REALTIME; see ``KernelClock`` for how the offset is measured.
public struct KernelClockRecord: Sendable, Encodable {
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME when the log started, in nanoseconds.
    public var offset: Int64
    /// Its uncertainty, in nanoseconds.
    public var uncertainty: Int64
    /// How much the offset moved until the log stopped, in nanoseconds (NTP steps or slewing).
    public var drift: Int64

    /// A value with every field given.
    public init(offset: Int64, uncertainty: Int64, drift: Int64) {
        self.offset = offset
        self.uncertainty = uncertainty
        self.drift = drift
    }
}

/// One state transition and whether the wire and the kernel agree on it.
public struct TransitionCheck: Sendable, Encodable {
    /// Which view saw it first: "wire" (a transition the analysis inferred from the
    /// capture) or "kernel" (a transition in the kernel log).
    public var seenBy: String
    /// The lab's name for the socket.
    public var socket: String
    /// Its local and remote ends, "127.0.0.1:8080 ↔ 127.0.0.1:41234".
    public var ends: String
    /// The state before.
    public var from: String
    /// The state after.
    public var to: String
    /// The frame that moved it, for a wire transition.
    public var frame: Int?
    /// What the other view says: "confirmed by the kernel at 0.012 s", "explained by
    /// listen()", or what it showed instead.
    public var verdict: String
    /// Whether the two views agree (a transition the log cannot see agrees, unconfirmed).
    public var agrees: Bool
    /// Whether the kernel log saw it (for a wire transition) or the wire or a call explains
    /// it (for a kernel transition).
    public var confirmed: Bool
    /// An unconfirmed transition on a connection with a scripted peer. The peer sends
    /// segments the kernel may refuse or ignore (an in-window reset, an old SYN-ACK), which
    /// the wire cannot tell, and some changes the log cannot see (a timewait socket ended
    /// by a reset). Reported with the kernel log's side, not counted as a failure: the
    /// lab's own checks ask the kernel (sock_diag).
    public var withScriptedPeer = false

    enum CodingKeys: String, CodingKey {
        case seenBy = "seen_by", socket, ends, from, to, frame, verdict, agrees, confirmed
        case withScriptedPeer = "with_scripted_peer"
    }

    /// A value with every field given.
    public init(seenBy: String, socket: String, ends: String, from: String, to: String, frame: Int?, verdict: String, agrees: Bool, confirmed: Bool) {
        self.seenBy = seenBy
        self.socket = socket
        self.ends = ends
        self.from = from
        self.to = to
        self.frame = frame
        self.verdict = verdict
        self.agrees = agrees
        self.confirmed = confirmed
    }
}
