import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabEngine
import TCPLabPacket
import TCPLabReport
import XCTest

/// Runs each built-in lab once per test process, for all the tests that read its result.
///
/// A lab takes real time (the backlog lab waits for the kernel's SYN retransmissions), and
/// the tests of one lab each assert one fact of the same run, as the lab's report does.
enum LabRuns {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var results: [String: LabResult] = [:]
    nonisolated(unsafe) private static var directory: URL?

    /// Where this process's lab captures go.
    static var captureDirectory: URL {
        lock.lock()
        defer { lock.unlock() }
        if let directory { return directory }
        let made = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-labs-\(getpid())")
        try? FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        directory = made
        // The captures live as long as the test process; remove them when it exits.
        atexit {
            if let directory = LabRuns.directory { try? FileManager.default.removeItem(at: directory) }
        }
        return made
    }

    /// The result of running the built-in lab `name` (run on first use).
    ///
    /// Needs root, and never skips: check first with `try TestEnvironment.requireRoot()` as
    /// a statement of its own (``LabTestCase`` does, in setUpWithError), so that the skip is
    /// not thrown inside an assertion's argument, where it would count as a failure.
    static func result(_ name: String) throws -> LabResult {
        guard TestEnvironment.isRoot else {
            throw EnvironmentFailure("LabRuns.result(\"\(name)\") needs root: call try TestEnvironment.requireRoot() first, as a statement")
        }
        let path = captureDirectory.appendingPathComponent("\(name).pcapng").path
        lock.lock()
        defer { lock.unlock() }
        if let result = results[name] { return result }
        let result = LabRunner().run(try LabCatalog.lab(name), capturePath: path)
        results[name] = result
        return result
    }
}

extension LabResult {
    /// The first step by `actor` whose action starts with `action`, at or after `index`.
    func step(_ actor: String, _ action: String, file: StaticString = #filePath, line: UInt = #line) -> StepResult? {
        let found = steps.first { $0.actor == actor && $0.action.hasPrefix(action) }
        if found == nil { XCTFail("no step '\(actor): \(action)' in \(name)", file: file, line: line) }
        return found
    }

    /// The steps by `actor` whose action starts with `action`.
    func steps(_ actor: String, _ action: String) -> [StepResult] {
        steps.filter { $0.actor == actor && $0.action.hasPrefix(action) }
    }

    /// Segments from `from` to `to` with all of `flags` (letters) and, if given, the label.
    func segments(from: String? = nil, to: String? = nil, flags: String = "", label: String? = nil) -> [SegmentRecord] {
        segments.filter { segment in
            (from == nil || segment.from == from) && (to == nil || segment.to == to)
                && flags.allSatisfy { segment.flags.contains($0) }
                && (label == nil || segment.labels.contains(label!))
        }
    }

    /// The kernel's record of the lab socket `name` in the snapshot taken at `moment`
    /// (a prefix: "check at line", "after the last step"), latest first.
    func kernelSockets(named name: String) -> [KernelSnapshot.NamedSocket] {
        kernel.reversed().flatMap { $0.sockets.filter { $0.name == name } }
    }

    /// A report of the failed steps and expectations, for assertion messages.
    var failures: String {
        let steps = self.steps.filter { $0.status == .failed }.map { "line \($0.line): \($0.actor) \($0.action) → \($0.observed)" }
        let capture = self.capture.filter { !$0.passed }.map { "line \($0.line): \($0.expectation) → \($0.observed)" }
        let kernel = kernelAgreement.filter { !$0.agrees }.map { "kernel log: \($0.seenBy) \($0.socket) \($0.from) → \($0.to): \($0.verdict)" }
        return (steps + capture + kernel + (error.map { [$0] } ?? [])).joined(separator: "\n")
    }
}

/// The shape of a capture, without numbers or times: per connection, the segments that
/// open, carry data, close or reset it, as (sender side, flags, labels), repeated ones
/// collapsed. Pure ACKs, the number of data segments, PSH and a data segment sent twice as
/// the capture stops depend on timing (delayed ACKs, how the kernel splits a write), so
/// they are left out; what the lab teaches is not. So is which segment acknowledges a FIN:
/// a bare ACK, or the receiver's own FIN when its close came first, is a race between the
/// kernel's ACK and the application's close() (and a last ACK may fall after the capture
/// stops).
enum CapturePattern {
    static func of(_ events: [AnalysisEvent]) -> [Int: [String]] {
        var pattern: [Int: [String]] = [:]
        for case .segment(let segment, _) in events {
            let flags = segment.segment.flags
            let meaningful = !flags.isDisjoint(with: [.syn, .fin, .rst]) || segment.segment.payloadLength > 0
                || segment.labels.contains(.handshakeACK)
            guard meaningful else { continue }
            var labels = segment.labels.filter { $0 != .pureACK && $0 != .ackOfFIN }
            // How a bulk transfer is cut into segments, where PSH falls, and whether one of
            // them goes out twice as the capture stops are timing, not lessons.
            if segment.segment.payloadLength > 0 && !flags.contains(.syn) {
                labels = labels.filter { $0 != .retransmission && $0 != .outOfOrder }
                if !labels.contains(.data) { labels.append(.data) }
            }
            let letters = flags.subtracting(.psh).letters
            let entry = "\(segment.sender) \(letters) [\(labels.map(\.description).joined(separator: ", "))]"
            if pattern[segment.stream]?.last != entry { pattern[segment.stream, default: []].append(entry) }
        }
        return pattern
    }

    /// The pattern of a capture file, analysed as `tcplab inspect` does.
    static func of(file path: String) throws -> [Int: [String]] {
        let reader = try CaptureFileReader(path: path)
        let analyzer = TCPAnalyzer()
        var events: [AnalysisEvent] = []
        var frame = 0
        while let packet = try reader.next() {
            frame += 1
            analyzer.process(frame: frame, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            while let event = analyzer.nextEvent() { events.append(event) }
        }
        analyzer.finish()
        while let event = analyzer.nextEvent() { events.append(event) }
        return of(events)
    }
}
