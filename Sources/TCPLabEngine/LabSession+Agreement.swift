import TCPLabAnalysis
import TCPLabKernelLog
import TCPLabPacket
import TCPLabReport

/// The wire's state transitions checked against the kernel's own.
///
/// For each connection of the capture and each of its two ends, the analysis gives the
/// end's state after every segment; where it changes, the wire shows a transition. The
/// kernel log gives the transitions of the socket with the same two ends, in the order the
/// kernel made them. Each wire transition A → B is confirmed when the kernel's next
/// transitions lead from A to B: one segment can move a socket through more than one
/// state (FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT for a FIN that also acknowledges ours), which
/// the wire shows as one step. The kernel's order is the test, not its moment: a packet the
/// kernel dropped after the capture saw it moves the kernel later than the wire thinks,
/// and the check says so.
///
/// Every kernel transition no wire transition used must be one the lab's own calls
/// explain (listen, connect, close of a listener, a connect that failed), or it is a
/// disagreement too.
///
/// Where function probes are refused (this kernel: fentry/fexit EPERM, no kprobes), the
/// log sees a timewait socket only through the full socket's move to CLOSED without RST
/// (tcp_time_wait then tcp_done) and the packets the timewait socket takes
/// (skb:kfree_skb with the timewait socket as rx_sk, which tells its substate); a
/// listener's request socket is not seen, and the child's LISTEN → SYN-RECEIVED comes
/// when the handshake's ACK arrives.
extension LabSession {
    /// One kernel transition of one socket: from, to (the states it may stand for), when.
    struct KernelStep {
        var from: Set<TCPState>
        var to: Set<TCPState>
        var toText: String
        var time: Int64
        var fromText: String { from.map(\.rawValue).sorted().joined(separator: " or ") }
        var text: String
        var used = false
    }

