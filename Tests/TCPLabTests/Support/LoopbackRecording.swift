import Foundation
import Glibc
import TCPLabCapture
import TCPLabIsolation
import TCPLabPacket
import TCPLabSystem

/// Runs `scenario` inside a fresh network namespace while tcpdump records its `lo` to
/// `path`, and while a TCPLab ``LiveCapture`` watches the same traffic so that the
/// scenario can wait for segments instead of sleeping.
///
/// tcpdump is the reference recorder: the files the tests analyse are written by a real
/// tool, not by TCPLab. It runs in immediate mode with a 32 MiB buffer, so loopback's 64 KiB
/// segments are neither delayed nor dropped.
func recordOnLoopback(to path: String, _ scenario: @escaping (LiveCapture) throws -> Void) throws -> (tcpdump: Int32, live: [CapturedPacket]) {
    try NetworkNamespace.run {
        let tcpdump = try ChildProcess(
            ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-B", "32768", "-s", "0", "-w", path, "tcp"],
            pipeStderr: true)
        let live = LiveCapture(interface: "lo", filter: "tcp")
        do {
            guard try tcpdump.waitForErrorLine(containing: "listening on", timeout: 10) else {
                throw RecordingError.tcpdumpDidNotStart
            }
            try live.start()
            try scenario(live)
        } catch {
            _ = try? live.stop()
            tcpdump.signal(SIGINT)
            _ = try? tcpdump.wait()
            throw error
        }
        // The last segment the scenario caused is in the kernel's buffers by now; stop
        // drains them. tcpdump flushes on SIGINT.
        let (packets, _) = try live.stop()
        tcpdump.signal(SIGINT)
        return (try tcpdump.wait(), packets)
    }
}

enum RecordingError: Error {
    case tcpdumpDidNotStart
    case expectedSegmentNotSeen(String)
}

extension LiveCapture {
    /// Waits for a TCP segment matching `predicate`, or throws after `timeout`.
    @discardableResult
    func expectSegment(_ what: String, timeout: Duration = .seconds(5), where predicate: @escaping (TCPSegment) -> Bool) throws -> TCPSegment {
        let packet = waitForPacket(timeout: timeout) { packet in
            if case .tcp(let segment) = packet.decode() { return predicate(segment) }
            return false
        }
        guard let packet, case .tcp(let segment) = packet.decode() else { throw RecordingError.expectedSegmentNotSeen(what) }
        return segment
    }

    /// The TCP segments captured so far that match `predicate`.
    func segments(where predicate: (TCPSegment) -> Bool) -> [TCPSegment] {
        packets.compactMap { packet in
            if case .tcp(let segment) = packet.decode(), predicate(segment) { return segment }
            return nil
        }
    }
}
