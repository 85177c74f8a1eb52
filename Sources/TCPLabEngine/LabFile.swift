import TCPLabAnalysis
import TCPLabIsolation
import TCPLabKernel
import TCPLabPacket
import TCPLabPeer
import TCPLabReport
import TCPLabSocket
import TCPLabSystem
import Yams

/// Reads a lab file: YAML with a fixed set of keys, checked strictly so that a typo is an
/// error with its line, before anything runs. Labs/README.md describes the format.
public enum LabFile {
    /// The lab's name: the file name without directories and ".yaml".
    public static func name(ofPath path: String) -> String {
        var name = String(path.split(separator: "/").last ?? Substring(path))
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name
    }

    /// Parses `text`, read from `source`.
    public static func parse(_ text: String, name: String, source: String) throws(LabFileError) -> Lab {
        var parser = LabFileParser(file: source)
        return try parser.lab(from: text, name: name)
    }
}

/// The parser's state: the file name for errors, and the sockets known so far. The kinds of
/// step it reads come from ``StepKind/all``.
struct LabFileParser {
    let file: String
    var actors: [String] = []
    var sockets: Set<String> = []
    /// Names given by an accept expected to fail or block, which returns no socket: the
    /// accept's line, for the error when a later step uses the name.
    var unborn: [String: Int] = [:]
    /// The actors that are scripted peers: their steps are segments, not socket calls.
    var peers: Set<String> = []
    /// The ids given so far, with their lines.
    var ids: [String: Int] = [:]
    /// Values read so far, every use of a YAML alias counted again.
    let budget = Budget()

    /// A count shared by the parser's copies: aliases let a small file name the same list
    /// thousands of times over, each read a full walk, so reads are capped.
    final class Budget {
        var spent = 0
    }

    init(file: String) { self.file = file }

    /// Counts `count` values read at `node`; past ``LabFileLimits/values``, an error.
    func spend(_ count: Int, at node: Node) throws(LabFileError) {
        budget.spent += count
        if budget.spent > LabFileLimits.values {
            throw error(node, "the lab is too large: more than \(LabFileLimits.values) values, each use of a YAML alias (*name) counted again")
        }
    }

    func error(_ node: Node?, _ message: String) -> LabFileError {
        LabFileError(file: file, line: node?.mark?.line ?? 0, message: message)
    }

