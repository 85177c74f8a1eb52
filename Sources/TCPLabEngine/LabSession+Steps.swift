import TCPLabAnalysis
import TCPLabCapture
import TCPLabIsolation
import TCPLabKernel
import TCPLabPacket
import TCPLabReport
import TCPLabSocket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a socket call did.
enum Observed {
    case ok
    case failed(Errno)
    case bytes([UInt8], endOfStream: Bool)
    /// Part of a send: `count` of `asked` bytes taken in `calls` calls, then `stop`
    /// (EAGAIN for a non-blocking send that filled the buffer).
    case sent(count: Int, asked: Int, calls: Int, stop: Errno)
    case stillWaiting(String)
    case misuse(String)
    case events([String])
    /// What the call did, and the signal the kernel raised meanwhile (caught, not run).
    indirect case signalled(Observed, String)
    /// What the call did, after closing the socket the name held until then (said in the
    /// report, because that close puts a FIN or an RST on the wire).
    indirect case replacing(Observed, String)
    /// recv returned 0 on a connection that an earlier call had seen end with this error:
    /// the end of the stream, but no FIN came.
    case endedEarlier(Errno)

    var text: String {
        switch self {
        case .ok: return "ok"
        case .failed(let errno): return errno.description
        case .bytes(let data, let endOfStream):
            if data.isEmpty { return endOfStream ? "0 (end of stream: the peer's FIN)" : "0 bytes" }
            var text = data.count == 1 ? "1 byte" : "\(data.count) bytes"
            if data.count <= 48, let string = String(validating: data, as: UTF8.self), Observed.isPrintable(string) {
                text += ": \"" + string.escapedForDisplay + "\""
            }
            if endOfStream { text += ", then end of stream" }
            return text
        case .sent(let count, let asked, let calls, let stop):
            let call = calls == 1 ? "1 send() call" : "\(calls) send() calls"
            return "\(count) of \(asked) bytes in \(call), then \(stop.name)"
        case .stillWaiting(let why), .misuse(let why): return why
        case .events(let names): return names.isEmpty ? "none" : names.joined(separator: " ")
        case .signalled(let outcome, let signal):
            return outcome.text + ", and the kernel raised \(signal) (caught here; by default it ends the process)"
        case .replacing(let outcome, let remark):
            return outcome.text + "; " + remark
        case .endedEarlier(let errno):
            return "0 (end of stream: the connection had ended with \(errno.name), not with a FIN)"
        }
    }

    /// Bytes a send or recv moved; nil for any other outcome.
    var bytesMoved: Int? {
        switch self {
        case .bytes(let data, _): return data.count
        case .sent(let count, _, _, _): return count
        case .endedEarlier: return 0
        case .signalled(let inner, _), .replacing(let inner, _): return inner.bytesMoved
        default: return nil
        }
    }

    /// Text worth quoting: no control characters but line breaks and tabs.
    static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar.value >= 0x20 || scalar == "\n" || scalar == "\r" || scalar == "\t"
        }
    }
}

extension LabSession {
    func perform(_ step: Step) throws -> StepResult {
        let deadline = ContinuousClock.now + step.within
        var observed: String
        var passed: Bool
        var duration: Double?
        var bytes: Int?
        measuredExpiry = nil
        switch step.action {
        case .call(let name, let call, let expect, let newName):
            let socket = sockets[name]!
            let lacks = lab.actors.first { $0.name == socket.actor }?.lacks ?? []
            let start = ContinuousClock.now
            let outcome = try Capability.withoutEffective(lacks) {
                try perform(call, on: socket, deadline: deadline, newName: newName)
            }
            duration = start.duration(to: .now).inSeconds
            bytes = outcome.bytesMoved
            observed = outcome.text
            if case .everythingSent(let sender)? = expect {
                (passed, observed) = compare(outcome, with: sockets[sender]!)
            } else {
                passed = Self.matches(outcome, expect, call: call)
            }
            if let took = step.took, let duration {
                observed += " in \(Self.formatMilliseconds(duration))"
                passed = passed && took.allows(duration)
            }
        case .peer(let actor, let line):
            (passed, observed) = try perform(peerStep: line, of: actor, within: step.within)
        case .wait, .check, .sysctl, .firewall, .process:
            guard let kind = step.kind, case .step(_, let run) = kind.grammar else {
                throw StepKind.mismatch(step)
            }
            (passed, observed) = try run(self, step)
        }
        return StepResult(
            line: step.line, actor: actorName(step), action: actionText(step), expected: expectedText(step),
            observed: observed, status: passed ? .passed : .failed, time: elapsed, note: step.note,
            duration: duration, round: step.round?.description, bytes: bytes, expires: measuredExpiry)
    }

