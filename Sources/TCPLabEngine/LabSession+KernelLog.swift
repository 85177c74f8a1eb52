import Synchronization
import TCPLabAnalysis
import TCPLabKernelLog
import TCPLabPacket
import TCPLabReport

/// Whether labs may record the kernel log, learned by the first lab that tries; shared by
/// the runs of one runner so an unprivileged run tries once and says why once.
final class KernelLogAvailability: Sendable {
    /// Why the kernel log is off, once known.
    let offReason = Mutex<String?>(nil)
}

extension LabSession {
    /// Starts the kernel log for the lab's namespace, unless it is known to be off; a
    /// refusal turns it off for this lab (and, when it is for lack of privilege, for the
    /// runner's later labs) with the reason in the result.
    func startKernelLog() {
        guard let availability = kernelLogAvailability else { return }
        if let reason = availability.offReason.withLock({ $0 }) {
            result.kernelLogOff = reason
            return
        }
        do {
            let inode = try KernelLog.currentNetworkNamespaceInode()
            kernelLog = try KernelLog.start(networkNamespaceInode: inode)
        } catch let error as KernelLogError {
            result.kernelLogOff = error.description
            if case .notPermitted = error { availability.offReason.withLock { $0 = error.description } }
        } catch {
            result.kernelLogOff = "\(error)"
        }
    }

    /// Stops the kernel log, keeping its record.
    func stopKernelLog() {
        guard let kernelLog else { return }
        let record = kernelLog.stop()
        kernelRecord = record
        result.kernelLogObjects = (record.programIDs, record.linkIDs)
        if !record.released {
            result.error = (result.error.map { $0 + "; " } ?? "") + "the kernel log's BPF programs were still loaded 2 s after it closed them"
        }
        self.kernelLog = nil
    }

    /// Puts the kernel log in the result: each event on the capture's timeline (seconds
    /// since `firstTimestamp`) and named by its lab socket; then checks it against the
    /// wire's transitions.
    func recordKernelLog(firstTimestamp: Int64?, segments: [AnnotatedSegment]) {
        guard let record = kernelRecord else { return }
        // Without packets, times count from the log's first event.
        let firstTimestamp = firstTimestamp ?? record.events.first?.time ?? 0
        result.kernelClock = KernelClockRecord(
            offset: record.clockAtStart.offset, uncertainty: record.clockAtStart.uncertainty,
            drift: record.clockAtStop.offset - record.clockAtStart.offset)
        if !record.functionProbes {
            let refusal = record.functionProbesRefusal.map { " (\($0.call) failed with \($0.errno.name))" } ?? ""
            result.kernelLogNote = "function probes (fentry/fexit) refused by this kernel\(refusal): timewait sockets are seen through the packets they take, request sockets not at all"
        }
        if record.lostEvents > 0 {
            let note = "the ring buffer refused \(record.lostEvents) of the log's events (bpf_ringbuf_reserve failed); they are missing"
            result.kernelLogNote = result.kernelLogNote.map { $0 + "; " + note } ?? note
        }
        if !record.missedRuns.isEmpty {
            let runs = record.missedRuns.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let note = "the kernel skipped runs of the log's programs (\(runs)): a BPF tracing program does not run again on a CPU where it is still running, as when a softirq handling a packet interrupts its run for another socket; their events are missing"
            result.kernelLogNote = result.kernelLogNote.map { $0 + "; " + note } ?? note
        }
        let events = Self.resolvingEnds(record.events)
        let gaps = logGaps(events, firstTimestamp: firstTimestamp)
        for gap in gaps.values.sorted() {
            let note = "the log lacks moves the kernel made: " + gap
            result.kernelLogNote = result.kernelLogNote.map { $0 + "; " + note } ?? note
        }
        let streams = Self.streamSpans(segments)
        result.kernelLog = events.map { event in
            KernelLogEntry(
                time: Double(event.time - firstTimestamp) / 1e9, socket: socketName(for: event),
                stream: Self.stream(of: event, in: streams), event: event)
        }
        result.kernelAgreement = agreement(segments: segments, events: events, gaps: gaps, firstTimestamp: firstTimestamp)
        markDroppedSegments(segments)
    }

    /// Gives each captured segment the kernel later dropped the drop's words: the same
    /// ends and flags, within a millisecond after the capture's timestamp, each drop given
    /// to one segment.
    func markDroppedSegments(_ segments: [AnnotatedSegment]) {
        var drops = (kernelRecord?.events ?? []).filter { $0.isPacket && $0.oldState?.state != .timeWait }
        for (index, segment) in segments.enumerated() where index < result.segments.count {
            let found = drops.firstIndex { drop in
                drop.source == segment.segment.source && drop.destination == segment.segment.destination
                    && drop.flags == segment.segment.flags && drop.time >= segment.timestamp - 100_000
                    && drop.time - segment.timestamp < 1_000_000
            }
            guard let found else { continue }
            result.segments[index].kernelDrop = drops[found].explanation
            drops.remove(at: found)
        }
    }