    /// `events`: the log's, their ends resolved (``resolvingEnds(_:)``); `gaps`: what
    /// ``logGaps(_:firstTimestamp:)`` found in them.
    func agreement(
        segments: [AnnotatedSegment], events: [KernelEvent], gaps: [Ends: String], firstTimestamp: Int64
    ) -> [TransitionCheck] {
        guard let record = kernelRecord else { return [] }
        var checks: [TransitionCheck] = []
        var stepsByEnds: [Ends: [KernelStep]] = [:]
        var order: [Ends] = []
        for (index, event) in events.enumerated() {
            guard let step = kernelStep(event, at: index, in: events) else { continue }
            let ends = Ends(local: event.source, remote: event.destination)
            if stepsByEnds[ends] == nil { order.append(ends) }
            stepsByEnds[ends, default: []].append(step)
        }
        func seconds(_ time: Int64) -> String { LabResult.formatSeconds(Double(time - firstTimestamp) / 1e9) }
        // The kernel does not run a BPF tracing program again on a CPU where it is still
        // running (a softirq handling the lab's packet can interrupt its run for any other
        // TCP socket of the machine); it counts each skipped run. When a program whose
        // events make the transitions below skipped runs, the log is known to be
        // incomplete, and a disagreement is reported as unchecked, not as the kernel's.
        let incomplete = Self.incompleteness(record.missedRuns, lost: record.lostEvents)

        // A scripted peer's end is tcplab itself, through a TUN device: no kernel socket.
        // A peer that sent from several ports (ports=N) has each of them among the endpoints.
        let peerActors = Set(lab.actors.filter { $0.peer != nil }.map(\.name))
        let peers = Set(lab.actors.compactMap { $0.peer?.address } + endpoints.filter { peerActors.contains($0.actor) }.map(\.endpoint))
        // The last segments may be captured before the kernel has processed them when the
        // log stops (the capture's tap comes first on lo): a segment captured after the
        // log's last event is not checked.
        let lastKernelTime = events.last?.time ?? .min
        // With net.ipv4.tcp_rfc1337=1 a timewait socket ignores RST (RFC 1337); by default
        // the RST ends it.
        let rfc1337 = lab.sysctls.contains { $0.name == "net.ipv4.tcp_rfc1337" && $0.value == "1" }
        // A lab that changes the setting between its steps has timewait sockets under
        // either rule, and the log cannot tell which RST ended one: none is assumed.
        let rfc1337Changes = lab.steps.contains { step in
            if case .sysctl(let settings) = step.action { return settings.contains { $0.name == "net.ipv4.tcp_rfc1337" } }
            return false
        }
        for ends in order where !rfc1337 && !rfc1337Changes {
            for event in events where event.kind == .drop && event.oldState?.state == .timeWait
                && event.flags?.contains(.rst) == true && event.destination == ends.local && event.source == ends.remote {
                let from = event.newState?.state ?? .timeWait
                stepsByEnds[ends, default: []].append(KernelStep(
                    from: [from], to: [.closed], toText: "CLOSED", time: event.time,
                    text: "\(from) → CLOSED (the timewait socket took an RST and ended, RFC 1337 off)"))
            }
            stepsByEnds[ends]?.sort { $0.time < $1.time }
        }

        // The wire's transitions, end by end, in capture order.
        for (ends, transitions) in wireTransitions(segments) where !peers.contains(ends.local) {
            var steps = stepsByEnds[ends] ?? []
            var next = 0
            let name = socketName(local: ends.local, remote: ends.remote, time: transitions.first?.time ?? 0)
            for (position, transition) in transitions.enumerated() {
                // The kernel must have made the move before the wire shows this end's next
                // one (1 ms for the capture's tap running ahead of the kernel's processing).
                // Without function probes a listener's child shows LISTEN → SYN-RECEIVED only
                // when the handshake's ACK arrives, after the wire's SYN-ACK moved it.
                let childLate = !record.functionProbes && transition.from == .listen && transition.to == .synReceived
                let before = position + 1 < transitions.count && !childLate ? transitions[position + 1].time + 1_000_000 : Int64.max
                var confirmed: (first: Int, last: Int)?
                search: for start in next..<steps.count where steps[start].from.contains(transition.from) && !steps[start].used {
                    for end in start..<steps.count where steps[end].time <= before {
                        if steps[end].to.contains(transition.to) { confirmed = (start, end); break search }
                    }
                }
                var check = TransitionCheck(
                    seenBy: "wire", socket: name, ends: "\(ends.local) ↔ \(ends.remote)", from: transition.from.rawValue,
                    to: transition.to.rawValue, frame: transition.frame, verdict: "", agrees: false, confirmed: false)
                if transition.time > lastKernelTime && confirmed == nil {
                    check.agrees = true
                    check.verdict = "captured after the kernel log's last event, maybe not yet processed when it stopped (not checked)"
                } else if let (first, last) = confirmed {
                    for index in first...last { steps[index].used = true }
                    next = last + 1
                    let path = steps[first...last].map(\.text).joined(separator: ", ")
                    check.agrees = true
                    check.confirmed = true
                    check.verdict = "confirmed by the kernel at \(seconds(steps[last].time)) s: \(path)"
                } else if !record.functionProbes
                            && ((transition.from == .listen && transition.to == .synReceived && !steps.contains { $0.from.contains(.listen) })
                                || (transition.from == .synReceived && transition.to == .listen && steps.isEmpty)) {
                    check.agrees = true
                    check.verdict = "a listener's request socket: not visible to the kernel log without function probes (refused on this kernel)"
                } else {
                    let kernel = steps.map(\.text).joined(separator: ", ")
                    check.verdict = "the kernel log has no such transition for this socket; it shows: " + (kernel.isEmpty ? "nothing" : kernel)
                    // The likeliest cause: the kernel never took the segment the wire's
                    // inference rests on.
                    let dropped = events.filter { event in
                        event.isPacket && abs(event.time - transition.time) < 1_000_000
                            && Set([event.source, event.destination]) == Set([ends.local, ends.remote])
                    }
                    for drop in dropped {
                        check.verdict += "; at \(seconds(drop.time)) s the kernel log shows \(drop.summary) (\(drop.source) → \(drop.destination))"
                    }
                    check.withScriptedPeer = peers.contains(ends.remote)
                    if let incomplete {
                        check.agrees = true
                        check.withScriptedPeer = false
                        check.verdict = "not checked, \(incomplete): " + check.verdict
                    } else if let gap = gaps[ends] {
                        // The kernel provably moved this connection without the log seeing
                        // it (KernelLogGap): a disagreement is the log's gap, not the kernel's.
                        check.agrees = true
                        check.withScriptedPeer = false
                        check.verdict = "not checked, the kernel log is incomplete (\(gap)): " + check.verdict
                    }
                }
                checks.append(check)
            }
            stepsByEnds[ends] = steps
        }
        // The kernel's transitions no wire transition used.
        for ends in order {
            for step in stepsByEnds[ends] ?? [] where !step.used {
                let explanation = callExplanation(step, socket: socketName(local: ends.local, remote: ends.remote, time: step.time))
                var check = TransitionCheck(
                    seenBy: "kernel", socket: socketName(local: ends.local, remote: ends.remote, time: step.time),
                    ends: "\(ends.local) ↔ \(ends.remote)", from: step.fromText, to: step.toText, frame: nil,
                    verdict: explanation ?? "at \(seconds(step.time)) s: \(step.text), and the wire shows no such transition",
                    agrees: explanation != nil, confirmed: explanation != nil)
                check.withScriptedPeer = explanation == nil && peers.contains(ends.remote)
                if explanation == nil, let incomplete {
                    check.agrees = true
                    check.withScriptedPeer = false
                    check.verdict = "not checked, \(incomplete): " + check.verdict
                }
                checks.append(check)
            }
        }
        return checks
    }

