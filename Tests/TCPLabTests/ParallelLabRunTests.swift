import Foundation
import XCTest

/// `tcplab run --jobs N` runs labs at once, each in its own network namespace, and still
/// reports them in the order they were named.
final class ParallelLabRunTests: XCTestCase {
    /// Three labs on three threads: every one passes, each report comes out whole and in
    /// the order given, and each lab's capture is written.
    func testLabsRunAtOnceReportInTheOrderGiven() throws {
        try TestEnvironment.requireLabPrivilege()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        // connect-timeout takes about 4 s and the others a fraction of a second: with three
        // jobs the later labs finish first, and their reports must still wait their turn.
        let names = ["connect-timeout", "half-close", "abrupt-rst"]
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run"] + names + ["--jobs", "3", "--output", directory.path])
        XCTAssertEqual(run.status, 0, run.error)
        let verdicts = run.output.split(separator: "\n").filter { $0.hasPrefix("PASS ") || $0.hasPrefix("FAIL ") }
        XCTAssertEqual(verdicts.map { String($0.split(separator: " ")[1]) }, names)
        let headers = run.output.split(separator: "\n").filter { $0.hasPrefix("━━ ") }
        XCTAssertEqual(headers.count, 3)
        for name in names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(name).pcapng").path), name)
        }
    }

    /// --jobs takes a sensible number; anything else is one clear message and exit status 64.
    func testJobsOutsideItsRangeIsAUsageError() throws {
        for jobs in ["0", "65", "many"] {
            let run = try ChildProcess.run([TestEnvironment.tcplab, "run", "half-close", "--jobs", jobs])
            XCTAssertEqual(run.status, 64, "--jobs \(jobs): \(run.error)")
            XCTAssertTrue(run.error.contains("--jobs"), run.error)
        }
    }
}
