import Foundation
import Glibc
import TCPLabCapture
import TCPLabPacket
import TCPLabSystem

/// One capture, made once per test run, of the lifecycle events the analysis must explain.
///
/// | server port | what happens |
/// |---|---|
/// | 8080 | request and reply, the client closes first; then a half-close with a 100 KiB reply; then an RST from SO_LINGER {on, 0} |
/// | 9    | a connect with no listener: refused |
/// | 8081 | IPv6: the server closes first |
/// | 8082 | a listener with backlog 0 that does not accept: the second client's SYN is dropped and sent again |
/// | 8083 | SO_KEEPALIVE with TCP_KEEPIDLE 1 s: one keep-alive probe and its ACK |
/// | 8084 | a receiver with a 4 KiB SO_RCVBUF that stops reading: zero window, zero-window probe, then a window update |
enum LifecycleRecording {
    static let ports = (exchange: UInt16(8080), refused: UInt16(9), ipv6: UInt16(8081),
                        backlog: UInt16(8082), keepAlive: UInt16(8083), zeroWindow: UInt16(8084))

    /// The tcpdump file, and what the live capture saw; recorded on first use.
    static func recording() throws -> (path: String, live: [CapturedPacket]) {
        try cached.get()
    }

    /// Where the recording is kept while the tests run; removed when the test process exits.
    private static let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-lifecycle-\(getpid()).pcap").path

    private static let cached: Result<(path: String, live: [CapturedPacket]), any Error> = Result {
        atexit { unlink(LifecycleRecording.path) }
        let (status, live) = try recordOnLoopback(to: path, runScenarios)
        guard status == 0 else { throw RecordingError.expectedSegmentNotSeen("tcpdump exited with status \(status)") }
        return (path, live)
    }

    private static func runScenarios(_ capture: LiveCapture) throws {
        let p = ports
        let listener = try TestSocket()
        try listener.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
        try listener.bind(.v4(p.exchange))
        try listener.listen(backlog: 8)

        // Request and reply; the client closes first.
        do {
            let client = try TestSocket()
            try client.connect(.v4(p.exchange))
            let server = try listener.accept()
            try client.send(Array("hello".utf8))
            _ = try server.receive(exactly: 5)
            try server.send(Array("world".utf8))
            _ = try client.receive(exactly: 5)
            client.close()
            _ = try server.receive()  // 0 bytes: the client's FIN.
            server.close()
        }
        // Half-close: the client shuts down its sending side; the server still replies.
        do {
            let client = try TestSocket()
            try client.connect(.v4(p.exchange))
            let server = try listener.accept()
            try client.send(Array("GET".utf8))
            try client.shutdown(Int32(SHUT_WR))
            _ = try server.receive(exactly: 3)
            _ = try server.receive()  // 0: end of the request.
            try server.send([UInt8](repeating: 0x78, count: 100_000))
            _ = try client.receive(exactly: 100_000)
            server.close()
            _ = try client.receive()
            client.close()
        }
        // Abort: SO_LINGER {on, 0} makes close() send RST.
        do {
            let client = try TestSocket()
            try client.connect(.v4(p.exchange))
            let server = try listener.accept()
            let clientPort = client.localPort
            try client.setLingerZero()
            client.close()
            try capture.expectSegment("the client's RST") { $0.source.port == clientPort && $0.flags.contains(.rst) }
            server.close()
        }
        listener.close()

        // Refused: nothing listens on port 9.
        do {
            let client = try TestSocket()
            do { try client.connect(.v4(p.refused)) } catch let error as SystemCallError where error.errno.name == "ECONNREFUSED" {}
            client.close()
        }

        // IPv6, and the server closes first.
        do {
            let listener6 = try TestSocket(ipv6: true)
            try listener6.bind(.v6(p.ipv6))
            try listener6.listen(backlog: 1)
            let client = try TestSocket(ipv6: true)
            try client.connect(.v6(p.ipv6))
            let server = try listener6.accept()
            try client.send(Array("v6".utf8))
            _ = try server.receive(exactly: 2)
            server.close()
            _ = try client.receive()
            client.close()
            try capture.expectSegment("the IPv6 connection's last ACK") { $0.source.port == p.ipv6 && $0.flags == .ack && $0.source.address.isIPv6 }
            listener6.close()
        }

        // The three timer-driven scenarios run side by side, so the run waits about one
        // second in all, for the kernel's own timers.
        let backlogListener = try TestSocket()
        try backlogListener.bind(.v4(p.backlog))
        try backlogListener.listen(backlog: 0)  // Admits backlog + 1 = 1 connection.
        let first = try TestSocket()
        try first.connect(.v4(p.backlog))
        let second = try TestSocket(nonBlocking: true)
        try second.startConnect(.v4(p.backlog))
        let secondPort = second.localPort

        let keepAliveListener = try TestSocket()
        try keepAliveListener.bind(.v4(p.keepAlive))
        try keepAliveListener.listen(backlog: 1)
        let prober = try TestSocket()
        try prober.setOption(SOL_SOCKET, SO_KEEPALIVE, 1)
        try prober.setOption(Int32(IPPROTO_TCP), TCP_KEEPIDLE, 1)
        try prober.setOption(Int32(IPPROTO_TCP), TCP_KEEPINTVL, 1)
        try prober.connect(.v4(p.keepAlive))
        let keptAlive = try keepAliveListener.accept()
        let proberPort = prober.localPort

        let zeroListener = try TestSocket()
        try zeroListener.bind(.v4(p.zeroWindow))
        try zeroListener.listen(backlog: 1)
        let reader = try TestSocket()
        try reader.setOption(SOL_SOCKET, SO_RCVBUF, 4096)
        try reader.connect(.v4(p.zeroWindow))
        let writer = try zeroListener.accept(nonBlocking: true)
        try writer.setOption(SOL_SOCKET, SO_SNDBUF, 8192)  // Small, so the file stays small.
        let written = try writer.sendUntilFull()
        try capture.expectSegment("a zero window from the reader") { $0.source.port != p.zeroWindow && $0.destination.port == p.zeroWindow && $0.window == 0 }
        try capture.expectSegment("a zero-window probe", timeout: .seconds(5)) { segment in
            segment.source.port == p.zeroWindow && segment.payloadLength == 0 && segment.flags == .ack && segment.window > 0
                && !capture.segments { $0.destination.port == p.zeroWindow && $0.window == 0 && $0.acknowledgmentNumber == segment.sequenceNumber &+ 1 }.isEmpty
        }
        _ = try reader.receive(exactly: written)  // Reading opens the window again.

        try capture.expectSegment("the dropped SYN sent again") { segment in
            segment.source.port == secondPort && segment.flags == .syn
                && capture.segments { $0.source.port == secondPort && $0.flags == .syn }.count >= 2
        }
        try capture.expectSegment("a keep-alive probe") { segment in
            segment.source.port == proberPort && segment.payloadLength == 0 && segment.flags == .ack
                && !capture.segments { $0.source.port == proberPort && $0.sequenceNumber == segment.sequenceNumber &+ 1 }.isEmpty
        }
        try capture.expectSegment("the keep-alive ACK") { $0.source.port == p.keepAlive && $0.destination.port == proberPort && $0.flags == .ack }
        // Accepting makes room; the next SYN retransmission would complete. Close everything.
        for socket in [first, second, backlogListener, prober, keptAlive, keepAliveListener, reader, writer, zeroListener] {
            socket.close()
        }
    }
}
