import TCPLabKernel
import TCPLabSocket
import TCPLabSystem
import Yams

extension StepKind {
    /// Every kind of step, in the order Labs/README.md lists them: first the steps keyed by
    /// their own keyword, then the socket calls. A new kind is a new row.
    static let all: [StepKind] = [
        // MARK: Steps of their own

        StepKind(
            keyword: "wait",
            forms: [Form(synopsis: "wait: {socket: NAME, state: STATE, ...}", meaning: "until the kernel reports the socket so (sock_diag): any facts a check takes"),
                    Form(synopsis: "wait: {segment: {...}, count: N}", meaning: "until the capture has seen matching segments (`count` default `\">= 1\"`)"),
                    Form(synopsis: "wait: {counter: Group.Name, grows: N}", meaning: "until a kernel counter (/proc/net/netstat or snmp) has grown so since the start")],
            grammar: .step(
                parse: { parser, node throws(LabFileError) in .wait(try parser.condition(node)) },
                run: { session, step in
                    guard case .wait(let condition) = step.action else { throw mismatch(step) }
                    return try session.wait(for: condition, until: .now + step.within)
                })),
        StepKind(
            keyword: "check",
            forms: [Form(synopsis: "check: {socket: NAME, state: STATE, recv-q: N, send-q: N, timer: T, expires: S}", meaning: "looks once, now, and records the kernel's socket list in the report"),
                    Form(synopsis: "check: {sockets-in: STATE, count: N}", meaning: "how many sockets the kernel lists in a state"),
                    Form(synopsis: "check: {counter: Group.Name, grows: N}", meaning: "a kernel counter's growth since the lab began"),
                    Form(synopsis: "check: {sysctl: NAME, value: VALUE}", meaning: "a network sysctl as read in the lab's namespace")],
            grammar: .step(
                parse: { parser, node throws(LabFileError) in .check(try parser.check(node)) },
                run: { session, step in
                    guard case .check(let check) = step.action else { throw mismatch(step) }
                    return try session.check(check, line: step.line)
                })),
        StepKind(
            keyword: "sysctl",
            forms: [Form(synopsis: "sysctl: {NAME: VALUE, ...}", meaning: "sets network sysctls in the lab's namespace")],
            grammar: .step(
                parse: { parser, node throws(LabFileError) in .sysctl(try parser.settings(node)) },
                run: { _, step in
                    guard case .sysctl(let settings) = step.action else { throw mismatch(step) }
                    for setting in settings { try Sysctl.write(setting.name, setting.value) }
                    return (true, "set in the lab's namespace")
                })),
        StepKind(
            keyword: "firewall",
            forms: [Form(synopsis: "firewall: RULES", meaning: "runs nftables commands (`nft -f`, one command a line) in the lab's namespace; the report names what they did (\"table, chain, rule added\", \"table deleted\")")],
            grammar: .step(
                parse: { parser, node throws(LabFileError) in .firewall(try parser.string(node, "firewall")) },
                run: { _, step in
                    guard case .firewall(let rules) = step.action else { throw mismatch(step) }
                    let outcome = try Command.run(["nft", "-f", "-"], input: rules)
                    let passed = outcome.status == 0
                    return (passed, passed ? FirewallRules.summary(of: rules) + " in the lab's namespace" : "nft failed: \(outcome.output.trimmingSpaces)")
                })),
        StepKind(
            keyword: "process",
            forms: ProcessStep.verbs.map { Form(synopsis: "process: \($0.synopsis)", meaning: $0.meaning) },
            grammar: .step(
                parse: { parser, node throws(LabFileError) in .process(try parser.processStep(node)) },
                run: { session, step in
                    guard case .process(let process) = step.action else { throw mismatch(step) }
                    return try session.perform(process)
                })),

        // MARK: Socket calls

        StepKind(
            keyword: "socket",
            forms: [Form(synopsis: "socket", meaning: "socket(2), TCP over IPv4; an open socket the name held is closed first (a child process holding it is killed first), and the report says what that sent"),
                    Form(synopsis: "socket ipv6", meaning: "the same over IPv6 (`socket ipv4` is the default)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 0...1, "socket [ipv4|ipv6]")
                    guard let family = Socket.Family(rawValue: words.arguments.first?.text ?? "ipv4") else {
                        throw parser.error(words.node, "socket takes ipv4 or ipv6, not '\(words.arguments[0].text)'")
                    }
                    return .socket(family)
                },
                run: { session, call, context in
                    guard case .socket(let family) = call else { throw mismatch(call) }
                    return session.openSocket(family, context)
                },
                needsOpenSocket: false)),
        StepKind(
            keyword: "setsockopt",
            forms: [Form(synopsis: "setsockopt NAME VALUE", meaning: "setsockopt(2): \(SocketOption.allCases.filter { $0 != .linger }.map { $0 == .v6Only ? "\($0.rawValue) (on an IPv6 socket)" : $0.rawValue }.joined(separator: ", "))"),
                    Form(synopsis: "setsockopt SO_LINGER ON SECONDS", meaning: "`SO_LINGER 1 0` makes close() send RST; `1 N` makes close() wait up to N s for the data's ACK")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    let arguments = words.arguments
                    guard let name = arguments.first?.text else { throw parser.error(words.node, "usage: setsockopt OPTION VALUE") }
                    guard let option = SocketOption(rawValue: name) else {
                        throw parser.error(words.node, "unknown socket option '\(name)'; known: \(SocketOption.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    let values = arguments.dropFirst().map { Int32($0.text) }
                    guard values.count == option.valueCount, !values.contains(nil) else {
                        throw parser.error(words.node, option == .linger ? "usage: setsockopt SO_LINGER ON SECONDS (e.g. 1 0)" : "usage: setsockopt \(name) NUMBER")
                    }
                    // Every option tcplab sets takes a flag, a size, a time or a count: none is negative.
                    let numbers = values.compactMap { $0 }
                    guard numbers.allSatisfy({ $0 >= 0 }) else {
                        throw parser.error(words.node, "setsockopt \(name) takes numbers from 0 to \(Int32.max), not a negative one")
                    }
                    return .setsockopt(option, numbers)
                },
                run: { _, call, context in
                    guard case .setsockopt(let option, let values) = call else { throw mismatch(call) }
                    try context.open().setOption(option, values)
                    return .ok
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "bind",
            forms: [Form(synopsis: "bind ADDRESS:PORT", meaning: "bind(2); IPv6 as `[::1]:8080`")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 1...1, "bind ADDRESS:PORT")
                    return .bind(try parser.endpoint(words.arguments[0].text, words.node))
                },
                run: { session, call, context in
                    guard case .bind(let endpoint) = call else { throw mismatch(call) }
                    let socket = try context.open()
                    try socket.bind(endpoint)
                    context.labSocket.local = try socket.localEndpoint()
                    session.remember(context.labSocket, since: context.started)
                    return .ok
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "listen",
            forms: [Form(synopsis: "listen BACKLOG", meaning: "listen(2)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 1...1, "listen BACKLOG")
                    guard let backlog = Int32(words.arguments[0].text), backlog >= 0 else {
                        throw parser.error(words.node, "listen takes a backlog from 0 to \(Int32.max), not '\(words.arguments[0].text)'")
                    }
                    return .listen(backlog: backlog)
                },
                run: { session, call, context in
                    guard case .listen(let backlog) = call else { throw mismatch(call) }
                    let socket = try context.open()
                    try socket.listen(backlog: backlog)
                    context.labSocket.isListener = true
                    context.labSocket.local = try socket.localEndpoint()
                    session.remember(context.labSocket, since: context.started)
                    return .ok
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "connect",
            forms: [Form(synopsis: "connect ADDRESS:PORT", meaning: "connect(2), waiting for the handshake (up to `within`)"),
                    Form(synopsis: "connect ADDRESS:PORT nonblocking", meaning: "returns at once with EINPROGRESS; the handshake goes on"),
                    Form(synopsis: "connect AF_UNSPEC", meaning: "connect(2) with an AF_UNSPEC address: dissolves the association (an abort: RST from ESTABLISHED, CLOSE-WAIT, FIN-WAIT-1, FIN-WAIT-2 or SYN-RECEIVED; nothing from SYN-SENT or LISTEN), and the socket may connect again")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    if words.flag("AF_UNSPEC") {
                        // It returns at once: a connection is dissolved, not made.
                        try parser.usage(words, 1...1, "connect AF_UNSPEC, with nothing after it")
                        return .disconnect
                    }
                    try parser.usage(words, 1...2, "connect ADDRESS:PORT [nonblocking] | connect AF_UNSPEC")
                    if words.arguments.count == 2 && !words.flag("nonblocking") {
                        throw parser.error(words.node, "usage: connect ADDRESS:PORT [nonblocking]")
                    }
                    return .connect(try parser.endpoint(words.arguments[0].text, words.node), blocking: !words.flag("nonblocking"))
                },
                run: { session, call, context in
                    switch call {
                    case .connect(let endpoint, let blocking): return try session.connect(to: endpoint, blocking: blocking, context)
                    case .disconnect:
                        try context.open().disconnect()
                        context.labSocket.remote = nil
                        return .ok
                    default: throw mismatch(call)
                    }
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "accept",
            forms: [Form(synopsis: "accept", meaning: "accept(2), waiting for a connection; `as: NAME` names the socket it returns")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 0...0, "accept (with 'as: NAME')")
                    return .accept
                },
                run: { session, call, context in
                    guard case .accept = call else { throw mismatch(call) }
                    return try session.accept(context)
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "send",
            forms: [Form(synopsis: "send \"TEXT\"", meaning: "send(2) of the text (`\\r \\n \\t \\\" \\\\` escapes), waiting for buffer room"),
                    Form(synopsis: "send 65536 bytes", meaning: "a pattern of that many bytes (also `send 64KiB`)"),
                    Form(synopsis: "send framed \"TEXT\"", meaning: "a 4-byte big-endian length, then the text: one length-prefixed message"),
                    Form(synopsis: "send ... nonblocking", meaning: "calls send(2) until the kernel takes no more, as an event loop does: reports \"N of M bytes in K send() calls, then EAGAIN\", or EAGAIN if nothing fit"),
                    Form(synopsis: "send ... without MSG_NOSIGNAL", meaning: "sends as most programs do: the step reports whether the kernel raised SIGPIPE (see below)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in try parser.sendCall(words) },
                run: { session, call, context in
                    guard case .send(let payload, let blocking, let signal) = call else { throw mismatch(call) }
                    return try session.send(payload, blocking: blocking, raisingSIGPIPE: signal, context)
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "recv",
            forms: [Form(synopsis: "recv", meaning: "one recv(2) call, waiting until something arrives"),
                    Form(synopsis: "recv 65536 bytes", meaning: "until that many bytes, or the end of the stream"),
                    Form(synopsis: "recv all", meaning: "until the peer's FIN (recv returns 0)"),
                    Form(synopsis: "recv nonblocking", meaning: "one call that does not wait: EAGAIN when nothing is there"),
                    Form(synopsis: "recv framed", meaning: "one length-prefixed message: 4 bytes of length, then exactly that many; `expect` the text")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    let arguments = words.arguments
                    if arguments.isEmpty { return .recv(.once) }
                    if arguments.count == 1 && arguments[0].text == "all" { return .recv(.untilEnd) }
                    if arguments.count == 1 && arguments[0].text == "nonblocking" { return .recv(.nonblocking) }
                    if arguments.count == 1 && arguments[0].text == "framed" { return .recv(.framed) }
                    if let count = try parser.byteCount(arguments[0].text, words.node),
                       arguments.count == 1 || (arguments.count == 2 && arguments[1].text == "bytes") {
                        return .recv(.exactly(count))
                    }
                    throw parser.error(words.node, "usage: recv | recv N bytes | recv all | recv nonblocking | recv framed")
                },
                run: { session, call, context in
                    guard case .recv(let amount) = call else { throw mismatch(call) }
                    let outcome = try session.receive(amount, on: try context.open(), deadline: context.deadline, interrupt: context.interrupt)
                    // After SHUT_RD recv returns 0 with no FIN from the peer: say "0 bytes", not "the peer's FIN".
                    if case .bytes(let data, true) = outcome, data.isEmpty {
                        if context.labSocket.readShutDown { return .bytes(data, endOfStream: false) }
                        // After a reset or a timeout recv returns 0 too, but no FIN came.
                        if let errno = context.labSocket.endedBy { return .endedEarlier(errno) }
                    }
                    return outcome
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "shutdown",
            forms: [Form(synopsis: "shutdown HOW", meaning: "shutdown(2); HOW is WR, RD or RDWR (or SHUT_WR, ...)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 1...1, "shutdown RD|WR|RDWR")
                    guard let how = Socket.Shutdown(rawValue: words.arguments[0].text.replacingPrefix("SHUT_")) else {
                        throw parser.error(words.node, "shutdown takes RD, WR or RDWR, not '\(words.arguments[0].text)'")
                    }
                    return .shutdown(how)
                },
                run: { _, call, context in
                    guard case .shutdown(let how) = call else { throw mismatch(call) }
                    try context.open().shutdown(how)
                    if how == .read { context.labSocket.readShutDown = true }
                    return .ok
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "close",
            forms: [Form(synopsis: "close", meaning: "close(2)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 0...0, "close")
                    return .close
                },
                run: { _, call, context in
                    guard case .close = call else { throw mismatch(call) }
                    try context.open().close()
                    return .ok
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "poll",
            forms: [Form(synopsis: "poll", meaning: "poll(2) without waiting; `expect: POLLIN POLLRDHUP` lists exactly the events that must hold (`none` for none)")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    try parser.usage(words, 0...0, "poll")
                    return .poll
                },
                run: { _, call, context in
                    guard case .poll = call else { throw mismatch(call) }
                    return .events(PollEvents.names(of: try context.open().readiness([.readable, .writable, .peerHalfClosed])))
                },
                needsOpenSocket: true)),
        StepKind(
            keyword: "getsockopt",
            forms: [Form(synopsis: "getsockopt SO_ERROR", meaning: "the pending error, e.g. after a non-blocking connect: `expect: ok` or `expect: ECONNREFUSED`")],
            grammar: .call(
                parse: { parser, words throws(LabFileError) in
                    guard words.arguments.count == 1, words.arguments[0].text == "SO_ERROR" else {
                        throw parser.error(words.node, "usage: getsockopt SO_ERROR")
                    }
                    return .pendingError
                },
                run: { _, call, context in
                    guard case .pendingError = call else { throw mismatch(call) }
                    if let error = try context.open().pendingError() { return .failed(error) }
                    return .ok
                },
                needsOpenSocket: true)),
    ]

    /// The error for a row whose run function was handed another kind's step: a mistake
    /// in this table, never in a lab file.
    static func mismatch(_ what: Any) -> LabSetupError {
        LabSetupError(message: "tcplab's step table ran '\(what)' with the wrong kind's function")
    }
}

extension Call {
    /// The keyword of its kind in ``StepKind/all``: the first word as a lab writes it.
    var keyword: String { String(description.prefix { $0 != " " }) }
}
