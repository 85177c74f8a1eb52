import TCPLabKernel
import XCTest

/// The kernel's record of what a handshake settled (`struct tcp_info`), read from the
/// INET_DIAG_INFO attribute of a sock_diag reply as `ss -i` reads it.
final class TCPInfoTests: XCTestCase {
    /// A netlink reply for one ESTABLISHED socket with a MEMINFO attribute, then the
    /// tcp_info attribute: timestamps and window scale in use, SACK not; the peer's shift 1
    /// and its own 10 in the low and high halves of one byte; MSS 1448, advertised 1460.
    private func reply(infoLength: Int = 104) -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        let meminfo = 4 + 16
        let info = 4 + infoLength
        let padded = (info + 3) / 4 * 4
        u32(UInt32(16 + 72 + meminfo + padded)); u16(20); u16(2); u32(1); u32(0)
        // inet_diag_msg: AF_INET, ESTABLISHED, no timer; ports 8080 and 50000; addresses.
        bytes += [2, 1, 0, 0, 0x1F, 0x90, 0xC3, 0x50]
        bytes += [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)
        bytes += [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)
        u32(0); u32(0); u32(0); u32(0); u32(0); u32(0); u32(0); u32(12345)
        // INET_DIAG_MEMINFO (1): four counters, skipped.
        u16(UInt16(meminfo)); u16(1); u32(0); u32(0); u32(0); u32(0)
        // INET_DIAG_INFO (2): struct tcp_info.
        u16(UInt16(info)); u16(2)
        var tcpInfo = [UInt8](repeating: 0, count: infoLength)
        tcpInfo[0] = 1  // TCP_ESTABLISHED
        tcpInfo[5] = 0b101  // TCPI_OPT_TIMESTAMPS | TCPI_OPT_WSCALE
        tcpInfo[6] = 0xA1  // tcpi_snd_wscale 1, tcpi_rcv_wscale 10
        func put(_ value: UInt32, at offset: Int) {
            guard offset + 4 <= tcpInfo.count else { return }
            withUnsafeBytes(of: value.littleEndian) { tcpInfo.replaceSubrange(offset..<(offset + 4), with: $0) }
        }
        put(1448, at: 16)  // tcpi_snd_mss
        put(1460, at: 84)  // tcpi_advmss
        bytes += tcpInfo + [UInt8](repeating: 0, count: padded - info)
        u32(20); u16(3); u16(2); u32(1); u32(0); u32(0)
        return bytes
    }

    /// The options, both shifts and both sizes come out of the reply as ss -i shows them.
    func testDecodesTheHandshakesOutcomeFromTheReply() throws {
        var sockets: [KernelSocket] = []
        let bytes = reply()
        _ = try bytes.withUnsafeBytes { try SocketDiagnostics.decode($0, into: &sockets) }
        let info = try XCTUnwrap(sockets.first?.info)
        XCTAssertEqual(info.options, [.timestamps, .windowScale])
        XCTAssertEqual(info.options.names, ["wscale", "timestamps"])
        XCTAssertEqual(info.sendWindowScale, 1)
        XCTAssertEqual(info.receiveWindowScale, 10)
        XCTAssertEqual(info.sendMSS, 1448)
        XCTAssertEqual(info.advertisedMSS, 1460)
        XCTAssertEqual(info.summary, "ts wscale:1,10 mss:1448 advmss:1460")
    }

    /// A tcp_info shorter than the fields read (an attribute cut short) gives no record
    /// rather than numbers read past its end; the socket itself is still listed.
    func testAShortInfoAttributeGivesNoRecord() throws {
        var sockets: [KernelSocket] = []
        let bytes = reply(infoLength: 40)
        _ = try bytes.withUnsafeBytes { try SocketDiagnostics.decode($0, into: &sockets) }
        XCTAssertEqual(sockets.count, 1)
        XCTAssertNil(sockets.first?.info)
    }
}
