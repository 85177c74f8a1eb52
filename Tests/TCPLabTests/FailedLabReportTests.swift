import Foundation
import XCTest

/// A lab that fails must not teach its lesson as if the run had shown it: the report says
/// the lesson was not borne out and lists the claims that did not hold.
final class FailedLabReportTests: XCTestCase {
    /// A connect expected to succeed is refused: the lesson comes under a heading that says
    /// this run did not bear it out, after the step that failed, and the verdict is FAIL.
    func testFailedLabsLessonIsMarkedWithWhatDidNotHold() throws {
        try TestEnvironment.requireLabPrivilege()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("failing.yaml").path
        try """
            title: Failing
            summary: A lab whose expectation does not hold.
            teaches: Nothing.
            actors:
              client: connects to a port where nothing listens
            steps:
              - client: socket
              - client: connect 127.0.0.1:9
                expect: ok
            lesson: The connect succeeded.
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run", path, "--no-capture"])
        XCTAssertEqual(run.status, 1, run.error)
        let lesson = try XCTUnwrap(run.output.components(separatedBy: "\nLesson").last)
        XCTAssertTrue(lesson.hasPrefix(" (not borne out by this run"), lesson)
        XCTAssertTrue(lesson.contains("did not hold: line 8: client connect 127.0.0.1:9"), lesson)
        XCTAssertTrue(lesson.contains("FAIL failing"), lesson)
    }
}