    /// "43.9 ms".
    static func formatMilliseconds(_ seconds: Double) -> String {
        // Hundredths below 1 ms, so a fast call does not read as "0.0 ms".
        let digits = seconds < 0.001 ? 2 : 1
        let scale = digits == 2 ? 100_000.0 : 10_000.0
        let units = Int((seconds * scale).rounded())
        let divisor = digits == 2 ? 100 : 10
        var fraction = String(units % divisor)
        while fraction.count < digits { fraction = "0" + fraction }
        return "\(units / divisor).\(fraction) ms"
    }

    /// What closing the socket `labSocket` still holds does, for a step that replaces it:
    /// the kernel's record of it (sock_diag) tells a listener, a connection (FIN, or RST
    /// with unread data, RFC 2525) and a socket that never connected.
    func closingRemark(for labSocket: LabSocket) -> String {
        let closed = "closed the socket \(labSocket.name) held"
        let listed = (try? SocketDiagnostics.tcpSockets()) ?? []
        guard let record = kernelRecord(of: labSocket, in: listed), record.state != .closed else {
            return closed + ", which had no connection"
        }
        switch record.state {
        case .listen:
            return closed + ", a listener: connections still in its accept queue are reset"
        case .established, .closeWait, .synReceived:
            return record.receiveQueue > 0
                ? closed + " (\(record.state.rawValue), \(record.receiveQueue) bytes unread): that sends RST"
                : closed + " (\(record.state.rawValue)): that sends FIN"
        default:
            return closed + " (\(record.state.rawValue))"
        }
    }

    /// Whether a recv returned exactly the bytes `sender`'s send calls took, in order.
    func compare(_ outcome: Observed, with sender: LabSocket) -> (Bool, String) {
        guard case .bytes(let data, let endOfStream) = outcome else { return (false, outcome.text) }
        let received = StreamDigest(data)
        let sent = sender.sent
        let text = outcome.text
        guard endOfStream else { return (false, text + "; the stream did not end") }
        if received == sent { return (true, text + ": every byte \(sender.name)'s sends took, in order") }
        if received.count != sent.count { return (false, text + "; \(sender.name)'s sends took \(sent.count) bytes") }
        return (false, text + "; as many as \(sender.name) sent, but not the same bytes")
    }

    static func matches(_ outcome: Observed, _ expect: Outcome?, call: Call) -> Bool {
        if case .replacing(let inner, _) = outcome { return matches(inner, expect, call: call) }
        if case .endedEarlier = outcome { return matches(.bytes([], endOfStream: true), expect, call: call) }
        switch (expect, outcome) {
        case (nil, .failed(let errno)):
            // A non-blocking connect that has started is what the lab asked for.
            if case .connect(_, blocking: false) = call { return errno == .inProgress }
            return false
        case (.blocks?, .stillWaiting): return true
        case (.events(let wanted)?, .events(let seen)): return wanted == seen
        case (.failureRaising(let wanted, let signal)?, .signalled(.failed(let errno), let raised)): return wanted == errno && signal == raised
        case (_, .signalled): return false
        case (_, .misuse), (nil, .stillWaiting), (.success?, .stillWaiting): return false
        case (nil, _), (.success?, .ok), (.success?, .bytes): return true
        case (.failure(let wanted)?, .failed(let errno)): return wanted == errno
        case (.text(let text)?, .bytes(let data, _)): return data == Array(text.utf8)
        case (.count(let comparison)?, .bytes(let data, _)): return comparison.allows(Double(data.count))
        case (.count(let comparison)?, .sent(let count, _, _, _)): return comparison.allows(Double(count))
        default: return false
        }
    }

    // MARK: Calls