    /// The connections whose moves into FIN-WAIT-2 or CLOSING the log lacks though the
    /// kernel made them (``KernelLogGap``), each with the words that say how that is known.
    func logGaps(_ events: [KernelEvent], firstTimestamp: Int64) -> [Ends: String] {
        let held = result.kernel.flatMap { snapshot in
            snapshot.sockets.map { (local: $0.socket.local, remote: $0.socket.remote, state: $0.socket.state, moment: snapshot.moment) }
        }
        var texts: [Ends: String] = [:]
        for gap in KernelEvent.gaps(in: events, held: held) {
            let time = gap.evidence.time ?? firstTimestamp
            let name = socketName(local: gap.local, remote: gap.remote, time: time)
            let shown: String
            switch gap.evidence {
            case .timewaitTookPacket(let event):
                shown = "a timewait socket of \(name) took a packet at \(LabResult.formatSeconds(Double(event.time - firstTimestamp) / 1e9)) s"
            case .listed(let state, let moment):
                shown = "sock_diag listed \(name) in \(state) (\(moment))"
            }
            texts[Ends(local: gap.local, remote: gap.remote)] =
                "\(shown), yet the log shows no move of \(name) into FIN-WAIT-2 or CLOSING, which comes first: the log's programs did not record those moves"
        }
        return texts
    }

    /// The programs whose events the transitions come from: socket states, timewait and
    /// request sockets, resets, and the packets a timewait socket takes.
    static let transitionPrograms: Set<String> = [
        "set_state", "timewait_start", "timewait_process_entry", "timewait_process_exit", "timewait_end",
        "request_start", "request_end", "send_reset", "receive_reset", "drop",
    ]

    /// Why the log may lack a transition: the skipped runs of the programs that log them,
    /// or nil when none skipped a run.
    static func incompleteness(_ missedRuns: [String: UInt64], lost: UInt64) -> String? {
        let missed = missedRuns.filter { transitionPrograms.contains($0.key) && $0.value > 0 }.sorted { $0.key < $1.key }
        var causes: [String] = []
        if !missed.isEmpty {
            let runs = missed.map { "\($0.value) of \($0.key)" }.joined(separator: ", ")
            causes.append("the kernel skipped \(runs) runs: a BPF program does not run again on a CPU where it is still running")
        }
        if lost > 0 { causes.append("the ring buffer refused \(lost) events") }
        guard !causes.isEmpty else { return nil }
        return "the kernel log is incomplete (" + causes.joined(separator: "; ") + ")"
    }

    /// A socket's two ends, local first.
    struct Ends: Hashable {
        var local: Endpoint
        var remote: Endpoint
    }

    /// The state changes the analysis shows for each end of each connection.
    func wireTransitions(_ segments: [AnnotatedSegment]) -> [(Ends, [(from: TCPState, to: TCPState, frame: Int, time: Int64)])] {
        var result: [(Ends, [(from: TCPState, to: TCPState, frame: Int, time: Int64)])] = []
        var indexByKey: [String: Int] = [:]
        var last: [String: TCPState] = [:]
        for segment in segments {
            let client = segment.sender == .client ? segment.segment.source : segment.segment.destination
            let server = segment.sender == .client ? segment.segment.destination : segment.segment.source
            for (local, remote, state, side) in [(client, server, segment.clientState, "c"), (server, client, segment.serverState, "s")] {
                let key = "\(segment.stream)\(side)"
                if indexByKey[key] == nil {
                    indexByKey[key] = result.count
                    result.append((Ends(local: local, remote: remote), []))
                }
                if let previous = last[key], previous != state {
                    result[indexByKey[key]!].1.append((previous, state, segment.frame, segment.timestamp))
                }
                last[key] = state
            }
        }
        return result
    }

