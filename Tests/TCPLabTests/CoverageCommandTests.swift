import Foundation
import TCPLabAnalysis
import TCPLabEngine
import TCPLabReport
import XCTest

/// `tcplab coverage` lists every row of the state table against the built-in labs'
/// captures, and a lab file's `reaches:` names rows the lab must traverse. The coverage
/// tests read the committed captures (no root); the one that runs a lab needs root.
final class CoverageCommandTests: XCTestCase {
    private var captures: String { TestEnvironment.packageRoot.appendingPathComponent("Captures").path }

    /// The text names every row once, counts the rows the committed captures traverse, and
    /// says for each row which labs reach it, or why none does.
    func testCoverageListsEveryRowWithTheLabsThatReachIt() throws {
        let run = try ChildProcess.run([TestEnvironment.tcplab, "coverage", "--captures", captures])
        XCTAssertEqual(run.status, 0, run.error)
        let lines = run.output.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("RFC 9293's state table: \(TransitionTable.rows.count) rows. The \(LabCatalog.names.count) built-in labs' captures") == true, lines.first ?? "")
        for row in TransitionTable.rows {
            XCTAssertEqual(lines.filter { $0.hasPrefix(row.id + " ") }.count, 1, "\(row.id) is listed once")
        }
        func below(_ id: String) -> String? {
            lines.firstIndex { $0.hasPrefix(id + " ") }.map { lines[$0 + 1] }
        }
        XCTAssertTrue(below("closed/active-open")?.contains("handshake-and-close") == true)
        XCTAssertTrue(below("fin-wait-1/fin")?.contains("simultaneous-close") == true, "only crossing FINs reach CLOSING")
        XCTAssertTrue(below("syn-sent/rst")?.contains("connection-refused") == true)
        XCTAssertTrue(below("established/rst-in-window")?.contains("reset-validation") == true, "the challenge ACK's lab")
        XCTAssertEqual(below("time-wait/time-wait-timeout"), "    not reached: \(StateCoverage.Gap.kernelOnly.rawValue)")
        XCTAssertEqual(below("listen/send"), "    not reached: \(StateCoverage.Gap.notOnLinux.rawValue)")
    }

    /// The JSON document carries the same counts, each row with its section, evidence,
    /// Linux note and labs; the covered count is the rows with a lab.
    func testCoverageAsJSONCountsTheRowsWithALab() throws {
        let run = try ChildProcess.run([TestEnvironment.tcplab, "coverage", "--captures", captures, "--format", "json"])
        XCTAssertEqual(run.status, 0, run.error)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let table = try XCTUnwrap(document["table"] as? [[String: Any]])
        XCTAssertEqual(table.count, TransitionTable.rows.count)
        XCTAssertEqual(document["rows"] as? Int, TransitionTable.rows.count)
        let covered = table.filter { ($0["labs"] as? [String])?.isEmpty == false }.count
        XCTAssertEqual(document["covered"] as? Int, covered)
        XCTAssertGreaterThan(covered, 15)
        let timeWait = try XCTUnwrap(table.first { $0["id"] as? String == "time-wait/time-wait-timeout" })
        XCTAssertEqual(timeWait["section"] as? String, "3.10.8")
        XCTAssertTrue((timeWait["linux"] as? String)?.contains("TCP_TIMEWAIT_LEN") == true)
    }

    /// Without the captures there is nothing to count from: each lab's missing file is
    /// named, every row is "not reached", and the exit status says it failed.
    func testCoverageWithoutCapturesNamesEachMissingFileAndFails() throws {
        let empty = try TestEnvironment.temporaryDirectory(for: self)
        let run = try ChildProcess.run([TestEnvironment.tcplab, "coverage", "--captures", empty.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.error.contains("handshake-and-close:"), run.error)
        XCTAssertTrue(run.output.contains("traverse 0.\n"), run.output)
    }

    /// The count comes from the analysis of the capture's segments: a synthetic refused
    /// connection reaches exactly its three rows.
    func testCoverageOfACaptureIsTheRowsItsSegmentsTake() throws {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, [.rst, .ack])
        let path = try TestEnvironment.temporaryDirectory(for: self).appendingPathComponent("refused.pcap").path
        try c.writePcap(to: path)
        XCTAssertEqual(try StateCoverage.rowsReached(inCapture: path), [
            "closed/active-open": [1], "syn-sent/rst": [2], "closed/segment": [2],
        ])
        let coverage = StateCoverage.measure(captures: [("refused", path)])
        XCTAssertEqual(coverage.covered, 3)
        XCTAssertEqual(coverage.rows.first { $0.transition.id == "syn-sent/rst" }?.labs, ["refused"])
    }

    /// Run now with the kernel log, a refused connect() traverses SYN-SENT's RST, and the
    /// kernel's own log confirms that move; the CLOSED port's RST keeps its state, so there
    /// is nothing for the kernel to confirm.
    func testARunsKernelLogConfirmsTheRowsThatMoveAState() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse(Self.header, name: "refused", source: "refused.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertNil(result.kernelLogOff, "as root the kernel log runs")
        let coverage = StateCoverage.measure(results: [result])
        func row(_ id: String) -> StateCoverage.Row? { coverage.rows.first { $0.transition.id == id } }
        XCTAssertEqual(row("syn-sent/rst")?.labs, ["refused"])
        XCTAssertEqual(row("syn-sent/rst")?.confirmedIn, ["refused"])
        XCTAssertEqual(row("closed/segment")?.labs, ["refused"])
        XCTAssertEqual(row("closed/segment")?.confirmedIn, [])
    }

    // MARK: reaches:

    private static let header = """
        title: Refused
        summary: A connect() to a port nothing listens on.
        teaches: Nothing.
        actors:
          client: connects to a closed port
        steps:
          - client: socket
          - client: connect 127.0.0.1:9
            expect: ECONNREFUSED
        lesson: None.

        """

    /// `reaches:` names rows by their ids, one or a list, and the lab keeps their lines.
    func testReachesNamesRowsOfTheTable() throws {
        let lab = try LabFile.parse(Self.header + "reaches: [closed/active-open, syn-sent/rst]\n", name: "t", source: "t.yaml")
        XCTAssertEqual(lab.reaches.map(\.id), ["closed/active-open", "syn-sent/rst"])
        XCTAssertEqual(lab.reaches.first?.line, 11)
        XCTAssertEqual(lab.reaches.first?.description, "reaches closed/active-open (CLOSED → SYN-SENT)")
        let single = try LabFile.parse(Self.header + "reaches: syn-sent/rst\n", name: "t", source: "t.yaml")
        XCTAssertEqual(single.reaches.map(\.id), ["syn-sent/rst"])
    }

    /// A row the table does not have is an error with the file's line, listing the rows
    /// that leave the state it named.
    func testAnUnknownRowIsAnErrorWithItsLineAndTheStatesRows() {
        XCTAssertThrowsError(try LabFile.parse(Self.header + "reaches:\n  - syn-sent/rst\n  - syn-sent/reset\n", name: "t", source: "t.yaml")) { error in
            let error = error as? LabFileError
            XCTAssertEqual(error?.line, 13)
            XCTAssertTrue(error?.message.contains("'syn-sent/reset' is not a row of the state table (rows from that state: syn-sent/syn-ack,") == true, error?.message ?? "")
        }
    }

    /// A lab that no longer reaches a row it names fails, with that row's result saying no
    /// segment took it; the rows it does reach pass, with their frames.
    func testALabThatDoesNotReachItsRowsFails() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse(Self.header + "reaches: [syn-sent/rst, closed/segment, fin-wait-1/fin]\n", name: "t", source: "t.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertFalse(result.passed)
        XCTAssertTrue(result.steps.allSatisfy { $0.status == .passed }, "the steps pass; only reaches: fails")
        let reaches = result.capture.filter { $0.expectation.hasPrefix("reaches ") }
        XCTAssertEqual(reaches.map(\.passed), [true, true, false])
        XCTAssertEqual(reaches.map(\.line), [11, 11, 11])
        XCTAssertEqual(reaches[0].observed, "taken at frame 2")
        XCTAssertEqual(reaches[2].observed, "no segment moved an endpoint by this row")
    }
}