    /// Each connection of the capture: its ends and the time of its first and last segment.
    struct StreamSpan {
        var stream: Int
        var ends: Set<Endpoint>
        var first: Int64
        var last: Int64
    }

    static func streamSpans(_ segments: [AnnotatedSegment]) -> [StreamSpan] {
        var spans: [Int: StreamSpan] = [:]
        for segment in segments {
            let ends: Set<Endpoint> = [segment.segment.source, segment.segment.destination]
            if var span = spans[segment.stream] {
                span.last = max(span.last, segment.timestamp)
                spans[segment.stream] = span
            } else {
                spans[segment.stream] = StreamSpan(stream: segment.stream, ends: ends, first: segment.timestamp, last: segment.timestamp)
            }
        }
        return spans.values.sorted { $0.stream < $1.stream }
    }

    /// The connection an event belongs to: same two ends, and of several (a reused port),
    /// the one whose segments lie nearest in time.
    static func stream(of event: KernelEvent, in spans: [StreamSpan]) -> Int? {
        let ends: Set<Endpoint> = [event.source, event.destination]
        func distance(_ span: StreamSpan) -> Int64 {
            event.time < span.first ? span.first - event.time : event.time > span.last ? event.time - span.last : 0
        }
        return spans.filter { $0.ends == ends }.min { distance($0) < distance($1) }?.stream
    }

    /// The events with the ends filled in where the kernel reported a socket without its
    /// port: connect() moves a socket to SYN-SENT before it picks the port, and a socket
    /// that closes gives its port up (to its timewait socket, or back) before its move to
    /// CLOSED is traced. The kernel's address of the socket ties such an event to the same
    /// socket's nearest event with a port: the next one for SYN-SENT, else the last one.
    static func resolvingEnds(_ events: [KernelEvent]) -> [KernelEvent] {
        var resolved = events
        func donates(_ event: KernelEvent, to other: KernelEvent) -> Bool {
            event.socket == other.socket && !event.isPacket && event.source.port != 0 && event.destination.port != 0
        }
        // A socket's life starts when it leaves CLOSED (or is made as a listener's child)
        // and ends when it reaches CLOSED; its kernel address may be reused after that.
        func starts(_ event: KernelEvent) -> Bool {
            event.kind == .state && (event.oldState == .close || (event.oldState?.state == .listen && event.newState?.state == .synReceived))
        }
        func ends(_ event: KernelEvent) -> Bool { event.kind == .state && event.newState == .close }
        for index in resolved.indices where resolved[index].source.port == 0 && resolved[index].socket != 0 && !resolved[index].isPacket {
            let event = resolved[index]
            var donor: KernelEvent?
            if event.kind == .state && event.newState?.state == .synSent {
                for later in events[(index + 1)...] where later.socket == event.socket {
                    if donates(later, to: event) { donor = later; break }
                    if ends(later) { break }
                }
            } else {
                // An RST sent on close comes after the socket's own move to CLOSED.
                var first = true
                for earlier in events[..<index].reversed() where earlier.socket == event.socket {
                    if donates(earlier, to: event) { donor = earlier; break }
                    if starts(earlier) || (ends(earlier) && !(first && event.kind != .state)) { break }
                    first = false
                }
            }
            guard let donor else { continue }
            resolved[index].source = donor.source
            resolved[index].destination = donor.destination
        }
        return resolved
    }


    /// The lab's name for the socket an event concerns: the lab socket with the same ends,
    /// the listener for its request sockets and unaccepted connections, else the actor
    /// that held the local end (or the end itself).
    func socketName(for event: KernelEvent) -> String {
        let local = event.isPacket ? event.destination : event.source
        let remote = event.isPacket ? event.source : event.destination
        let owners = sockets.values.filter { $0.local == local || ($0.isListener && $0.local?.port == local.port) }
        if event.kind != .request && event.kind != .synAckRetransmission,
           let exact = owners.first(where: { !$0.isListener && $0.remote == remote }) {
            return exact.name
        }
        if let listener = owners.first(where: { $0.isListener }) {
            // The listener itself has no remote end; it also sends the RST and drops the
            // packets its queue refuses. Its children share its local end.
            let listening = remote.port == 0 || (event.kind != .state && event.oldState?.state == .listen)
            return listening ? listener.name : "(\(listener.name) queue)"
        }
        return actor(for: local, time: event.time)
    }
}