    /// Makes `call` on `labSocket` by its row of ``StepKind/all``; a failing system call is
    /// the outcome, its errno.
    func perform(_ call: Call, on labSocket: LabSocket, deadline: ContinuousClock.Instant, newName: String?) throws -> Observed {
        guard let kind = StepKind.named(call.keyword), case .call(_, let run, let needsOpenSocket) = kind.grammar else {
            throw StepKind.mismatch(call)
        }
        let socket = labSocket.socket.flatMap { $0.isClosed ? nil : $0 }
        if needsOpenSocket && socket == nil {
            if let holder = labSocket.holder {
                return .misuse("\(labSocket.name)'s socket was handed to a child process (\(holder.pid)): the lab holds it no longer")
            }
            return .misuse("\(labSocket.name) has no open socket: a 'socket' step must come first")
        }
        let context = CallContext(
            labSocket: labSocket, socket: socket, deadline: deadline, newName: newName,
            interrupt: interruption?.descriptor, started: Self.captureClockNow)
        let outcome: Observed
        do {
            outcome = try run(self, call, context)
        } catch let error as SystemCallError {
            outcome = .failed(error.errno)
        }
        if case .failed(let errno) = outcome, Self.connectionEnders.contains(errno) { labSocket.endedBy = errno }
        return outcome
    }

    /// `socket`: a new socket for the name, closing the one it held (said in the report).
    /// A child process still holding the old socket (`process: hold`) is ended first, as
    /// a program replacing its connection would: otherwise the old socket would live on
    /// in it, and the name could never be held again.
    func openSocket(_ family: Socket.Family, _ context: CallContext) -> Observed {
        let labSocket = context.labSocket
        var remark: String?
        if let holder = labSocket.holder {
            if !holder.hasEnded {
                let fate = closingFate(of: labSocket)
                holder.end()
                remark = "ended child process \(holder.pid), which held \(labSocket.name)'s socket (SIGKILL, then waitpid); the kernel closed that socket \(fate)"
            }
            labSocket.holder = nil
        }
        if let old = labSocket.socket, !old.isClosed {
            remark = closingRemark(for: labSocket)
            try? old.close()
        }
        do {
            labSocket.socket = try Socket(family: family)
        } catch {
            return .failed(error.errno)
        }
        labSocket.local = nil
        labSocket.remote = nil
        labSocket.isListener = false
        labSocket.sent = StreamDigest()
        labSocket.readShutDown = false
        labSocket.endedBy = nil
        labSocket.inode = try? labSocket.socket?.inode()
        return remark.map { .replacing(.ok, $0) } ?? .ok
    }

    /// `connect`: blocking waits for the handshake until the deadline; non-blocking
    /// returns EINPROGRESS once the SYN is on its way.
    func connect(to endpoint: Endpoint, blocking: Bool, _ context: CallContext) throws -> Observed {
        let socket = try context.open()
        let labSocket = context.labSocket
        let connected = try socket.startConnect(to: endpoint)
        labSocket.remote = endpoint
        labSocket.local = try socket.localEndpoint()
        remember(labSocket, since: context.started)
        if connected { return .ok }
        guard blocking else { return .failed(.inProgress) }
        while true {
            let events = try socket.wait(for: .writable, until: context.deadline, interrupt: context.interrupt)
            if events.isEmpty { return .stillWaiting("still connecting when the step's time ran out: no answer to the SYN yet") }
            if try socket.finishConnect(to: endpoint) { return .ok }
            // Still SYN-SENT after a soft error, which the kernel's own blocking
            // connect() sleeps through: look again every 10 ms, as waits do.
            try Socket.pause(until: min(context.deadline, .now + .milliseconds(10)), interrupt: context.interrupt)
        }
    }

