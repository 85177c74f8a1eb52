import Foundation
import TCPLabEngine
import TCPLabReport
import XCTest

/// The annotated captures in Captures/ come from real runs of the labs. A fresh run must
/// still show the same pattern: per connection, who sent which opening, data, closing and
/// resetting segments, with which flags and labels (not sequence numbers or times).
final class LabCaptureTests: XCTestCase {
    /// The repository's Captures/ directory.
    private var captures: URL { TestEnvironment.packageRoot.appendingPathComponent("Captures") }

    /// Every built-in lab has a committed capture, and a fresh run matches its pattern.
    func testFreshRunsShowTheCommittedPatterns() throws {
        try TestEnvironment.requireRoot()
        for name in LabCatalog.names {
            let committed = captures.appendingPathComponent("\(name).pcapng").path
            XCTAssertTrue(FileManager.default.fileExists(atPath: committed), "Captures/\(name).pcapng is missing")
            let fresh = try LabRuns.result(name)
            let expected = try CapturePattern.of(file: committed)
            let observed = CapturePattern.of(fresh.events)
            XCTAssertEqual(observed.count, expected.count, "\(name): number of connections")
            for stream in expected.keys.sorted() {
                XCTAssertEqual(observed[stream] ?? [], expected[stream] ?? [], "\(name): stream \(stream)")
            }
        }
    }

    /// The capture a run writes carries each segment's annotation as its packet comment,
    /// which tshark reads back as frame.comment.
    func testLabCaptureOpensInTsharkWithTheAnnotations() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTool("tshark")
        let result = try LabRuns.result("half-close")
        let path = try XCTUnwrap(result.captureFile)
        let run = try ChildProcess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.comment"])
        XCTAssertEqual(run.status, 0, run.error)
        let comments = run.output.split(separator: "\n")
        XCTAssertEqual(comments.count, result.packetsCaptured)
        // Captured: the first segment is the client's SYN, with both sides' states.
        XCTAssertEqual(comments.first, "stream 0: handshake 1/3; client SYN-SENT, server LISTEN; client CLOSED → SYN-SENT by closed/active-open (RFC 9293 §3.10.1)")
        XCTAssertTrue(comments.contains { $0.contains("FIN (half-close)") })
    }
}
