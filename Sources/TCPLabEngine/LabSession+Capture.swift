import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension LabSession {
    /// The analysis of `packets`: every event, and the annotated segments among them.
    func analyse(_ packets: [CapturedPacket], finish: Bool) -> (events: [AnalysisEvent], segments: [AnnotatedSegment]) {
        let analyzer = TCPAnalyzer()
        analysedPackets = packets
        analyzer.unprocessedFrames = framesTheKernelRefused(packets)
        var events: [AnalysisEvent] = []
        let fragments = FragmentReassembler()
        for (index, packet) in packets.enumerated() {
            let decoded = packet.decode(reassembling: fragments)
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: decoded, context: CapturedPacket.Reference(packet))
            while let event = analyzer.nextEvent() { events.append(event) }
        }
        if finish { analyzer.finish() }
        while let event = analyzer.nextEvent() { events.append(event) }
        let segments = events.compactMap { event -> AnnotatedSegment? in
            if case .segment(let segment, _) = event { return segment }
            return nil
        }
        return (events, segments)
    }

    func matches(_ pattern: SegmentPattern, _ segment: AnnotatedSegment) -> Bool {
        if let from = pattern.from, actor(for: segment.segment.source, time: segment.timestamp) != from { return false }
        if let to = pattern.to, actor(for: segment.segment.destination, time: segment.timestamp) != to { return false }
        if let flags = pattern.flags, !segment.segment.flags.isSuperset(of: flags) { return false }
        if let without = pattern.withoutFlags, !segment.segment.flags.isDisjoint(with: without) { return false }
        if let label = pattern.label, !segment.labels.contains(label) { return false }
        if let payload = pattern.payload {
            guard analysedPackets.indices.contains(segment.frame - 1),
                let bytes = analysedPackets[segment.frame - 1].capturedPayload(of: segment.segment),
                bytes.starts(with: payload)
            else { return false }
        }
        return pattern.matchesFields(segment)
    }

    /// Stops the capture, analyses it, checks the capture expectations, and writes the
    /// annotated pcapng.
    func finishCapture(path: String?) throws {
        guard let capture else { return }
        self.capture = nil
        // The kernel log stops first: every transition it holds was caused by a packet the
        // capture already has, or by a call whose packet is still captured.
        stopKernelLog()
        let (packets, statistics) = try capture.stop()
        result.packetsCaptured = packets.count
        result.packetsDropped = Int(statistics.dropped)
        let (events, segments) = analyse(packets, finish: true)
        result.events = events
        let first = packets.first?.timestamp.nanoseconds ?? 0
        result.segments = segments.map { segment in
            SegmentRecord(
                frame: segment.frame, stream: segment.stream, time: Double(segment.timestamp - first) / 1e9,
                from: actor(for: segment.segment.source, time: segment.timestamp),
                to: actor(for: segment.segment.destination, time: segment.timestamp),
                flags: segment.segment.flags.letters, seq: segment.relativeSequence, ack: segment.relativeAcknowledgment,
                len: segment.segment.payloadLength, window: segment.window, labels: segment.labels.map(\.description),
                clientState: segment.clientState.rawValue, serverState: segment.serverState.rawValue,
                sender: segment.sender == .client ? "client" : "server", analysis: segment.analysis.names,
                transition: TransitionRecord(segment))
        }
        if result.error == nil {
            for expectation in lab.capture { result.capture.append(evaluate(expectation, segments)) }
            result.capture += evaluateReaches(segments)
        }
        recordKernelLog(firstTimestamp: packets.first?.timestamp.nanoseconds, segments: segments)
        if let path {
            try createParentDirectory(of: path)
            let writer = try AnnotatedCaptureWriter(path: path)
            for event in events { try writer.write(event) }
            try writer.close()
            result.captureFile = path
        }
    }

    func evaluate(_ expectation: CaptureExpectation, _ segments: [AnnotatedSegment]) -> ExpectationResult {
        switch expectation.kind {
        case .count(let pattern, let count):
            let frames = segments.filter { matches(pattern, $0) }.map(\.frame)
            var observed = "\(frames.count) matching"
            if !frames.isEmpty { observed += " (" + Self.frameList(frames) + ")" }
            return ExpectationResult(line: expectation.line, expectation: expectation.description, observed: observed, passed: count.allows(Double(frames.count)), values: [Double(frames.count)])
        case .order(let patterns):
            var found: [Int] = []
            var index = 0
            for pattern in patterns {
                while index < segments.count && !matches(pattern, segments[index]) { index += 1 }
                guard index < segments.count else { break }
                found.append(segments[index].frame)
                index += 1
            }
            let passed = found.count == patterns.count
            var observed: String
            if passed {
                observed = "in order, " + Self.frameList(found)
            } else {
                observed = "only the first \(found.count) of \(patterns.count) in order"
                if !found.isEmpty { observed += " (" + Self.frameList(found) + ")" }
                observed += "; missing after them: \(patterns[found.count])"
            }
            return ExpectationResult(line: expectation.line, expectation: expectation.description, observed: observed, passed: passed)
        case .gap(let from, let to, let seconds):
            let (observed, passed, gap) = evaluateGap(from: from, to: to, seconds: seconds, segments)
            return ExpectationResult(line: expectation.line, expectation: expectation.description, observed: observed, passed: passed, values: gap.map { [$0] } ?? [])
        case .gaps(let pattern, let ratio):
            let (observed, passed, gaps) = evaluateGaps(pattern, ratio: ratio, segments)
            return ExpectationResult(line: expectation.line, expectation: expectation.description, observed: observed, passed: passed, values: gaps)
        }
    }
}

extension LabSession {
    /// "frame 7" or "frames 3, 5, 9, ..." (at most eight numbers).
    static func frameList(_ frames: [Int]) -> String {
        let numbers = frames.prefix(8).map(String.init).joined(separator: ", ")
        let more = frames.count > 8 ? ", ..." : ""
        return (frames.count == 1 ? "frame " : "frames ") + numbers + more
    }
}

/// Makes `directory` and the directories above it (mkdir -p), and checks that it can be
/// written, so a run fails before its labs rather than after.
public func prepareOutputDirectory(_ directory: String) throws {
    try createParentDirectory(of: directory + "/x")
    try systemCall("access(\(directory), W_OK)") { access(directory, W_OK) }
}

/// Makes the directories above `path` (mkdir -p of its dirname).
func createParentDirectory(of path: String) throws {
    var components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
    guard !components.isEmpty else { return }
    var current = path.hasPrefix("/") ? "" : "."
    if path.hasPrefix("/") { components = components.dropFirst() }
    for component in components where !component.isEmpty {
        current += "/" + component
        let made = try systemCall("mkdir(\(current))") { () -> Int32 in
            // An existing directory is what we want: report it as success.
            mkdir(current, 0o755) == 0 || errno == EEXIST ? 0 : -1
        }
        _ = made
    }
}