    mutating func lab(from text: String, name: String) throws(LabFileError) -> Lab {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw LabFileError(file: file, line: 0, message: "the file is empty")
            }
            root = composed
        } catch let error as LabFileError {
            throw error
        } catch let error as YamlError {
            throw LabFileError(file: file, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw LabFileError(file: file, line: 0, message: "not valid YAML: \(error)")
        }
        let top = try mapping(root, allowed: ["title", "summary", "teaches", "setup", "actors", "steps", "capture", "reaches", "requires", "lesson"], what: "a lab")
        for required in ["title", "summary", "teaches", "actors", "steps", "lesson"] where top[required] == nil {
            throw error(root, "missing '\(required)' (a lab needs title, summary, teaches, actors, steps and lesson)")
        }
        var sysctls: [Lab.Setting] = []
        var firewall: String?
        var shaping: Lab.Shaping?
        var loopback: Lab.Loopback?
        if let setup = top["setup"] {
            let fields = try mapping(setup.value, allowed: ["sysctls", "firewall", "shaping", "loopback"], what: "setup")
            if let node = fields["sysctls"] { sysctls = try settings(node.value) }
            if let node = fields["firewall"] { firewall = try string(node.value, "setup.firewall") }
            if let node = fields["shaping"] { shaping = try self.shaping(node.value) }
            if let node = fields["loopback"] {
                loopback = try self.loopback(node.value)
                if shaping != nil, loopback?.mtu != nil { throw error(node.value, "shaping sets lo's MTU already: give mtu in one of them") }
            }
        }
        let actorFields = try mapping(top["actors"]!.value, allowed: nil, what: "actors")
        var actors: [Lab.Actor] = []
        for (key, entry) in actorFields.ordered {
            guard Self.isName(key) else {
                throw error(entry.key, "actor name '\(key)' must be letters, digits and '-' (server, client2)")
            }
            guard !Self.reservedKeys.contains(key) else {
                throw error(entry.key, "'\(key)' cannot name an actor: it is a step keyword")
            }
            actors.append(try actor(key, entry.value))
        }
        self.actors = actors.map(\.name)
        peers = Set(actors.filter { $0.peer != nil }.map(\.name))
        // Segments go to the peer they are addressed to, so no two peers share an end.
        var peerEnds: [Endpoint: String] = [:]
        for actor in actors {
            guard let end = actor.peer?.address else { continue }
            if let other = peerEnds[end] {
                throw error(actorFields[actor.name]?.key, "peers '\(other)' and '\(actor.name)' both have \(end): give each its own port")
            }
            peerEnds[end] = actor.name
        }
        sockets = Set(self.actors).subtracting(peers)
        guard case .sequence(let stepNodes) = top["steps"]!.value else {
            throw error(top["steps"]!.value, "'steps' must be a list")
        }
        var steps: [Step] = []
        for node in stepNodes {
            steps += try self.steps(node)
            if steps.count > LabFileLimits.steps {
                throw error(node, "a lab has at most \(LabFileLimits.steps) steps, each round of a repeat counted; this one has more by here")
            }
        }
        try LabFile.checkPeerPorts(actors: actors, steps: steps, file: file)
        var capture: [CaptureExpectation] = []
        if let node = top["capture"] {
            guard case .sequence(let items) = node.value else { throw error(node.value, "'capture' must be a list") }
            for item in items { capture.append(try captureExpectation(item)) }
        }
        var lab = Lab(
            name: name, source: file,
            title: try string(top["title"]!.value, "title"),
            summary: try string(top["summary"]!.value, "summary"),
            teaches: try string(top["teaches"]!.value, "teaches"),
            sysctls: sysctls, firewall: firewall, shaping: shaping, actors: actors, steps: steps, capture: capture,
            lesson: try string(top["lesson"]!.value, "lesson"))
        lab.lessonPlaceholders = try lessonPlaceholders(lab.lesson, top["lesson"]!.value, source: text, steps: steps, capture: capture)
        if let node = top["reaches"] { lab.reaches = try LabFile.reaches(node.value, file: file) }
        if let node = top["requires"] { lab.requires = try LabFile.requirements(node.value, file: file) }
        lab.loopback = loopback
        return lab
    }

    // MARK: Steps

    static var reservedKeys: Set<String> { StepKind.reservedKeys }

    /// An actor: a description, or a mapping with `description` and `lacks`.
    func actor(_ name: String, _ node: Node) throws(LabFileError) -> Lab.Actor {
        if case .scalar = node { return Lab.Actor(name: name, description: try string(node, "actors.\(name)")) }
        let fields = try mapping(node, allowed: ["description", "lacks", "peer", "to", "isn"], what: "actor '\(name)'")
        guard let description = fields["description"] else { throw error(node, "actor '\(name)' needs a 'description'") }
        var actor = Lab.Actor(name: name, description: try string(description.value, "description"))
        actor.peer = try peerEnd(name, node, fields)
        if let lacks = fields["lacks"] {
            var names: [Node] = [lacks.value]
            if case .sequence(let items) = lacks.value { names = Array(items) }
            for item in names {
                let text = try string(item, "lacks")
                guard let capability = Capability(name: text) else {
                    throw error(item, "'lacks' takes capability names: \(Capability.known.map(\.name).joined(separator: ", ")); not '\(text)'")
                }
                actor.lacks.append(capability)
            }
        }
        return actor
    }

    /// A scripted peer's end: `peer: 192.0.2.1:40000`, optionally `to: 192.0.2.2:8080` and
    /// `isn: 1000`; nil for an actor without `peer`.
    func peerEnd(_ name: String, _ node: Node, _ fields: Fields) throws(LabFileError) -> Lab.PeerEnd? {
        guard let address = fields["peer"] else {
            for key in ["to", "isn"] where fields[key] != nil {
                throw error(fields[key]!.key, "'\(key)' belongs to a scripted peer: give actor '\(name)' a 'peer: ADDRESS:PORT' too")
            }
            return nil
        }
        if fields["lacks"] != nil { throw error(fields["lacks"]!.key, "a scripted peer makes no socket calls, so it lacks nothing") }
        let text = try string(address.value, "peer")
        let local = try endpoint(text, address.value)
        let allowed = ScriptedPeer.peerAddresses
        guard allowed.contains(local.address), local.port != 0 else {
            throw error(address.value, "a peer's address is \(allowed.map { Endpoint(address: $0, port: 40000).description }.joined(separator: " or ")) with a port of its choosing (not 0): the TUN device routes only these to tcplab; not '\(text)'")
        }
        var end = Lab.PeerEnd(address: local)
        if let to = fields["to"] {
            let remote = try endpoint(try string(to.value, "to"), to.value)
            let kernel = ScriptedPeer.kernelAddresses.compactMap { IPAddress(String($0.prefix { $0 != "/" })) }
            guard kernel.contains(remote.address), remote.address.isIPv6 == local.address.isIPv6 else {
                throw error(to.value, "a peer talks to the kernel's end of the TUN device, \(local.address.isIPv6 ? "[2001:db8::2]:PORT" : "192.0.2.2:PORT"); not '\(remote)'")
            }
            end.to = remote
        }
        if let isn = fields["isn"] {
            guard let value = UInt32(try string(isn.value, "isn")) else {
                throw error(isn.value, "'isn' is the peer's initial sequence number, 0 to 4294967295")
            }
            end.initialSequence = value
        }
        return end
    }

    /// A step, or the steps of a `repeat`, written out once per round.
    mutating func steps(_ node: Node) throws(LabFileError) -> [Step] {
        guard node["repeat"] != nil else { return [try step(node)] }
        let fields = try mapping(node, allowed: ["repeat", "steps"], what: "a repeat step")
        let count = fields["repeat"]!
        guard let rounds = Int(try string(count.value, "repeat")), (1...100).contains(rounds) else {
            throw error(count.value, "'repeat' takes a number of rounds from 1 to 100")
        }
        guard let body = fields["steps"], case .sequence(let items) = body.value, !items.isEmpty else {
            throw error(node, "'repeat' needs 'steps': the list of steps to repeat")
        }
        var once: [Step] = []
        for item in items { once.append(try step(item)) }
        guard rounds * once.count <= LabFileLimits.steps else {
            throw error(count.value, "\(rounds) rounds of \(once.count) steps are more than the \(LabFileLimits.steps) steps a lab may have")
        }
        var steps: [Step] = []
        for round in 1...rounds {
            for var step in once {
                step.round = Step.Round(number: round, count: rounds)
                steps.append(step)
            }
        }
        return steps
    }

    mutating func step(_ node: Node) throws(LabFileError) -> Step {
        var step = try stepWithoutPrediction(node)
        let fields = try mapping(node, allowed: nil, what: "a step")
        if let entry = fields["predict"] { step.predict = try prediction(entry.value) }
        if let entry = fields["id"] { step.id = try id(entry.value, line: step.line) }
        return step
    }

    /// An `id` for a step or capture expectation: a name the lesson's placeholders use,
    /// given once in the file.
    mutating func id(_ node: Node, line: Int) throws(LabFileError) -> String {
        let text = try string(node, "id")
        guard Self.isName(text) else { throw error(node, "an id is letters, digits and '-' (first-retry), not '\(text)'") }
        if let first = ids[text] { throw error(node, "the id '\(text)' is given already, on line \(first)") }
        ids[text] = line
        return text
    }

    /// The lesson's placeholders, each checked against the step or capture expectation it
    /// names: an error has the placeholder's own line in `source`, the file's text.
    func lessonPlaceholders(_ lesson: String, _ node: Node, source: String, steps: [Step], capture: [CaptureExpectation]) throws(LabFileError) -> [LessonPlaceholder] {
        // A block scalar (`lesson: |`) starts on the line after its key.
        var first = node.mark?.line ?? 0
        var literal = false
        if case .scalar(let scalar) = node {
            if scalar.style == .literal || scalar.style == .folded { first += 1 }
            literal = scalar.style == .literal
        }
        let placeholders: [LessonPlaceholder]
        switch LessonPlaceholder.scan(lesson) {
        case .success(let found): placeholders = found
        case .failure(let problem): throw LabFileError(file: file, line: literal ? first + problem.line : first, message: problem.message)
        }
        let lines = literal
            ? placeholders.map { first + $0.lineInLesson }
            : Self.sourceLines(of: placeholders, in: source, from: first)
        var placed: [LessonPlaceholder] = []
        for (placeholder, line) in zip(placeholders, lines) {
            var placeholder = placeholder
            placeholder.line = line
            placed.append(placeholder)
            func fail(_ message: String) -> LabFileError {
                LabFileError(file: file, line: line, message: "\(placeholder.text): \(message)")
            }
            let name = placeholder.name
            switch placeholder.measure.reference {
            case .counter:
                let parts = name.split(separator: ".")
                guard parts.count == 2, Self.counterGroups.contains(String(parts[0])) else {
                    throw fail("a counter is named Group.Name, as nstat names it (TcpExt.ListenOverflows)")
                }
            case .step(let callsOnly):
                guard let step = steps.first(where: { $0.id == name }) else {
                    throw fail("no step has 'id: \(name)'\(Self.known(steps.compactMap(\.id)))")
                }
                if placeholder.measure == .expires {
                    switch step.action {
                    case .check(.socket), .wait(.socket): break
                    default: throw fail("only a check or wait on a socket sees its timer; the step on line \(step.line) is not one")
                    }
                }
                guard callsOnly else { continue }
                guard case .call(_, let call, _, _) = step.action else {
                    throw fail("the step on line \(step.line) is not a socket call, so it took no time of its own and moved no bytes")
                }
                if placeholder.measure == .bytes {
                    switch call {
                    case .send, .recv: break
                    default: throw fail("only a send or recv moves bytes; the step on line \(step.line) is '\(call)'")
                    }
                }
            case .capture(let kind, let matches):
                guard let expectation = capture.first(where: { $0.id == name }) else {
                    throw fail("no capture expectation has 'id: \(name)'\(Self.known(capture.compactMap(\.id)))")
                }
                guard matches(expectation.kind) else {
                    throw fail("{\(placeholder.measure.rawValue): ...} quotes a \(kind) expectation; the one on line \(expectation.line) is not one")
                }
            }
        }
        return placed
    }

    /// The file lines of placeholders in a lesson that is not a literal block: a folded
    /// (`>`), plain or quoted scalar joins its lines, so a placeholder's line in the lesson
    /// is not its line in the file. Each is looked for in the file's text, in order, from
    /// the lesson's first line `first` (counted from 1); one not found as written (a fold
    /// inside its braces) gets `first`, and so do the ones after it: the search stops
    /// there, so a hostile file costs one pass over its text.
    static func sourceLines(of placeholders: [LessonPlaceholder], in source: String, from first: Int) -> [Int] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var line = max(first - 1, 0)
        var column = lines.indices.contains(line) ? lines[line].startIndex : source.endIndex
        var lost = false
        return placeholders.map { placeholder in
            if lost { return first }
            var searched = line
            var start = column
            while searched < lines.count {
                let text = lines[searched]
                var index = start
                while index < text.endIndex {
                    if text[index...].hasPrefix(placeholder.text) {
                        line = searched
                        column = text.index(index, offsetBy: placeholder.text.count)
                        return searched + 1
                    }
                    index = text.index(after: index)
                }
                searched += 1
                if searched < lines.count { start = lines[searched].startIndex }
            }
            lost = true
            return first
        }
    }

    /// "; ids: a, b", or nothing when there are none.
    static func known(_ ids: [String]) -> String {
        ids.isEmpty ? " (no id is given in this lab)" : "; ids: " + ids.joined(separator: ", ")
    }

    /// The groups of counters nstat names.
    static let counterGroups: Set<String> = ["TcpExt", "Tcp", "IpExt", "Ip", "Icmp", "MPTcpExt", "Udp"]

    /// `predict: {question: …, choices: [...], answer: …, why: …}`.
    func prediction(_ node: Node) throws(LabFileError) -> Step.Prediction {
        let fields = try mapping(node, allowed: ["question", "choices", "answer", "why"], what: "predict")
        guard let question = fields["question"] else { throw error(node, "predict needs a question") }
        guard let choicesEntry = fields["choices"], case .sequence(let items) = choicesEntry.value else {
            throw error(node, "predict needs choices: a list of 2 to 8 answers")
        }
        guard (2...8).contains(items.count) else { throw error(choicesEntry.value, "predict takes 2 to 8 choices, not \(items.count)") }
        var choices: [String] = []
        for item in items {
            let choice = try string(item, "a choice")
            if choices.contains(choice) { throw error(item, "the choice '\(choice)' appears twice") }
            choices.append(choice)
        }
        guard let answerEntry = fields["answer"] else { throw error(node, "predict needs the answer, one of its choices") }
        let answer = try string(answerEntry.value, "answer")
        guard let index = choices.firstIndex(of: answer) else {
            throw error(answerEntry.value, "the answer '\(answer)' is not one of the choices (\(choices.joined(separator: ", ")))")
        }
        let why = try fields["why"].map { entry throws(LabFileError) in try string(entry.value, "why") }
        return Step.Prediction(question: try string(question.value, "question"), choices: choices, answer: index, why: why)
    }

    mutating func stepWithoutPrediction(_ node: Node) throws(LabFileError) -> Step {
        let fields = try mapping(node, allowed: nil, what: "a step")
        // steps(_:) takes a repeat before it gets here, so this one is inside another.
        if fields["repeat"] != nil { throw error(node, "a repeat cannot hold another repeat") }
        let modifiers = StepModifier.keys
        let main = fields.ordered.filter { !modifiers.contains($0.0) }
        guard main.count == 1, let (key, entry) = main.first else {
            let names = main.map(\.0)
            throw error(node, names.isEmpty
                ? "a step needs one of: an actor or socket name (\(sockets.sorted().joined(separator: ", "))), \(StepKind.list(StepKind.steps))"
                : "a step does one thing; this one has \(names.joined(separator: " and "))")
        }
        var within = Duration.seconds(2)
        if let node = fields["within"] { within = try duration(node.value) }
        let note = try fields["note"].map { entry throws(LabFileError) in try string(entry.value, "note") }
        let line = entry.key.mark?.line ?? node.mark?.line ?? 0
        /// Refuses the modifiers only a socket call takes.
        func refuseCallModifiers() throws(LabFileError) {
            for modifier in StepModifier.all where modifier.callsOnly {
                if let extra = fields[modifier.key] { throw error(extra.key, "'\(modifier.key)' belongs to a socket call, not to '\(key)'") }
            }
        }
        if let kind = StepKind.named(key), case .step(let parse, _) = kind.grammar {
            try refuseCallModifiers()
            return Step(line: line, action: try parse(&self, entry.value), within: within, note: note, kind: kind)
        }
        if peers.contains(key) {
            try refuseCallModifiers()
            let text = try string(entry.value, "a peer step")
            let peerStep: PeerStep
            do throws(PeerSyntaxError) {
                peerStep = try PeerStep(parsing: text)
            } catch let problem {
                throw error(entry.value, "\(problem)")
            }
            return Step(line: line, action: .peer(key, peerStep), within: within, note: note)
        }
        guard sockets.contains(key) else {
            if let line = unborn[key] { throw error(entry.key, unbornMessage(key, line)) }
            throw error(entry.key, "unknown step key '\(key)': not an actor (\(actors.joined(separator: ", "))), not a socket named by an earlier 'as', and not one of \(StepKind.list(StepKind.steps)), \(StepModifier.all.map(\.key).joined(separator: ", "))")
        }
        let call = try self.call(entry.value)
        var took: Comparison?
        if let node = fields["took"] { took = try durationComparison(node.value, "took") }
        var expect: Outcome?
        if let node = fields["expect"] { expect = try outcome(node.value, for: call) }
        var name: String?
        // An accept expected to fail or block returns no socket: its name stays unusable.
        var returnsSocket = false
        if case .accept = call {
            switch expect {
            case nil, .success?: returnsSocket = true
            default: returnsSocket = false
            }
        }
        if let node = fields["as"] {
            guard case .accept = call else { throw error(node.key, "'as' names the socket accept returns; '\(call)' returns none") }
            let text = try string(node.value, "as")
            guard Self.isName(text), !Self.reservedKeys.contains(text) else {
                throw error(node.value, "'\(text)' cannot name a socket: use letters, digits and '-'")
            }
            guard !sockets.contains(text) else { throw error(node.value, "a socket named '\(text)' exists already") }
            if returnsSocket {
                sockets.insert(text)
                unborn[text] = nil
            } else {
                unborn[text] = unborn[text] ?? line
            }
            name = text
        } else if returnsSocket {
            throw error(entry.value, "accept needs 'as: NAME' to name the socket it returns")
        }
        return Step(line: line, action: .call(socket: key, call, expect: expect, as: name), within: within, note: note, took: took)
    }

    func call(_ node: Node) throws(LabFileError) -> Call {
        let words = try tokens(try string(node, "a call"), node)
        guard let verb = words.first?.text else { throw error(node, "empty call") }
        guard let kind = StepKind.named(verb), case .call(let parse, _, _) = kind.grammar else {
            throw error(node, "unknown call '\(verb)'; calls are \(StepKind.list(StepKind.calls))")
        }
        return try parse(self, CallWords(node: node, arguments: Array(words.dropFirst())))
    }

    /// Refuses a call with a number of words outside `range`, showing `usage`.
    func usage(_ words: CallWords, _ range: ClosedRange<Int>, _ usage: String) throws(LabFileError) {
        guard range.contains(words.arguments.count) else { throw error(words.node, "usage: \(usage)") }
    }

    /// `send "TEXT"`, `send N bytes` or `send framed "TEXT"`, then `nonblocking` and
    /// `without MSG_NOSIGNAL`, each optional.
    func sendCall(_ words: CallWords) throws(LabFileError) -> Call {
        let node = words.node
        let usage = "send \"TEXT\" | send N bytes | send framed \"TEXT\", then optionally nonblocking"
        guard let first = words.arguments.first else { throw error(node, "usage: \(usage)") }
        var rest = Array(words.arguments.dropFirst())
        let payload: Call.Payload
        if first.text == "framed" && !first.quoted {
            guard let text = rest.first, text.quoted else { throw error(node, "usage: send framed \"TEXT\" [nonblocking]") }
            rest.removeFirst()
            payload = .framed(text.text)
        } else if first.quoted {
            payload = .text(first.text)
        } else if !first.quoted, let count = try byteCount(first.text, node) {
            if rest.first?.text == "bytes" { rest.removeFirst() }
            payload = .bytes(count)
        } else {
            throw error(node, "send takes quoted text or a byte count (\"hello\", 65536 bytes, 64KiB)")
        }
        let blocking = !(rest.first?.text == "nonblocking")
        if !blocking { rest.removeFirst() }
        let signal = rest.map(\.text) == ["without", "MSG_NOSIGNAL"]
        if signal { rest.removeAll() }
        guard rest.isEmpty else { throw error(node, "usage: \(usage) and without MSG_NOSIGNAL") }
        return .send(payload, blocking: blocking, signal: signal)
    }

    func outcome(_ node: Node, for call: Call) throws(LabFileError) -> Outcome {
        guard case .scalar(let scalar) = node else { throw error(node, "'expect' takes one value: ok, blocks, an errno name, \"text\", or a byte count") }
        let text = scalar.string
        if case .poll = call {
            let names = text == "none" ? [] : text.split(separator: " ").map(String.init)
            for name in names where !PollEvents.names.contains(name) {
                throw error(node, "'\(name)' is not a poll event; poll reports \(PollEvents.names.joined(separator: ", ")), or none")
            }
            return .events(PollEvents.sorted(names))
        }
        let quoted = scalar.style == .doubleQuoted || scalar.style == .singleQuoted
        var number = text
        if number.hasSuffix(" bytes") { number.removeLast(6) }
        // A bound like ">= 1" must be quoted in YAML. Send returns a count, never text, so a
        // quoted bound is a count there; for recv only with " bytes" after it.
        if quoted, let comparison = Comparison(parsing: number) {
            if case .send = call { return .count(comparison) }
            if case .recv = call, text.hasSuffix(" bytes") { return .count(comparison) }
        }
        if quoted { return .text(text) }
        if text == "ok" { return .success }
        if text.hasPrefix("everything ") && text.hasSuffix(" sent") {
            guard case .recv(let amount) = call, case .untilEnd = amount else {
                throw error(node, "'everything NAME sent' is expected only of 'recv all', which reads to the end of the stream")
            }
            let name = String(text.dropFirst("everything ".count).dropLast(" sent".count))
            if !sockets.contains(name), let line = unborn[name] { throw error(node, unbornMessage(name, line)) }
            guard sockets.contains(name) else { throw error(node, "no socket named '\(name)' to compare with") }
            return .everythingSent(by: name)
        }
        if text == "blocks" {
            switch call {
            case .connect(_, blocking: true), .accept, .send(_, blocking: true, _), .recv(.once), .recv(.exactly), .recv(.untilEnd):
                return .blocks
            default:
                throw error(node, "'blocks' is expected only of a call that waits (connect, accept, send, recv); '\(call)' returns at once")
            }
        }
        if text.hasPrefix("E") && text.hasSuffix(" and SIGPIPE") {
            guard case .send(_, _, signal: true) = call else {
                throw error(node, "only a send without MSG_NOSIGNAL can raise SIGPIPE: write 'send ... without MSG_NOSIGNAL'")
            }
            let name = String(text.dropLast(" and SIGPIPE".count))
            guard let errno = Errno(name: name) else { throw error(node, "'\(name)' is not an errno name (EPIPE, ...)") }
            return .failureRaising(errno, "SIGPIPE")
        }
        if text.hasPrefix("E") && text.allSatisfy({ $0.isUppercase || $0.isNumber }) {
            guard let errno = Errno(name: text) else { throw error(node, "'\(text)' is not an errno name (EADDRINUSE, ECONNRESET, EPIPE, ...)") }
            return .failure(errno)
        }
        if let comparison = Comparison(parsing: number) {
            switch call {
            case .send, .recv: return .count(comparison)
            default: throw error(node, "a byte count is expected only of send and recv; '\(call)' succeeds (ok) or fails with an errno")
            }
        }
        throw error(node, "'expect' takes ok, blocks, an errno name, \"text\" in quotes, or a byte count; not '\(text)'")
    }

    // MARK: Waits and checks

    func condition(_ node: Node) throws(LabFileError) -> WaitCondition {
        let fields = try mapping(node, allowed: Set(["socket", "state", "recv-q", "send-q", "timer", "expires", "segment", "count", "counter", "grows"]).union(Self.infoKeys), what: "wait")
        if let socket = fields["socket"] {
            let facts = try socketFacts(fields)
            guard facts.state != nil || facts.receiveQueue != nil || facts.sendQueue != nil || facts.timer != nil || facts.expiresSeconds != nil || facts.asksInfo else {
                throw error(node, "wait on a socket needs state, recv-q, send-q, timer or expires")
            }
            return .socket(try socketName(socket.value), facts)
        }
        if let segment = fields["segment"] {
            let count = try fields["count"].map { entry throws(LabFileError) in try comparison(entry.value) } ?? Comparison(minimum: 1, maximum: .infinity)
            return .segment(try pattern(segment.value), count)
        }
        if let counter = fields["counter"] {
            guard let grows = fields["grows"] else { throw error(node, "wait on a counter needs 'grows' (e.g. \">= 1\")") }
            return .counter(try counterName(counter.value), try comparison(grows.value))
        }
        throw error(node, "wait needs socket and state, segment, or counter and grows")
    }

    func check(_ node: Node) throws(LabFileError) -> Check {
        let fields = try mapping(node, allowed: Set(["socket", "state", "recv-q", "send-q", "timer", "expires", "sockets-in", "count", "counter", "grows", "sysctl", "value"]).union(Self.infoKeys), what: "check")
        if let socket = fields["socket"] {
            return .socket(try socketName(socket.value), try socketFacts(fields))
        }
        if let state = fields["sockets-in"] {
            guard let count = fields["count"] else { throw error(node, "check sockets-in needs 'count'") }
            return .statesCount(try tcpState(state.value), try comparison(count.value))
        }
        if let counter = fields["counter"] {
            guard let grows = fields["grows"] else { throw error(node, "check on a counter needs 'grows'") }
            return .counter(try counterName(counter.value), try comparison(grows.value))
        }
        if let sysctl = fields["sysctl"] {
            let name = try string(sysctl.value, "sysctl")
            guard name.hasPrefix("net."), Sysctl.isWellFormed(name) else {
                throw error(sysctl.value, "'\(name)' is not a network sysctl (net.ipv4..., net.core...); labs read only their namespace's")
            }
            guard let value = fields["value"] else { throw error(node, "check on a sysctl needs 'value'") }
            return .sysctl(name, try string(value.value, "value"))
        }
        throw error(node, "check needs socket (with state, recv-q, send-q, timer, expires), sockets-in and count, counter and grows, or sysctl and value")
    }

    /// The facts a check or wait on a socket names.
    func socketFacts(_ fields: Fields) throws(LabFileError) -> SocketFacts {
        var facts = SocketFacts()
        if let node = fields["state"] { facts.state = try tcpState(node.value) }
        if let node = fields["recv-q"] { facts.receiveQueue = try comparison(node.value) }
        if let node = fields["send-q"] { facts.sendQueue = try comparison(node.value) }
        if let node = fields["timer"] {
            let text = try string(node.value, "timer")
            guard KernelTimerNames.all.contains(text) else { throw error(node.value, "timer is one of \(KernelTimerNames.all.joined(separator: ", "))") }
            facts.timer = text
        }
        if let node = fields["expires"] {
            var text = try string(node.value, "expires")
            if text.hasSuffix("s") { text.removeLast() }
            guard let comparison = Comparison(parsing: text) else {
                throw error(node.value, "expires takes seconds from 0 to \(LabFileLimits.numberText): \"55..60\" or \">= 50\"")
            }
            facts.expiresSeconds = comparison
        }
        if let node = fields["negotiated"] { facts.negotiated = try negotiatedOptions(node.value) }
        if let node = fields["snd-wscale"] { facts.sendWindowScale = try comparison(node.value) }
        if let node = fields["rcv-wscale"] { facts.receiveWindowScale = try comparison(node.value) }
        if let node = fields["mss"] { facts.sendMSS = try comparison(node.value) }
        return facts
    }

    /// The keys of a socket's tcp_info facts (`ss -i`): the handshake's outcome.
    static let infoKeys = ["negotiated", "snd-wscale", "rcv-wscale", "mss"]

    /// `negotiated: [wscale, sack-permitted, timestamps]` (or one name, or `none`): exactly
    /// the options the connection uses.
    func negotiatedOptions(_ node: Node) throws(LabFileError) -> TCPInfo.Options {
        var items: [Node] = [node]
        if case .sequence(let sequence) = node { items = Array(sequence) }
        var options: TCPInfo.Options = []
        for item in items {
            let text = try string(item, "an option")
            if text == "none", items.count == 1 { break }
            guard let option = TCPInfo.Options.names.first(where: { $0.1 == text })?.0 else {
                throw error(item, "'negotiated' lists options from \(TCPInfo.Options.names.map(\.1).joined(separator: ", ")), or none; not '\(text)'")
            }
            options.insert(option)
        }
        return options
    }

    mutating func captureExpectation(_ node: Node) throws(LabFileError) -> CaptureExpectation {
        let line = node.mark?.line ?? 0
        if case .mapping = node {
            let fields = try mapping(node, allowed: ["segment", "count", "order", "gap", "gaps", "id"], what: "a capture expectation")
            var expectation = try captureKind(node, fields, line: line)
            if let entry = fields["id"] { expectation.id = try id(entry.value, line: line) }
            return expectation
        }
        throw error(node, "a capture expectation is {segment: ..., count: N}, {order: [...]}, {gap: {from: ..., to: ..., seconds: ...}} or {gaps: {segment: ..., ratio: ...}}")
    }

    func captureKind(_ node: Node, _ fields: Fields, line: Int) throws(LabFileError) -> CaptureExpectation {
        if fields["gap"] != nil || fields["gaps"] != nil, fields.ordered.filter({ $0.0 != "id" }).count > 1 {
            throw error(node, "'gap' and 'gaps' stand alone: {gap: {from: ..., to: ..., seconds: ...}} or {gaps: {segment: ..., ratio: ...}}")
        }
        if let gap = fields["gap"] {
            let gapFields = try mapping(gap.value, allowed: ["from", "to", "seconds"], what: "gap")
            guard let from = gapFields["from"], let to = gapFields["to"], let seconds = gapFields["seconds"] else {
                throw error(gap.value, "'gap' needs from, to (segments) and seconds (\"0.9..1.2\")")
            }
            return CaptureExpectation(line: line, kind: .gap(from: try pattern(from.value), to: try pattern(to.value), seconds: try comparison(seconds.value)))
        }
        if let gaps = fields["gaps"] {
            let gapsFields = try mapping(gaps.value, allowed: ["segment", "ratio"], what: "gaps")
            guard let segment = gapsFields["segment"], let ratio = gapsFields["ratio"] else {
                throw error(gaps.value, "'gaps' needs segment and ratio (\"1.6..2.4\": each gap about twice the one before)")
            }
            return CaptureExpectation(line: line, kind: .gaps(try pattern(segment.value), ratio: try comparison(ratio.value)))
        }
        if let order = fields["order"] {
            guard case .sequence(let items) = order.value, items.count >= 2 else {
                throw error(order.value, "'order' takes a list of two or more segments")
            }
            var patterns: [SegmentPattern] = []
            for item in items { patterns.append(try pattern(item)) }
            return CaptureExpectation(line: line, kind: .order(patterns))
        }
        if let segment = fields["segment"] {
            guard let count = fields["count"] else { throw error(node, "a segment expectation needs 'count'") }
            return CaptureExpectation(line: line, kind: .count(try pattern(segment.value), try comparison(count.value)))
        }
        throw error(node, "a capture expectation is {segment: ..., count: N}, {order: [...]}, {gap: {from: ..., to: ..., seconds: ...}} or {gaps: {segment: ..., ratio: ...}}")
    }

    func pattern(_ node: Node) throws(LabFileError) -> SegmentPattern {
        let fields = try mapping(node, allowed: ["from", "to", "flags", "without", "label", "window", "len", "seq", "ack", "options", "without-options", "mss", "wscale", "payload"], what: "a segment")
        var pattern = SegmentPattern()
        if let node = fields["from"] { pattern.from = try actorName(node.value) }
        if let node = fields["to"] { pattern.to = try actorName(node.value) }
        if let node = fields["flags"] {
            let text = try string(node.value, "flags")
            guard let flags = TCPFlags(letters: text) else { throw error(node.value, "flags are letters from SAFRPUEC (S SYN, A ACK, F FIN, R RST, P PSH), not '\(text)'") }
            pattern.flags = flags
        }
        if let node = fields["without"] {
            let text = try string(node.value, "without")
            guard let flags = TCPFlags(letters: text) else { throw error(node.value, "'without' takes flag letters from SAFRPUEC, not '\(text)'") }
            pattern.withoutFlags = flags
        }
        if let node = fields["label"] {
            let text = try string(node.value, "label")
            guard let label = SegmentLabel.allCases.first(where: { $0.description == text }) else {
                throw error(node.value, "unknown label '\(text)'; labels: \(SegmentLabel.allCases.map(\.description).joined(separator: ", "))")
            }
            pattern.label = label
        }
        if let node = fields["window"] { pattern.window = try comparison(node.value) }
        if let node = fields["len"] { pattern.length = try comparison(node.value) }
        if let node = fields["seq"] { pattern.sequence = try comparison(node.value) }
        if let node = fields["ack"] { pattern.acknowledgment = try comparison(node.value) }
        if let node = fields["options"] { pattern.options = try segmentOptions(node.value) }
        if let node = fields["without-options"] { pattern.withoutOptions = try segmentOptions(node.value) }
        if let node = fields["mss"] { pattern.maximumSegmentSize = try comparison(node.value) }
        if let node = fields["wscale"] { pattern.windowScale = try comparison(node.value) }
        if let node = fields["payload"] {
            let text = try string(node.value, "payload")
            guard !text.isEmpty else { throw error(node.value, "'payload' takes the text the segment's payload starts with, not an empty string") }
            pattern.payload = Array(text.utf8)
        }
        return pattern
    }

    /// `options: [mss, wscale, sack-permitted, timestamps, sack]` (or one name): all present;
    /// the same list after `without-options`: all absent.
    func segmentOptions(_ node: Node) throws(LabFileError) -> [SegmentOption] {
        var items: [Node] = [node]
        if case .sequence(let sequence) = node { items = Array(sequence) }
        var options: [SegmentOption] = []
        for item in items {
            let text = try string(item, "an option")
            guard let option = SegmentOption(rawValue: text) else {
                throw error(item, "unknown option '\(text)'; options: \(SegmentOption.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.append(option)
        }
        return options
    }

    // MARK: Values

    func settings(_ node: Node) throws(LabFileError) -> [Lab.Setting] {
        let fields = try mapping(node, allowed: nil, what: "sysctls")
        var settings: [Lab.Setting] = []
        for (name, entry) in fields.ordered {
            guard name.hasPrefix("net."), Sysctl.isWellFormed(name) else {
                throw error(entry.key, "'\(name)' is not a network sysctl (net.ipv4..., net.core...); labs set only their namespace's")
            }
            settings.append(Lab.Setting(name: name, value: try string(entry.value, name), line: entry.key.mark?.line ?? 0))
        }
        return settings
    }

    func socketName(_ node: Node) throws(LabFileError) -> String {
        let name = try string(node, "socket")
        if !sockets.contains(name), let line = unborn[name] { throw error(node, unbornMessage(name, line)) }
        guard sockets.contains(name) else {
            throw error(node, "no socket named '\(name)' (actors: \(actors.joined(separator: ", ")); accepted sockets are named with 'as' first)")
        }
        return name
    }

    /// Why `name` is no socket: the accept that names it is expected to return none.
    func unbornMessage(_ name: String, _ line: Int) -> String {
        "no socket named '\(name)': the accept on line \(line) that names it is expected to fail or block, so it returns no socket"
    }

    func actorName(_ node: Node) throws(LabFileError) -> String {
        let name = try string(node, "actor")
        guard actors.contains(name) else { throw error(node, "no actor named '\(name)' (actors: \(actors.joined(separator: ", ")))") }
        return name
    }

    func counterName(_ node: Node) throws(LabFileError) -> String {
        let name = try string(node, "counter")
        let parts = name.split(separator: ".")
        guard parts.count == 2, Self.counterGroups.contains(String(parts[0])) else {
            throw error(node, "a counter is named Group.Name, as nstat names it (TcpExt.ListenOverflows, Tcp.AttemptFails), not '\(name)'")
        }
        return name
    }

    func tcpState(_ node: Node) throws(LabFileError) -> TCPState {
        let text = try string(node, "state")
        guard let state = TCPState(rawValue: text) else {
            throw error(node, "unknown state '\(text)'; states: \(TCPState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return state
    }

    func comparison(_ node: Node) throws(LabFileError) -> Comparison {
        let text = try string(node, "a number")
        guard let comparison = Comparison(parsing: text) else {
            throw error(node, "'\(text)' is not a number or bound (3, \">= 1\", \"<= 2\", \"1..3\") with numbers from 0 to \(LabFileLimits.numberText)")
        }
        return comparison
    }

    /// A bound on a duration in seconds, each number with its unit: "<= 10ms", "30ms..80ms".
    func durationComparison(_ node: Node, _ what: String) throws(LabFileError) -> Comparison {
        let text = try string(node, what)
        let seconds = { (number: String) -> Double? in
            if number.hasSuffix("ms") { return Double(number.dropLast(2).trimmingSpaces).map { $0 / 1000 } }
            if number.hasSuffix("s") { return Double(number.dropLast().trimmingSpaces) }
            return nil
        }
        guard let comparison = Comparison(parsing: text, value: seconds) else {
            throw error(node, "'\(what)' takes a time or a bound with units: \"<= 10ms\", \"30ms..80ms\", \">= 1s\"; not '\(text)'")
        }
        return comparison
    }

    /// The `loopback` setup: `mtu` (576 to 65536) and `gso` (on or off).
    func loopback(_ node: Node) throws(LabFileError) -> Lab.Loopback {
        let fields = try mapping(node, allowed: ["mtu", "gso"], what: "loopback")
        var loopback = Lab.Loopback(mtu: nil, segmentationOffload: true)
        if let node = fields["mtu"] {
            guard let value = Int(try string(node.value, "mtu")), (576...65536).contains(value) else {
                throw error(node.value, "mtu is a number of bytes from 576 to 65536")
            }
            loopback.mtu = value
        }
        if let node = fields["gso"] {
            switch try string(node.value, "gso") {
            case "on": loopback.segmentationOffload = true
            case "off": loopback.segmentationOffload = false
            default: throw error(node.value, "gso is on or off")
            }
        }
        return loopback
    }

    /// The `shaping` setup: rate, burst, latency and mtu.
    func shaping(_ node: Node) throws(LabFileError) -> Lab.Shaping {
        let fields = try mapping(node, allowed: ["rate", "burst", "latency", "mtu"], what: "shaping")
        for key in ["rate", "burst", "latency"] where fields[key] == nil {
            throw error(node, "shaping needs rate, burst and latency (e.g. rate: 100kbit, burst: 2000, latency: 2s)")
        }
        let rate = try string(fields["rate"]!.value, "rate")
        let digits = rate.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int(digits), (1...LabFileLimits.rate).contains(number),
              ["bit", "kbit", "mbit"].contains(String(rate.dropFirst(digits.count))) else {
            throw error(fields["rate"]!.value, "rate is a number from 1 to \(LabFileLimits.rate) with bit, kbit or mbit (100kbit), not '\(rate)'")
        }
        guard let burst = Int(try string(fields["burst"]!.value, "burst")), (100...1_000_000).contains(burst) else {
            throw error(fields["burst"]!.value, "burst is a number of bytes from 100 to 1000000")
        }
        var mtu = 1500
        if let node = fields["mtu"] {
            guard let value = Int(try string(node.value, "mtu")), (576...65536).contains(value) else {
                throw error(node.value, "mtu is a number of bytes from 576 to 65536")
            }
            mtu = value
        }
        if mtu + 14 > burst {
            throw error(node, "a \(mtu)-byte packet (with its 14-byte Ethernet header) does not fit a \(burst)-byte bucket: tbf would drop it; lower mtu or raise burst")
        }
        return Lab.Shaping(rate: rate, burst: burst, latency: try duration(fields["latency"]!.value), mtu: mtu)
    }

    func duration(_ node: Node) throws(LabFileError) -> Duration {
        let text = try string(node, "within")
        let number: Substring
        let scale: Double
        if text.hasSuffix("ms") { number = text.dropLast(2); scale = 0.001 } else if text.hasSuffix("s") { number = text.dropLast(); scale = 1 } else {
            throw error(node, "a duration is written like 2s or 500ms, not '\(text)'")
        }
        // At least a millisecond, at most ten minutes; nan and inf fail both.
        guard let value = Double(number.trimmingSpaces), value * scale * 1000 >= 1, value * scale <= 600 else {
            throw error(node, "a duration is written like 2s or 500ms, from 1ms to 600s; not '\(text)'")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    func endpoint(_ text: String, _ node: Node) throws(LabFileError) -> Endpoint {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw error(node, "an IPv6 endpoint is written [::1]:8080") }
            port = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw error(node, "an endpoint is written ADDRESS:PORT (127.0.0.1:8080, [::1]:8080), not '\(text)'")
        }
        guard let address = IPAddress(String(host)), let number = UInt16(port) else {
            throw error(node, "'\(text)' is not ADDRESS:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:0)")
        }
        return Endpoint(address: address, port: number)
    }

    /// A byte count ("65536", "64KiB", "8MiB"): nil when `text` is not written as one; an
    /// error when it is, but is negative or more than ``LabFileLimits/bytes``.
    func byteCount(_ text: String, _ node: Node) throws(LabFileError) -> Int? {
        var digits = Substring(text)
        var unit = 1
        for (suffix, scale) in [("KiB", 1 << 10), ("MiB", 1 << 20)] where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            unit = scale
        }
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // Too many digits for an Int is as much "too large" as any other count over the limit.
        let value = Int(digits).map { $0.multipliedReportingOverflow(by: unit) }
        guard !negative, let value, !value.overflow, value.partialValue <= LabFileLimits.bytes else {
            throw error(node, "'\(text)' bytes: a byte count is from 0 to \(LabFileLimits.bytes >> 20)MiB")
        }
        return value.partialValue
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.first, first.isLetter else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    // MARK: YAML

    struct Fields {
        var ordered: [(String, (key: Node, value: Node))] = []
        subscript(name: String) -> (key: Node, value: Node)? { ordered.first { $0.0 == name }?.1 }
    }

    func mapping(_ node: Node, allowed: Set<String>?, what: String) throws(LabFileError) -> Fields {
        guard case .mapping(let mapping) = node else { throw error(node, "\(what) must be a mapping of keys to values") }
        try spend(1 + mapping.count, at: node)
        var fields = Fields()
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else { throw error(key, "keys in \(what) must be plain words") }
            let name = scalar.string
            if fields[name] != nil { throw error(key, "'\(name)' appears twice in \(what)") }
            if let allowed, !allowed.contains(name) {
                throw error(key, "unknown key '\(name)' in \(what); allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            fields.ordered.append((name, (key, value)))
        }
        return fields
    }

    func string(_ node: Node, _ what: String) throws(LabFileError) -> String {
        guard case .scalar(let scalar) = node else { throw error(node, "\(what) must be a single value, not a list or mapping") }
        try spend(1, at: node)
        return scalar.string
    }

    /// Splits a call into words; double-quoted words may hold spaces and \n \r \t \" \\.
    func tokens(_ text: String, _ node: Node) throws(LabFileError) -> [(text: String, quoted: Bool)] {
        do throws(PeerSyntaxError) {
            return try QuotedWords.split(text).map { ($0.text, $0.quoted) }
        } catch let problem {
            throw error(node, problem.description)
        }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

/// The timer names ss prints, which checks may name.
enum KernelTimerNames {
    static let all = ["off", "on", "keepalive", "timewait", "persist"]
}

extension Comparison {
    /// Parses "3", ">= 1", "<= 2", "1..3" (bounds included); `value` reads each number.
    /// Every number must be finite and from 0 to ``LabFileLimits/number``: a count, a size
    /// or a time is never negative, and beyond 2^53 a Double no longer counts by one.
    init?(parsing text: String, value read: (String) -> Double? = { Double($0) }) {
        func value(_ number: String) -> Double? {
            guard let value = read(number), value.isFinite, (0...LabFileLimits.number).contains(value) else { return nil }
            return value
        }
        let text = text.trimmingSpaces
        if text.hasPrefix(">=") {
            guard let bound = value(text.dropFirst(2).trimmingSpaces) else { return nil }
            self.init(minimum: bound, maximum: .infinity)
        } else if text.hasPrefix("<=") {
            guard let bound = value(text.dropFirst(2).trimmingSpaces) else { return nil }
            self.init(minimum: -.infinity, maximum: bound)
        } else if let range = text.firstRange(of: "..") {
            guard let low = value(text[..<range.lowerBound].trimmingSpaces),
                  let high = value(text[range.upperBound...].trimmingSpaces), low <= high else { return nil }
            self.init(minimum: low, maximum: high)
        } else {
            guard let exact = value(text) else { return nil }
            self = .exactly(exact)
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }

    func replacingOccurrences(ofPrefix prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : String(self)
    }

    func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : String(self)
    }
}