    /// `accept`: waits for a connection and names the socket it returns.
    func accept(_ context: CallContext) throws -> Observed {
        let socket = try context.open()
        let labSocket = context.labSocket
        while true {
            if let accepted = try Self.nonblocking({ () throws(SystemCallError) in try socket.accept() }) {
                let name = context.newName ?? "\(labSocket.name)-accepted"
                // A repeated accept names a new socket; the old one, if still open, is closed.
                var remark: String?
                if let previous = sockets[name], let old = previous.socket, !old.isClosed {
                    remark = closingRemark(for: previous)
                    try? old.close()
                }
                let entry = LabSocket(name: name, actor: labSocket.actor)
                entry.socket = accepted
                entry.inode = try? accepted.inode()
                entry.local = try accepted.localEndpoint()
                // A connection reset while queued has no peer any more (ENOTCONN),
                // but accept() still returns it.
                entry.remote = try? accepted.remoteEndpoint()
                sockets[entry.name] = entry
                remember(entry, since: context.started)
                return remark.map { .replacing(.ok, $0) } ?? .ok
            }
            let events = try socket.wait(for: .readable, until: context.deadline, interrupt: context.interrupt)
            if events.isEmpty { return .stillWaiting("no connection to accept when the step's time ran out (EAGAIN)") }
        }
    }

    /// `send`: with `raisingSIGPIPE` (no MSG_NOSIGNAL), a SIGPIPE the kernel raises is
    /// caught and reported.
    func send(_ payload: Call.Payload, blocking: Bool, raisingSIGPIPE: Bool, _ context: CallContext) throws -> Observed {
        let socket = try context.open()
        guard raisingSIGPIPE else {
            return try send(payload.data, blocking: blocking, on: context.labSocket, socket: socket, deadline: context.deadline, interrupt: context.interrupt)
        }
        let (outcome, raised) = try PendingSignal.catching(SIGPIPE) {
            try send(payload.data, blocking: blocking, raisingSIGPIPE: true, on: context.labSocket, socket: socket, deadline: context.deadline, interrupt: context.interrupt)
        }
        return raised ? .signalled(outcome, "SIGPIPE") : outcome
    }

    /// Errors that end a connection: a recv after one returns 0 without any FIN.
    static let connectionEnders: Set<Errno> = [.connectionReset, .timedOut, Errno(rawValue: ECONNABORTED), Errno(rawValue: EHOSTUNREACH), Errno(rawValue: ENETUNREACH)]

    /// Runs a call on a non-blocking socket: nil when it would block (EAGAIN).
    static func nonblocking<Result>(_ body: () throws(SystemCallError) -> Result) throws(SystemCallError) -> Result? {
        do {
            return try body()
        } catch {
            if error.errno == .wouldBlock { return nil }
            throw error
        }
    }

    /// Sends `data`: blocking, until all is taken or the deadline passes; non-blocking, as
    /// an event loop writes, call after call until the kernel takes no more (EAGAIN).
    /// Whatever the kernel took is added to the socket's ``StreamDigest``.
    func send(
        _ data: [UInt8], blocking: Bool, raisingSIGPIPE: Bool = false, on labSocket: LabSocket, socket: Socket,
        deadline: ContinuousClock.Instant, interrupt: Int32?
    ) throws -> Observed {
        var sent = 0
        var calls = 0
        defer { labSocket.sent.add(data[..<sent]) }
        repeat {
            let count: Int?
            calls += 1
            do {
                count = try Self.nonblocking { () throws(SystemCallError) in try socket.send(data[sent...], raisingSIGPIPE: raisingSIGPIPE) }
            } catch {
                if sent == 0 { return .failed(error.errno) }
                return .stillWaiting("sent \(sent) of \(data.count) bytes, then \(error.errno)")
            }
            if let count {
                sent += count
                continue
            }
            if !blocking { return sent > 0 ? .sent(count: sent, asked: data.count, calls: calls, stop: .wouldBlock) : .failed(.wouldBlock) }
            let events = try socket.wait(for: .writable, until: deadline, interrupt: interrupt)
            if events.isEmpty {
                return .stillWaiting("sent \(sent) of \(data.count) bytes; the send buffer stayed full until the step's time ran out")
            }
        } while sent < data.count
        // All taken: shown like received bytes, with the text when it is short.
        return .bytes(data, endOfStream: false)
    }

