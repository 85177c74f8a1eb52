import TCPLabAnalysis
import TCPLabIsolation
import TCPLabKernel
import TCPLabPacket
import TCPLabSystem
import XCTest

/// sock_diag replies decoded as `ss -tan` shows them.
final class SocketDiagnosticsTests: XCTestCase {
    /// A netlink reply holding one inet_diag_msg for a TIME-WAIT socket, then NLMSG_DONE,
    /// built byte by byte as the kernel lays them out (linux/inet_diag.h).
    func testDecodesATimeWaitRecord() throws {
        var bytes: [UInt8] = []
        func u16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        // nlmsghdr: length 16 + 72, type 20 (SOCK_DIAG_BY_FAMILY), flags, sequence, port id.
        u32(16 + 72); u16(20); u16(2); u32(1); u32(0)
        // inet_diag_msg: family AF_INET, state 6 (TIME_WAIT), timer 3 (timewait), retransmits 0.
        bytes += [2, 6, 3, 0]
        bytes += [0x1F, 0x90, 0xC3, 0x50]  // ports 8080 and 50000, big-endian
        bytes += [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)  // source
        bytes += [127, 0, 0, 2] + [UInt8](repeating: 0, count: 12)  // destination
        u32(0); u32(0); u32(0)  // interface, cookie
        u32(59_900); u32(0); u32(0); u32(0); u32(0)  // expires ms, rqueue, wqueue, uid, inode
        // nlmsghdr: NLMSG_DONE, with its 4-byte error field.
        u32(20); u16(3); u16(2); u32(1); u32(0); u32(0)

        var sockets: [KernelSocket] = []
        let done = try bytes.withUnsafeBytes { try SocketDiagnostics.decode($0, into: &sockets) }
        XCTAssertTrue(done)
        let socket = try XCTUnwrap(sockets.first)
        XCTAssertEqual(socket.state, .timeWait)
        XCTAssertEqual(socket.local.description, "127.0.0.1:8080")
        XCTAssertEqual(socket.remote.description, "127.0.0.2:50000")
        XCTAssertEqual(socket.timer, .timewait)
        XCTAssertEqual(socket.expiresMilliseconds, 59_900)
        XCTAssertTrue(socket.line.hasPrefix("TIME-WAIT"))
        XCTAssertTrue(socket.line.hasSuffix("timer:(timewait,59.9s,0)"))
    }

    /// The kernel's own listing of a listener agrees with ss: Recv-Q 0, Send-Q the backlog.
    func testListsAListenerInItsNamespace() throws {
        try TestEnvironment.requireRoot()
        let listed = try NetworkNamespace.run { () throws -> [KernelSocket] in
            let listener = try TestSocket()
            try listener.bind(.v4(7070))
            try listener.listen(backlog: 5)
            defer { listener.close() }
            return try SocketDiagnostics.tcpSockets()
        }
        let record = try XCTUnwrap(listed.first)
        XCTAssertEqual(listed.count, 1, "a fresh namespace holds only the test's socket")
        XCTAssertEqual(record.state, .listen)
        XCTAssertEqual(record.local.description, "127.0.0.1:7070")
        XCTAssertEqual(record.sendQueue, 5)
    }
}
