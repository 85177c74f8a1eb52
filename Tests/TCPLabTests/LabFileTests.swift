import TCPLabEngine
import TCPLabKernel
import TCPLabSystem
import XCTest

/// Lab files are checked before anything runs: a mistake is one error with file and line.
final class LabFileTests: XCTestCase {
    private let header = """
        title: A lab
        summary: One line.
        teaches: Something.
        actors:
          server: listens
          client: connects
        lesson: What happened.

        """

    private func error(_ steps: String, file: StaticString = #filePath, line: UInt = #line) -> LabFileError? {
        do {
            _ = try LabFile.parse(header + steps, name: "test", source: "my.yaml")
            XCTFail("the lab file was accepted", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Every built-in lab parses.
    func testBuiltInLabsParse() throws {
        let labs = try LabCatalog.builtIn()
        XCTAssertEqual(labs.map(\.name), LabCatalog.names)
        XCTAssertTrue(Set(labs.map(\.name)).isSuperset(of: ["abrupt-rst", "backlog-overflow", "half-close", "time-wait-reuse"]))
        XCTAssertTrue(labs.allSatisfy { !$0.steps.isEmpty && !$0.summary.isEmpty })
    }

    /// An unknown top-level key names itself and its line.
    func testUnknownKeyIsReportedWithItsLine() {
        let found = error("steps: []\ncolour: red\n")
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.description.hasPrefix("my.yaml:9: unknown key 'colour'"), true)
    }

    /// A step whose key is neither an actor nor a keyword is reported at that step.
    func testUnknownStepIsReportedWithItsLine() {
        let found = error("steps:\n  - server: socket\n  - sever: listen 2\n")
        XCTAssertEqual(found?.line, 10)
        XCTAssertEqual(found?.message.hasPrefix("unknown step key 'sever'"), true)
    }

    /// An unknown call is reported with the calls there are.
    func testUnknownCallIsReported() {
        let found = error("steps:\n  - server: lisen 2\n")
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.message.hasPrefix("unknown call 'lisen'"), true)
    }

    /// A missing required field is named.
    func testMissingFieldIsNamed() {
        do {
            _ = try LabFile.parse("title: x\nsummary: y\nactors:\n  a: b\nsteps: []\nlesson: z\n", name: "t", source: "t.yaml")
            XCTFail("accepted a lab without 'teaches'")
        } catch {
            XCTAssertTrue(error.message.contains("missing 'teaches'"), error.message)
        }
    }

    /// An errno name that does not exist is refused; a real one is accepted.
    func testErrnoNamesAreChecked() throws {
        let found = error("steps:\n  - client: socket\n  - client: connect 127.0.0.1:9\n    expect: ECONREFUSED\n")
        XCTAssertEqual(found?.line, 11)
        XCTAssertEqual(found?.message.hasPrefix("'ECONREFUSED' is not an errno name"), true)
        let lab = try LabFile.parse(header + "steps:\n  - client: socket\n  - client: connect 127.0.0.1:9\n    expect: ECONNREFUSED\n", name: "t", source: "t.yaml")
        XCTAssertEqual(lab.steps.count, 2)
    }

    /// YAML that does not parse is reported with the line the parser stopped at.
    func testBrokenYAMLIsReportedWithItsLine() {
        let found = error("steps:\n  - server: socket\n   - client: [socket\n")
        XCTAssertNotNil(found)
        XCTAssertGreaterThan(found?.line ?? 0, 8)
        XCTAssertEqual(found?.message.hasPrefix("not valid YAML"), true)
    }

    /// Sysctls outside net.* are refused: a lab changes only its own namespace.
    func testOnlyNetworkSysctlsAreAllowed() {
        let found = error("setup:\n  sysctls:\n    kernel.panic: 1\nsteps: []\n")
        XCTAssertEqual(found?.message.hasPrefix("'kernel.panic' is not a network sysctl"), true)
    }

    /// Errno names map to numbers and back, as lab files write them.
    func testErrnoNamesMapBothWays() {
        XCTAssertEqual(Errno(name: "EADDRINUSE")?.rawValue, 98)
        XCTAssertEqual(Errno(rawValue: 104).name, "ECONNRESET")
        XCTAssertEqual(Errno(name: "EWOULDBLOCK")?.rawValue, Errno(name: "EAGAIN")?.rawValue)
        XCTAssertNil(Errno(name: "ENOTANERROR"))
    }

    /// /proc/net/netstat text is read as "Group.Name" counters and diffed.
    func testCountersParseAndDiff() {
        let before = KernelCounters(parsing: ["TcpExt: ListenOverflows ListenDrops\nTcpExt: 1 2\n", "Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 5\n"])
        let after = KernelCounters(parsing: ["TcpExt: ListenOverflows ListenDrops\nTcpExt: 4 5\n", "Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 5\n"])
        XCTAssertEqual(before.values["Tcp.ActiveOpens"], 5)
        let changes = after.changes(since: before)
        XCTAssertEqual(changes.map(\.name), ["TcpExt.ListenDrops", "TcpExt.ListenOverflows"])
        XCTAssertEqual(changes.map(\.change), [3, 3])
    }
}
