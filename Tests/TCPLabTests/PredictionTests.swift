import Foundation
import TCPLabEngine
import XCTest

/// Predict, then observe: a step can carry a question (`predict:`), and `tcplab run
/// --predict` asks it before the step runs, then says whether the run bore the answer out.
final class PredictionTests: XCTestCase {
    private let header = "title: t\nsummary: s\nteaches: x\nactors:\n  client: c\nlesson: l\nsteps:\n  - client: socket\n"

    /// A prediction's answer must be one of its choices, with 2 to 8 choices: anything else
    /// is a file:line: error before the lab runs.
    func testPredictionMistakesAreErrorsWithTheirLine() throws {
        let cases: [(String, String)] = [
            ("choices: [a, b]\n      answer: c", "the answer 'c' is not one of the choices (a, b)"),
            ("choices: [a]\n      answer: a", "predict takes 2 to 8 choices, not 1"),
            ("choices: [a, a]\n      answer: a", "the choice 'a' appears twice"),
            ("answer: a", "predict needs choices: a list of 2 to 8 answers"),
        ]
        for (body, message) in cases {
            let text = header + "  - client: connect 127.0.0.1:9\n    expect: ECONNREFUSED\n    predict:\n      question: q?\n      " + body + "\n"
            XCTAssertThrowsError(try LabFile.parse(text, name: "t", source: "t.yaml")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("t.yaml:"), "\(error)")
            }
        }
        let lab = try LabFile.parse(
            header + "  - client: connect 127.0.0.1:9\n    expect: ECONNREFUSED\n    predict:\n      question: q?\n      choices: [ok, ECONNREFUSED]\n      answer: ECONNREFUSED\n      why: Nothing listens.\n",
            name: "t", source: "t.yaml")
        let prediction = try XCTUnwrap(lab.steps.last?.predict)
        XCTAssertEqual(prediction.choices, ["ok", "ECONNREFUSED"])
        XCTAssertEqual(prediction.answer, 1)
        XCTAssertEqual(prediction.why, "Nothing listens.")
    }

    /// The reader's answers come from standard input: a right one is called right, a wrong
    /// one shows the answer the kernel gave, and each comes with the reason.
    func testPredictModeAsksBeforeTheStepAndJudgesTheAnswer() throws {
        try TestEnvironment.requireLabPrivilege()
        let right = try ChildProcess.run(["sh", "-c", "printf '2\\n' | '\(TestEnvironment.tcplab)' run connection-refused --predict --no-capture"])
        XCTAssertEqual(right.status, 0, right.error)
        XCTAssertTrue(right.error.contains("Nothing listens on port 9. What does connect() do?"), right.error)
        XCTAssertTrue(right.output.contains("You predicted: fails with ECONNREFUSED at once — right"), right.output)
        let wrong = try ChildProcess.run(["sh", "-c", "printf '4\\n' | '\(TestEnvironment.tcplab)' run connection-refused --predict --no-capture"])
        XCTAssertTrue(wrong.output.contains("You predicted: waits forever — not what happened: the answer is fails with ECONNREFUSED at once"), wrong.output)
        XCTAssertTrue(wrong.output.contains("Why: The kernel answers a SYN"), wrong.output)
    }

    /// Without answers (standard input at its end), the lab runs as usual and says the answer.
    func testPredictModeWithoutInputStillRunsTheLab() throws {
        try TestEnvironment.requireLabPrivilege()
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run", "connection-refused", "--predict", "--no-capture"])
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertTrue(run.output.contains("You predicted: (no answer) — the answer is fails with ECONNREFUSED at once"), run.output)
    }
}
