import TCPLabEngine
import TCPLabPacket
import TCPLabReport
import XCTest

/// An IPv6 listener on [::] with and without IPV6_V6ONLY (Labs/dual-stack.yaml).
final class DualStackLabTests: LabTestCase {
    override class var labName: String { "dual-stack" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// An IPv4 client reaches a dual-stack listener over IPv4 on the wire, and the accepted
    /// IPv6 socket's ends are the v4-mapped address ::ffff:127.0.0.1.
    func testIPv4ClientIsAcceptedAsAV4MappedAddress() throws {
        let result = lab
        // The capture names the SYN after client, whose end is 127.0.0.1: IPv4 on the wire.
        XCTAssertEqual(result.segments(from: "client", flags: "S").count, 1)
        let mapped = try XCTUnwrap(result.kernelSockets(named: "mapped").first?.socket)
        let v4Mapped = IPAddress.v6(high: 0, low: 0xFFFF_7F00_0001)
        XCTAssertEqual(mapped.local.address, v4Mapped)
        XCTAssertEqual(mapped.remote.address, v4Mapped)
        let client = try XCTUnwrap(result.kernelSockets(named: "client").first?.socket)
        XCTAssertEqual(client.local.address, .loopbackV4)
        XCTAssertEqual(mapped.remote.port, client.local.port)
    }

    /// Without IPV6_V6ONLY the [::] socket and a 0.0.0.0 socket on one port conflict in
    /// either order; with it, both bind.
    func testBindConflictsAcrossFamiliesOnlyWithoutV6Only() throws {
        let result = lab
        XCTAssertEqual(result.step("v4", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
        XCTAssertEqual(result.step("late", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
        XCTAssertEqual(result.step("v4b", "bind")?.observed, "ok")
        XCTAssertEqual(result.step("late6", "bind")?.observed, "ok")
    }

    /// An IPv6-only listener does not take IPv4: the SYN is refused with RST, while [::1]
    /// connects.
    func testV6OnlyListenerRefusesIPv4() throws {
        let result = lab
        XCTAssertEqual(result.step("client2", "connect")?.observed.hasPrefix("ECONNREFUSED"), true)
        XCTAssertEqual(result.step("six", "connect")?.observed, "ok")
        XCTAssertEqual(result.segments(to: "client2", flags: "R").count, 1)
    }
}
