import Foundation
import TCPLabEngine
import XCTest

/// `tcplab list` and `tcplab run` as a user meets them: from any directory, from a copy
/// installed elsewhere, with mistakes, interrupted, and without root.
final class LabCommandTests: XCTestCase {
    /// A copy of the built tcplab in a fresh directory, as if installed there.
    private func installedCopy() throws -> (directory: URL, tool: String) {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        let tool = directory.appendingPathComponent("tcplab").path
        try FileManager.default.copyItem(atPath: TestEnvironment.tcplab, toPath: tool)
        return (directory, tool)
    }

    /// The labs ship inside the binary: a copy elsewhere lists them, run from another directory.
    func testListWorksFromAnInstalledCopyInAnotherDirectory() throws {
        let (directory, tool) = try installedCopy()
        let run = try ChildProcess.run(["sh", "-c", "cd / && \(tool) list"])
        XCTAssertEqual(run.status, 0, run.error)
        let names = run.output.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        XCTAssertEqual(names, LabCatalog.names)
        XCTAssertTrue(names.contains("backlog-overflow"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path))
    }

    /// An installed copy runs a built-in lab from another directory and writes its capture
    /// where --output says; the JSON report parses and says it passed.
    func testRunWorksFromAnInstalledCopyWithJSON() throws {
        try TestEnvironment.requireLabPrivilege()
        let (directory, tool) = try installedCopy()
        let output = directory.appendingPathComponent("caps").path
        let run = try ChildProcess.run(["sh", "-c", "cd / && \(tool) run half-close --format json --output \(output)"])
        XCTAssertEqual(run.status, 0, run.error)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        XCTAssertEqual(document["passed"] as? Bool, true)
        let labs = try XCTUnwrap(document["labs"] as? [[String: Any]])
        XCTAssertEqual(labs.first?["name"] as? String, "half-close")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/half-close.pcapng"))
        XCTAssertTrue(run.error.contains("half-close: passed"), "progress goes to stderr")
    }

    /// A mistake in a lab file stops the run before anything runs: exit 2, file and line.
    func testMistakeInALabFileIsOneErrorWithFileAndLine() throws {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("mine.yaml").path
        try """
            title: Mine
            summary: Mine.
            teaches: Nothing.
            actors:
              server: listens
            steps:
              - server: socket
              - server: listen two
            lesson: None.
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run", path, "--output", directory.path])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.error, "tcplab: \(path):8: listen takes a backlog from 0 to 2147483647, not 'two'\n")
        XCTAssertEqual(run.output, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("mine.pcapng").path))
    }

    /// An unknown lab name is one line naming the labs there are; exit 2.
    func testUnknownLabNameListsTheLabs() throws {
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run", "no-such-lab"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.error.hasPrefix("tcplab: no-such-lab: no such lab; built-in labs: "), run.error)
        XCTAssertTrue(run.error.contains(LabCatalog.names.joined(separator: ", ")), run.error)
        XCTAssertEqual(run.error.filter { $0 == "\n" }.count, 1, "one line")
    }

    /// Ctrl-C in the middle of a lab: exit 130, the report so far, the capture so far, and
    /// no process left behind.
    func testInterruptedLabCleansUpAndKeepsWhatItSaw() throws {
        try TestEnvironment.requireLabPrivilege()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let out = directory.appendingPathComponent("out").path
        let child = try ChildProcess([TestEnvironment.tcplab, "run", "backlog-overflow", "--output", directory.path], stdoutPath: out, pipeStderr: true)
        // The lab takes about 3 s (it waits for SYN retransmissions): interrupt it as it starts.
        XCTAssertTrue(try child.waitForErrorLine(containing: "running backlog-overflow", timeout: 10))
        let capture = directory.appendingPathComponent("backlog-overflow.pcapng").path
        child.signal(SIGINT)
        XCTAssertEqual(try child.wait(), 130)
        let report = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(report.contains("Stopped: interrupted by SIGINT"), report)
        XCTAssertTrue(FileManager.default.fileExists(atPath: capture), "the capture so far was written")
        XCTAssertEqual(kill(child.pid, 0), -1, "the process is gone")
    }

    /// Two labs can run at the same time: each has its own namespace and port 8080.
    func testTwoLabsRunAtTheSameTime() throws {
        try TestEnvironment.requireLabPrivilege()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let first = try ChildProcess([TestEnvironment.tcplab, "run", "half-close", "--output", directory.appendingPathComponent("a").path])
        let second = try ChildProcess([TestEnvironment.tcplab, "run", "half-close", "--output", directory.appendingPathComponent("b").path])
        XCTAssertEqual(try first.wait(), 0)
        XCTAssertEqual(try second.wait(), 0)
    }

    /// An ordinary user runs labs inside a user namespace of its own. As root the test
    /// becomes the ordinary user "nobody" to check it; as an ordinary user it is one.
    func testOrdinaryUserRunsLabsInAUserNamespace() throws {
        try TestEnvironment.requireLabPrivilege()
        if TestEnvironment.isRoot {
            try TestEnvironment.requireTool("runuser")
        }
        let (directory, tool) = try installedCopy()
        let output = directory.appendingPathComponent("caps").path
        let asOrdinaryUser = TestEnvironment.isRoot ? ["runuser", "-u", "nobody", "--"] : []
        let run = try ChildProcess.run(asOrdinaryUser + [tool, "run", "abrupt-rst", "--output", output])
        if run.error.contains("unshare(CLONE_NEWUSER) failed") {
            throw TestEnvironment.privilegeRefused("this kernel does not let ordinary users create user namespaces: \(run.error)")
        }
        XCTAssertEqual(run.status, 0, run.error + run.output)
        XCTAssertTrue(run.output.contains("PASS abrupt-rst"))
    }
}