    /// Receives one length-prefixed message: 4 bytes of length (big-endian), then the body.
    func receiveMessage(on socket: Socket, deadline: ContinuousClock.Instant, interrupt: Int32?) throws -> Observed {
        let header = try receive(.exactly(4), on: socket, deadline: deadline, interrupt: interrupt)
        guard case .bytes(let prefix, _) = header, prefix.count == 4 else {
            if case .bytes(let prefix, true) = header, !prefix.isEmpty {
                return .misuse("the stream ended inside a length prefix, after \(prefix.count) of its 4 bytes")
            }
            return header
        }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard length <= 16 * 1024 * 1024 else { return .misuse("the length prefix says \(length) bytes: not a framed message") }
        let body = try receive(.exactly(length), on: socket, deadline: deadline, interrupt: interrupt)
        if case .bytes(let data, _) = body, data.count < length {
            return .misuse("the stream ended after \(data.count) of the message's \(length) bytes")
        }
        return body
    }

    func receive(_ amount: Call.Amount, on socket: Socket, deadline: ContinuousClock.Instant, interrupt: Int32?) throws -> Observed {
        var data: [UInt8] = []
        var limit = 65536
        var once = false
        switch amount {
        case .once, .nonblocking: once = true
        case .framed: return try receiveMessage(on: socket, deadline: deadline, interrupt: interrupt)
        case .exactly(let count): limit = count
        case .untilEnd: limit = .max
        }
        while data.count < limit {
            let chunk: [UInt8]?
            do {
                chunk = try Self.nonblocking { () throws(SystemCallError) in
                    try socket.receive(maximum: min(limit - data.count, 256 * 1024))
                }
            } catch {
                // Bytes that arrived before a reset are delivered first; the error comes next.
                return data.isEmpty ? .failed(error.errno) : .bytes(data, endOfStream: false)
            }
            if let chunk {
                if chunk.isEmpty { return .bytes(data, endOfStream: true) }
                data += chunk
                if once { return .bytes(data, endOfStream: false) }
                continue
            }
            if case .nonblocking = amount { return .failed(.wouldBlock) }
            let events = try socket.wait(for: .readable, until: deadline, interrupt: interrupt)
            if events.isEmpty {
                return data.isEmpty
                    ? .stillWaiting("nothing to receive when the step's time ran out (recv would still block)")
                    : .stillWaiting("received \(data.count) bytes, then nothing more until the step's time ran out")
            }
        }
        return .bytes(data, endOfStream: false)
    }

    // MARK: Waits

    /// Checks `condition` after each captured segment (and every 10 ms, for timers) until
    /// it holds or the deadline passes.
    func wait(for condition: WaitCondition, until deadline: ContinuousClock.Instant) throws -> (Bool, String) {
        var seen = capture?.packets.count ?? 0
        while true {
            if interruption?.isRequested == true { throw Interrupted() }
            let (holds, observed) = try evaluate(condition)
            if holds { return (true, observed + " after \(LabResult.formatSeconds(elapsed)) s") }
            if ContinuousClock.now >= deadline { return (false, "not within the step's time: \(observed)") }
            let slice = min(ContinuousClock.now.duration(to: deadline), .milliseconds(10))
            seen = capture?.waitForMore(than: seen, timeout: max(slice, .zero)) ?? seen
        }
    }

    func evaluate(_ condition: WaitCondition) throws -> (Bool, String) {
        switch condition {
        case .socket(let name, let facts):
            return evaluate(facts, of: sockets[name]!, in: try SocketDiagnostics.tcpSockets())
        case .segment(let pattern, let count):
            let segments = analyse(capture?.packets ?? [], finish: true).segments
            let matching = segments.filter { matches(pattern, $0) }.count
            let observed = matching == 1 ? "1 matching segment seen" : "\(matching) matching segments seen"
            return (count.allows(Double(matching)), observed)
        case .counter(let name, let change):
            let grown = try counterChange(name)
            return (change.allows(Double(grown)), "\(name) grew by \(grown)")
        }
    }

    func counterChange(_ name: String) throws -> Int64 {
        let now = try KernelCounters.read()
        guard now.has(name) else { throw LabSetupError(message: "this kernel has no counter \(name) in /proc/net/netstat or /proc/net/snmp") }
        return (now.values[name] ?? 0) - (countersAtStart?.values[name] ?? 0)
    }

    // MARK: Checks