    /// The kernel transition an event stands for, if it is one.
    func kernelStep(_ event: KernelEvent, at index: Int, in events: [KernelEvent]) -> KernelStep? {
        let from = event.oldState?.state ?? .closed
        switch event.kind {
        case .state:
            guard let to = event.newState?.state else { return nil }
            // Where the function probes run, the timewait socket's making and the request
            // socket are logged themselves; the full socket's CLOSE after the first and the
            // child's LISTEN → SYN-RECEIVED after the second are the same transitions.
            let sameEnds = { (other: KernelEvent) in other.source == event.source && other.destination == event.destination }
            if to == .closed, events[..<index].last(where: sameEnds)?.kind == .timewait { return nil }
            if from == .listen, to == .synReceived, events[..<index].contains(where: { $0.kind == .request && sameEnds($0) }) { return nil }
            // A closing socket handed to a timewait socket goes to CLOSED with no RST sent
            // or received and no error: its connection lives on as TIME-WAIT (or, closed by
            // the application in FIN-WAIT-2, as FIN-WAIT-2).
            // (Not a CLOSING socket the lab aborted: that one ends without RST and without a
            // timewait socket.)
            if to == .closed, [.finWait1, .finWait2, .closing].contains(from), !endedByReset(event, at: index, in: events),
               !(from == .closing && abortedByLab(socketName(for: event))) {
                let substates: Set<TCPState> = from == .closing ? [.timeWait] : [.timeWait, .finWait2]
                let seen = timewaitSubstate(after: event, at: index, in: events)
                let to = seen.map { [$0] } ?? substates
                let toText = seen?.rawValue ?? substates.map(\.rawValue).sorted().joined(separator: " or ")
                return KernelStep(from: [from], to: to, toText: toText + " (timewait socket)", time: event.time,
                                  text: "\(from) → \(toText) (the full socket went to CLOSED without RST: a timewait socket took over)")
            }
            return KernelStep(from: [from], to: [to], toText: to.rawValue, time: event.time, text: "\(from) → \(to)")
        case .timewait, .timewaitChange:
            guard let to = event.newState?.state else { return nil }
            return KernelStep(from: [from], to: [to], toText: to.rawValue, time: event.time, text: "\(from) → \(to) (timewait socket)")
        case .resetSent where event.reason == "NO_SOCKET":
            // A timewait socket that took over from a closing socket (FIN-WAIT-2 orphan or
            // TIME-WAIT) ends on its own timer, which the log does not see without function
            // probes; a segment for its ends afterwards is answered from no socket.
            let handedOver = events[..<index].contains { other in
                other.kind == .state && other.source == event.source && other.destination == event.destination
                    && other.newState?.state == .closed && [.finWait1, .finWait2, .closing].contains(other.oldState?.state ?? .closed)
            }
            guard handedOver else { return nil }
            return KernelStep(from: [.finWait2, .timeWait], to: [.closed], toText: "CLOSED", time: event.time,
                              text: "FIN-WAIT-2 or TIME-WAIT → CLOSED (the timewait socket's timer had ended it unseen; the kernel answered from no socket)")
        case .resetSent where event.oldState?.state == .listen && event.reason == "INVALID_SYN":
            // tcp_check_req's embryonic reset: the listener answers a segment its request
            // socket cannot take with RST, for that socket, and drops the request socket.
            return KernelStep(from: [.synReceived], to: [.closed], toText: "CLOSED", time: event.time,
                              text: "SYN-RECEIVED → CLOSED (the listener reset its request socket: RST for INVALID_SYN)")
        case .resetSent where event.oldState?.state == .timeWait:
            // A timewait socket that answers with RST ends (tcp_timewait_state_process
            // returns TCP_TW_RST, the caller deschedules it). Its substate shows in the
            // packet it took, when the log saw that.
            let taken = events.first { other in
                other.kind == .drop && other.oldState?.state == .timeWait && abs(other.time - event.time) < 1_000_000
                    && other.source == event.destination && other.destination == event.source
            }
            let from: Set<TCPState> = taken?.newState?.state.map { [$0] } ?? [.timeWait, .finWait2]
            let fromText = from.map(\.rawValue).sorted().joined(separator: " or ")
            return KernelStep(from: from, to: [.closed], toText: "CLOSED", time: event.time,
                              text: "\(fromText) → CLOSED (the timewait socket answered with RST and ended)")
        case .request:
            return KernelStep(from: [.listen], to: [.synReceived], toText: "SYN-RECEIVED", time: event.time, text: "LISTEN → SYN-RECEIVED (request socket)")
        default:
            return nil
        }
    }

