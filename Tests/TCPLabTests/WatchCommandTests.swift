import Foundation
import Glibc
import TCPLabCapture
import TCPLabIsolation
import TCPLabPacket
import XCTest

/// `tcplab watch` on a fresh network namespace's loopback, with real sockets: the events it
/// prints as they happen, the table Ctrl-C prints, and the annotated capture it keeps.
final class WatchCommandTests: XCTestCase {
    /// Waits until the file at `path` contains every one of `texts`, or `seconds` pass.
    private func waitForOutput(_ path: String, containing texts: [String], seconds: Double = 10) -> String {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if texts.allSatisfy(text.contains) { return text }
            usleep(20_000)
        }
        return text
    }

    /// A request, a reply and a close by the client, then a connect to a port nobody listens
    /// on. watch prints the handshake with its round trip, both FINs, the client's TIME-WAIT
    /// and the refusal as they happen, each with both endpoints' states; SIGINT (Ctrl-C)
    /// prints the table of both connections, writes the annotated capture, and exits 0.
    func testWatchTellsEachEventThenTheTableOnCtrlC() throws {
        try TestEnvironment.requireRoot()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let out = directory.appendingPathComponent("out").path
        let written = directory.appendingPathComponent("watch.pcapng").path
        let events = [
            "handshake completed, round trip", "FIN from the client (active close); client FIN-WAIT-1, server CLOSE-WAIT",
            "FIN from the server (passive close)", "the client entered TIME-WAIT; client TIME-WAIT",
            "connection refused (RST answered the SYN); client CLOSED, server CLOSED",
        ]
        let (status, printed) = try NetworkNamespace.run { () throws -> (Int32, String) in
            let watch = try ChildProcess([TestEnvironment.tcplab, "watch", "--write", written], stdoutPath: out, pipeStderr: true)
            guard try watch.waitForErrorLine(containing: "watching lo", timeout: 10) else {
                watch.signal(SIGKILL)
                try watch.wait()
                throw RecordingError.expectedSegmentNotSeen("watch did not start")
            }
            do {
                let listener = try TestSocket()
                try listener.bind(.v4(8080))
                try listener.listen(backlog: 4)
                let client = try TestSocket()
                try client.connect(.v4(8080))
                let server = try listener.accept()
                try client.send(Array("hello".utf8))
                _ = try server.receive(exactly: 5)
                try server.send(Array("world".utf8))
                _ = try client.receive(exactly: 5)
                client.close()
                _ = try server.receive()  // 0 bytes: the client's FIN.
                server.close()
                listener.close()
                let refused = try TestSocket()
                XCTAssertThrowsError(try refused.connect(.v4(9)))
                refused.close()
            }
            let printed = self.waitForOutput(out, containing: events)
            watch.signal(SIGINT)
            return (try watch.wait(), printed)
        }
        for event in events { XCTAssertTrue(printed.contains(event), "\(event) not in:\n\(printed)") }
        XCTAssertEqual(status, 0)
        let final = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(final.contains("stream        start    duration  client"), final)
        XCTAssertTrue(final.contains("2 of 2 connections shown"), final)
        let table = final.split(separator: "\n").filter { $0.contains("127.0.0.1:8080") || $0.hasSuffix("127.0.0.1:9") || $0.contains("127.0.0.1:9 ") }
        XCTAssertTrue(table.contains { $0.contains(" SF ") && $0.contains("ShADadFf") }, final)
        XCTAssertTrue(table.contains { $0.contains(" REJ ") && $0.contains(" Sr ") }, final)

        // The annotated capture, written on the way out, reads back with every segment's note.
        let reader = try CaptureFileReader(path: written)
        var comments: [String] = []
        while let packet = try reader.next() { comments.append(packet.comment ?? "") }
        XCTAssertGreaterThanOrEqual(comments.count, 12)
        XCTAssertTrue(comments[0].contains("handshake 1/3"), comments[0])
        XCTAssertTrue(comments.contains { $0.contains("RST (connection refused)") })
    }

    /// --segments prints every segment as it arrives, before the events it shows.
    func testSegmentsPrintsEverySegment() throws {
        try TestEnvironment.requireRoot()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let out = directory.appendingPathComponent("out").path
        let printed = try NetworkNamespace.run { () throws -> String in
            let watch = try ChildProcess([TestEnvironment.tcplab, "watch", "--segments", "port", "9"], stdoutPath: out, pipeStderr: true)
            guard try watch.waitForErrorLine(containing: "watching lo", timeout: 10) else {
                watch.signal(SIGKILL)
                try watch.wait()
                throw RecordingError.expectedSegmentNotSeen("watch did not start")
            }
            let refused = try TestSocket()
            XCTAssertThrowsError(try refused.connect(.v4(9)))
            refused.close()
            let printed = self.waitForOutput(out, containing: ["connection refused"])
            watch.signal(SIGINT)
            XCTAssertEqual(try watch.wait(), 0)
            return printed
        }
        let lines = printed.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, printed)
        XCTAssertTrue(lines[0].contains(" > 127.0.0.1:9  S seq=0 ack=0 len=0"), printed)
        XCTAssertTrue(lines[0].hasSuffix("handshake 1/3; client SYN-SENT, server LISTEN"), printed)
        XCTAssertTrue(lines[1].contains("127.0.0.1:9 > "), printed)
        XCTAssertTrue(lines[1].contains("RST (connection refused)"), printed)
        XCTAssertTrue(lines[2].contains("connection refused"), printed)
    }

    /// Without CAP_NET_RAW there is no packet socket: one line naming the capability, and
    /// exit status 1. As root the capability is dropped with setpriv(1) first; an ordinary
    /// user has none. (timeout(1) ends the watch should it start after all, failing the test.)
    func testWithoutCapNetRawWatchSaysSoInOneLine() throws {
        var command = ["timeout", "-s", "INT", "20"]
        if TestEnvironment.isRoot {
            try TestEnvironment.requireTool("setpriv")
            command += ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"]
        }
        let result = try ChildProcess.run(command + [TestEnvironment.tcplab, "watch"])
        XCTAssertEqual(result.status, 1)
        let lines = result.error.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.error)
        XCTAssertTrue(result.error.contains("CAP_NET_RAW"), result.error)
        XCTAssertEqual(result.output, "")
    }
}