    func check(_ check: Check, line: Int) throws -> (Bool, String) {
        switch check {
        case .socket(let name, let facts):
            let shot = try snapshot("check at line \(line)")
            record(shot)
            return evaluate(facts, of: sockets[name]!, in: shot.sockets.map(\.socket))
        case .statesCount(let state, let count):
            let shot = try snapshot("check at line \(line)")
            record(shot)
            let number = shot.sockets.filter { $0.socket.state == state }.count
            let observed = number == 1 ? "1 socket in \(state)" : "\(number) sockets in \(state)"
            return (count.allows(Double(number)), observed)
        case .counter(let name, let change):
            let grown = try counterChange(name)
            return (change.allows(Double(grown)), "\(name) grew by \(grown)")
        case .sysctl(let name, let value):
            // Read on the lab's thread, so in the lab's namespace: its own value, not the host's.
            let read = try Sysctl.read(name)
            return (read == value, "\(name) = \(read)")
        }
    }

    /// Whether the kernel's record of `socket` shows `facts`, and what it shows.
    func evaluate(_ facts: SocketFacts, of socket: LabSocket, in listed: [KernelSocket]) -> (Bool, String) {
        guard let record = kernelRecord(of: socket, in: listed) else {
            let holds = facts.state == .closed && facts.receiveQueue == nil && facts.sendQueue == nil && facts.timer == nil && !facts.asksInfo
            return (holds, "the kernel lists no socket for \(socket.name) (CLOSED)")
        }
        var holds = true
        var parts = [record.state.rawValue]
        if record.timer != .off { measuredExpiry = Double(record.expiresMilliseconds) / 1000 }
        if let state = facts.state, state != record.state { holds = false }
        if let comparison = facts.receiveQueue {
            parts.append("Recv-Q \(record.receiveQueue)")
            holds = holds && comparison.allows(Double(record.receiveQueue))
        }
        if let comparison = facts.sendQueue {
            parts.append("Send-Q \(record.sendQueue)")
            holds = holds && comparison.allows(Double(record.sendQueue))
        }
        if let timer = facts.timer {
            parts.append("timer \(record.timer)")
            holds = holds && timer == record.timer.rawValue
        }
        if let comparison = facts.expiresSeconds {
            let seconds = Double(record.expiresMilliseconds) / 1000
            parts.append("expires in \(LabResult.formatSeconds(seconds)) s")
            holds = holds && comparison.allows(seconds)
        }
        if facts.asksInfo {
            let (infoHolds, shown) = evaluateInfo(facts, record.info)
            holds = holds && infoHolds
            parts.append(shown)
        }
        return (holds, parts.joined(separator: ", "))
    }

    /// Adds a snapshot to the report, or, when the kernel's list is the same as at the
    /// previous check (timers aside), adds its moment to that one: consecutive checks
    /// usually look at one unchanged moment.
    func record(_ shot: KernelSnapshot) {
        func shape(_ snapshot: KernelSnapshot) -> [String] {
            snapshot.sockets.map { "\($0.name) \($0.socket.state) \($0.socket.local) \($0.socket.remote) \($0.socket.receiveQueue) \($0.socket.sendQueue) \($0.socket.timer)" }
        }
        if let last = result.kernel.last, last.moment.hasPrefix("check"), shape(last) == shape(shot) {
            let line = shot.moment.replacingPrefix("check at line ")
            result.kernel[result.kernel.count - 1].moment = last.moment.replacingPrefix("check at line ").hasPrefix(line)
                ? last.moment
                : last.moment.replacingOccurrences(ofPrefix: "check at line ", with: "checks at lines ") + ", " + line
            return
        }
        result.kernel.append(shot)
    }

}

/// poll(2) event names, in the order reports use.
enum PollEvents {
    static let table: [(Socket.Events, String)] = [
        (.readable, "POLLIN"), (.writable, "POLLOUT"), (.peerHalfClosed, "POLLRDHUP"), (.error, "POLLERR"), (.hangUp, "POLLHUP"),
    ]
    static var names: [String] { table.map(\.1) }

    static func names(of events: Socket.Events) -> [String] {
        table.filter { events.contains($0.0) }.map(\.1)
    }

    static func sorted(_ names: [String]) -> [String] {
        table.map(\.1).filter { names.contains($0) }
    }
}
