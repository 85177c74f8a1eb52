import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import XCTest

/// The events `tcplab watch` prints, found in the committed lifecycle capture (recorded by
/// tcpdump from real sockets; see ``LifecycleRecording``) read as a live watch reads: an
/// analyzer that holds nothing back, so each segment is told as it arrives.
final class LifecycleEventTests: XCTestCase {
    /// Every event, as "stream: description".
    private func events() throws -> [String] {
        let reader = try CaptureFileReader(path: TestEnvironment.packageRoot.appendingPathComponent("Captures/lifecycle.pcapng").path)
        let analyzer = TCPAnalyzer(holdBackLimit: 0)
        var detector = LifecycleEventDetector()
        var found: [String] = []
        var frame = 0
        func drain() {
            while let event = analyzer.nextEvent() {
                for lifecycle in detector.events(in: event) {
                    found.append("\(lifecycle.segment.stream): \(lifecycle.kind)")
                }
            }
        }
        while let packet = try reader.next() {
            frame += 1
            analyzer.process(frame: frame, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            drain()
        }
        analyzer.finish()
        drain()
        XCTAssertEqual(detector.rememberedConnections, 0, "every connection's memory goes with its summary")
        return found
    }

    /// Request, reply, the client closes first: the handshake with its round trip, the
    /// client's FIN, the server's FIN, and the client in TIME-WAIT.
    func testCloseByTheClientIsFourEvents() throws {
        let stream0 = try events().filter { $0.hasPrefix("0: ") }
        XCTAssertEqual(stream0, [
            "0: handshake completed, round trip 0.316 ms", "0: FIN from the client (active close)",
            "0: FIN from the server (passive close)", "0: the client entered TIME-WAIT",
        ])
    }

    /// The half-close shows when the server sends after the client's FIN.
    func testHalfCloseIsToldWhenThePeerSendsOn() throws {
        let stream1 = try events().filter { $0.hasPrefix("1: ") }
        XCTAssertEqual(Array(stream1.dropFirst().prefix(2)), [
            "1: FIN from the client (active close)", "1: half-close: the server still sends after the client's FIN",
        ])
    }

    /// The abort, the refusal, the dropped SYN sent again, and the zero window.
    func testResetRefusalResentSYNAndZeroWindow() throws {
        let all = try events()
        XCTAssertTrue(all.contains("2: reset by the client"), "\(all)")
        XCTAssertTrue(all.contains("3: connection refused (RST answered the SYN)"), "\(all)")
        XCTAssertTrue(all.contains("6: SYN sent again"), "\(all)")
        XCTAssertTrue(all.contains("8: zero window from the client"), "\(all)")
        XCTAssertTrue(all.contains("5: reset by the server"), "\(all)")
    }
}