    /// Whether an RST the same socket sent or received within the same moment ended it
    /// (tcp_reset and an abort both end in tcp_done; the kernel's address tells the full
    /// socket from the timewait socket that may follow it).
    func endedByReset(_ event: KernelEvent, at index: Int, in events: [KernelEvent]) -> Bool {
        let window: Int64 = 1_000_000
        return events.contains { other in
            (other.kind == .resetSent || other.kind == .resetReceived) && other.socket == event.socket
                && abs(other.time - event.time) < window
        }
    }

    /// The substate of the timewait socket that followed `event`, if the log saw it take a
    /// packet (skb:kfree_skb with the timewait socket as the receiver) before another
    /// socket had these ends.
    func timewaitSubstate(after event: KernelEvent, at index: Int, in events: [KernelEvent]) -> TCPState? {
        for other in events[(index + 1)...] {
            let same = other.destination == event.source && other.source == event.destination
            if other.kind == .drop, same, other.oldState?.state == .timeWait, let substate = other.newState?.state { return substate }
            if other.kind == .state, other.source == event.source, other.destination == event.destination { return nil }
        }
        return nil
    }

    /// The lab's own call that explains a kernel transition the wire does not show.
    func callExplanation(_ step: KernelStep, socket: String? = nil) -> String? {
        guard step.from.count == 1, let from = step.from.first else { return nil }
        // RFC 9293's ABORT in CLOSING and LAST-ACK sends nothing (section 3.10.5).
        if let socket, [.closing, .lastAck].contains(from), step.toText == "CLOSED", abortedByLab(socket) {
            return "explained by the lab's close() with SO_LINGER {1, 0}: ABORT in \(from) sends nothing"
        }
        switch (from, step.toText) {
        case (.closed, "LISTEN"): return "explained by the lab's listen()"
        case (.listen, "CLOSED"): return "explained by the lab's close() of the listener"
        case (.closed, "SYN-SENT"): return "explained by the lab's connect() (the SYN on the wire)"
        case (.synSent, "CLOSED"): return "explained by the lab's connect() failing (refused, timed out or interrupted)"
        default:
            // close() in FIN-WAIT-2 hands the connection to a FIN-WAIT-2 timewait socket:
            // the state does not change, so the wire shows nothing.
            if from == .finWait2 && step.to.contains(.finWait2) {
                return "explained by the lab's close() in FIN-WAIT-2: a FIN-WAIT-2 timewait socket took over, the state did not change"
            }
            // The retransmission timer giving up (TCP_USER_TIMEOUT, tcp_retries2) ends the
            // connection in tcp_write_err without sending anything; the lab's call saw it.
            let synchronized: Set<TCPState> = [.established, .finWait1, .closeWait, .closing, .lastAck]
            if synchronized.contains(from) && step.toText == "CLOSED"
                && result.steps.contains(where: { $0.status == .passed && $0.observed.hasPrefix("ETIMEDOUT") }) {
                return "explained by the retransmission timer giving up: no segment is sent, and the lab's call failed with ETIMEDOUT"
            }
            return nil
        }
    }

    /// Whether the lab closed the socket named `name` after setting SO_LINGER {1, 0}
    /// (RFC 9293's ABORT).
    func abortedByLab(_ name: String) -> Bool {
        let calls = result.steps.filter { $0.actor == name && $0.status == .passed }
        guard let linger = calls.lastIndex(where: { $0.action == "setsockopt SO_LINGER 1 0" }) else { return false }
        return calls[linger...].contains { $0.action == "close" }
    }

    /// The lab's name for the socket with these ends.
    func socketName(local: Endpoint, remote: Endpoint, time: Int64) -> String {
        socketName(for: KernelEvent(kind: .state, time: time, source: local, destination: remote, oldState: nil, newState: nil, reason: nil, flags: nil, socket: 0))
    }
}
