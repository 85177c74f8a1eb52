import TCPLabEngine
import TCPLabIsolation
import TCPLabPacket
import TCPLabReport
import TCPLabSocket
import TCPLabSystem
import XCTest

/// Why bind() fails, and how a port is shared on purpose (Labs/bind-errors.yaml).
final class BindErrorsLabTests: LabTestCase {
    override class var labName: String { "bind-errors" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// A port another socket listens on is taken: bind fails with EADDRINUSE, with or
    /// without SO_REUSEADDR, and for the wildcard address too.
    func testListenedPortIsInUseEvenWithSOREUSEADDR() throws {
        let binds = lab.steps("second", "bind").map(\.observed)
        XCTAssertEqual(binds.count, 3)
        XCTAssertTrue(binds.allSatisfy { $0.hasPrefix("EADDRINUSE") }, "\(binds)")
    }

    /// With SO_REUSEPORT on both, two sockets listen on one port: the kernel lists two
    /// LISTEN sockets on 127.0.0.1:9000, told apart by their inodes.
    func testTwoListenersShareAPortWithSOREUSEPORT() throws {
        let result = lab
        let check = try XCTUnwrap(result.kernel.first { $0.moment.hasPrefix("check") })
        let group = check.sockets.filter { $0.socket.state == .listen && $0.socket.local.port == 9000 }
        XCTAssertEqual(group.map(\.name).sorted(), ["pool1", "pool2"])
        XCTAssertEqual(result.step("outsider", "bind")?.observed.hasPrefix("EADDRINUSE"), true)
    }

    /// An address no interface of the namespace has cannot be bound.
    func testAddressTheHostLacksIsEADDRNOTAVAIL() throws {
        XCTAssertEqual(lab.step("stranger", "bind 192.0.2.1")?.observed.hasPrefix("EADDRNOTAVAIL"), true)
    }

    /// A port below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE, not root:
    /// without it EACCES, with it (admin) fine, and after the namespace's threshold is
    /// lowered the same actor binds port 80 without it.
    func testLowPortNeedsTheCapabilityOrALowerThreshold() throws {
        let result = lab
        let binds = result.steps("web", "bind").map(\.observed)
        XCTAssertEqual(binds.count, 3)
        XCTAssertEqual(binds.first?.hasPrefix("EACCES"), true)
        XCTAssertEqual(Array(binds.dropFirst()), ["ok", "ok"])
        XCTAssertEqual(result.step("admin", "bind 127.0.0.1:79")?.observed, "ok")
    }

    /// Every one of these errors comes from bind() alone: nothing goes on the wire.
    func testNoSegmentIsSent() throws {
        XCTAssertEqual(lab.packetsCaptured, 0)
    }

    /// Dropping a capability holds for the calls inside, on the calling thread only, and
    /// it comes back afterwards: bind to port 80 fails with EACCES inside, works after.
    func testCapabilityIsDroppedOnlyForTheCallsInside() throws {
        try TestEnvironment.requireRoot()
        let outcome = try NetworkNamespace.run { () throws -> (Errno?, Errno?) in
            func bind80() throws -> Errno? {
                let socket = try Socket(family: .ipv4)
                defer { try? socket.close() }
                return BindErrorsLabTests.failure { try socket.bind(Endpoint(address: IPAddress("127.0.0.1")!, port: 80)) }
            }
            let without = try Capability.withoutEffective([.netBindService]) { try bind80() }
            return (without, try bind80())
        }
        XCTAssertEqual(outcome.0, .accessDenied)
        XCTAssertNil(outcome.1)
    }

    /// The errno `body` failed with, or nil.
    static func failure(_ body: () throws -> Void) -> Errno? {
        do {
            try body()
            return nil
        } catch {
            return (error as? SystemCallError)?.errno
        }
    }
}
