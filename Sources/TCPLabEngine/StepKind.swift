import TCPLabKernel
import TCPLabSocket
import TCPLabSystem
import Yams

/// One kind of step a lab file may write: its keyword, how it is written, what it does,
/// how it is read and how it runs.
///
/// ``StepKind/all`` is the lab format's vocabulary. The parser dispatches on it, its
/// "unknown step key" and "unknown call" errors list its keywords, and the tables of
/// Labs/README.md are ``StepKind/markdown`` (a test keeps the page in step). A new kind of
/// step is one more row here: a keyword, its forms for the docs, a parse function and a
/// run function (and, for a new call, a case of ``Call``).
struct StepKind: Sendable {
    /// The word a lab writes: a step's own key (`wait:`), or the first word of a socket
    /// call (`client: connect 127.0.0.1:8080`).
    let keyword: String
    /// How it is written, one row per form, for the docs and for usage errors.
    let forms: [Form]
    /// How it is read and run.
    let grammar: Grammar

    /// One way to write a kind of step, and what it does.
    struct Form: Sendable {
        /// As a lab writes it: `connect ADDRESS:PORT nonblocking`.
        let synopsis: String
        /// What it does, one line (Markdown).
        let meaning: String
    }

    /// Where the keyword is written, how the step is read, and what runs it.
    enum Grammar: Sendable {
        /// A step of its own, keyed by the keyword (`wait: {socket: client, state: CLOSED}`):
        /// `parse` reads the key's value; `run` performs the step and says whether it held
        /// and what it saw.
        case step(
            parse: @Sendable (inout LabFileParser, Node) throws(LabFileError) -> Step.Action,
            run: @Sendable (LabSession, Step) throws -> (passed: Bool, observed: String))
        /// A socket call, keyed by a socket's name (`client: connect ...`): `parse` reads
        /// the words after the keyword; `run` makes the call on the socket. With
        /// `needsOpenSocket`, the step is refused (and `run` not called) while the socket's
        /// name holds no open socket.
        case call(
            parse: @Sendable (LabFileParser, CallWords) throws(LabFileError) -> Call,
            run: @Sendable (LabSession, Call, CallContext) throws -> Observed,
            needsOpenSocket: Bool)
    }

    /// The kind whose keyword is `keyword`.
    static func named(_ keyword: String) -> StepKind? { all.first { $0.keyword == keyword } }

    /// The kinds keyed by their own keyword (wait, check, sysctl, firewall).
    static var steps: [StepKind] { all.filter { if case .step = $0.grammar { true } else { false } } }

    /// The socket calls (socket, bind, connect, ...).
    static var calls: [StepKind] { all.filter { if case .call = $0.grammar { true } else { false } } }

    /// "a, b, c".
    static func list(_ kinds: [StepKind]) -> String { kinds.map(\.keyword).joined(separator: ", ") }
}

/// The words of a socket call after its keyword, with the node they came from.
struct CallWords {
    /// The call's value in the lab file, for errors.
    let node: Node
    /// The words after the keyword; quoted ones may hold spaces.
    let arguments: [(text: String, quoted: Bool)]

    /// Whether the unquoted word `word` is among the arguments.
    func flag(_ word: String) -> Bool { arguments.contains { !$0.quoted && $0.text == word } }
}

/// What a socket call runs with.
struct CallContext {
    /// The lab's name for the socket, and what is known of it.
    let labSocket: LabSocket
    /// The open socket; nil only for a kind that does not need one (`socket`).
    let socket: Socket?
    /// When a call that waits gives up.
    let deadline: ContinuousClock.Instant
    /// The name `as` gives the socket an accept returns.
    let newName: String?
    /// The descriptor that wakes a waiting call when the run is interrupted.
    let interrupt: Int32?
    /// The capture clock before the call: segments it causes are captured after this.
    let started: Int64

    /// The open socket. The session calls a kind that needs one only with one, so the
    /// error is for a row of the table that forgot `needsOpenSocket`.
    func open() throws -> Socket {
        guard let socket else { throw LabSetupError(message: "\(labSocket.name) has no open socket") }
        return socket
    }
}

/// A modifier key beside a step's main key (`expect:`, `within:`, ...).
struct StepModifier: Sendable {
    /// The key.
    let key: String
    /// Whether only a socket call takes it (a wait, a check or a peer's segment refuses it).
    let callsOnly: Bool
    /// What it does, one line (Markdown).
    let meaning: String

    /// Every modifier, in the order the docs list them.
    static let all: [StepModifier] = [
        StepModifier(key: "expect", callsOnly: true,
                     meaning: "the call's outcome (see \"Expected outcomes\"); without it the call must succeed"),
        StepModifier(key: "within", callsOnly: false,
                     meaning: "how long the step may wait (a call, a wait, a peer's `expect`): `2s` (default), `500ms`, `10s`"),
        StepModifier(key: "as", callsOnly: true,
                     meaning: "(accept only) the name of the socket accept returns, which then acts like an actor"),
        StepModifier(key: "note", callsOnly: false,
                     meaning: "text shown beside the step in the report"),
        StepModifier(key: "took", callsOnly: true,
                     meaning: "a bound on how long the call took, when the time is the lesson: `\"30ms..100ms\"`, `\"<= 15ms\"`; the report shows the time measured"),
        StepModifier(key: "predict", callsOnly: false,
                     meaning: "a question for the reader, asked before the step with `tcplab run --predict` (see \"Predict, then observe\")"),
        StepModifier(key: "id", callsOnly: false,
                     meaning: "a name for the step that the lesson's placeholders use: `{took: ID}` (see \"Lessons that quote the run\")"),
    ]

    /// The keys.
    static var keys: Set<String> { Set(all.map(\.key)) }
}

extension StepKind {
    /// Words a lab file reserves: no actor or socket may be named after one.
    static var reservedKeys: Set<String> {
        Set(steps.map(\.keyword)).union(StepModifier.keys).union(["repeat", "steps"])
    }

    /// The Markdown tables Labs/README.md shows: the steps with their own key, the
    /// socket calls, and the modifier keys (a test keeps the page in step with them).
    static var markdown: String {
        func rows(_ kinds: [StepKind]) -> String {
            kinds.flatMap(\.forms).map { "| `\($0.synopsis)` | \($0.meaning) |\n" }.joined()
        }
        var text = "| Step | What it does |\n|---|---|\n" + rows(steps)
        text += "\n| Call | What it does |\n|---|---|\n" + rows(calls)
        text += "\n| Key | Beside | What it does |\n|---|---|---|\n"
        for modifier in StepModifier.all {
            text += "| `\(modifier.key)` | \(modifier.callsOnly ? "a socket call" : "any step") | \(modifier.meaning) |\n"
        }
        return text
    }
}

extension LabFile {
    /// The tables of step kinds, socket calls and modifier keys, in Markdown, as
    /// Labs/README.md shows them: made from ``StepKind/all``.
    public static var stepTables: String { StepKind.markdown }

    /// The keys that are steps of their own (wait, check, ...), then the socket calls'
    /// first words (socket, bind, ...), in the table's order.
    public static var stepKeywords: (steps: [String], calls: [String]) {
        (StepKind.steps.map(\.keyword), StepKind.calls.map(\.keyword))
    }
}
