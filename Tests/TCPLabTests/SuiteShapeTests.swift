import Foundation
import TCPLabReport
import XCTest

/// The suite's own rules, read from its sources, so that a test run without root keeps
/// meaning what the README says: the tests that need a namespace or a capture are skipped
/// with the reason, and the rest run.
///
/// XCTest turns an `XCTSkip` into a skip only when it leaves the test method (or
/// `setUpWithError`). Thrown from inside an assertion's argument, as in
/// `XCTAssertEqual(try lab().packetsCaptured, 0)` where `lab()` checks for root, the
/// assertion catches it like any error and records a failure.
final class SuiteShapeTests: XCTestCase {
    /// The Swift files of the test target, with their paths relative to Tests/TCPLabTests.
    private func sources() throws -> [(path: String, text: String)] {
        let root = TestEnvironment.packageRoot.appendingPathComponent("Tests/TCPLabTests")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        let swift = files.filter { $0.hasSuffix(".swift") }.sorted()
        XCTAssertFalse(swift.isEmpty, "no test sources under \(root.path)")
        return try swift.map { ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// Every `TestEnvironment.require…` call is a statement of its own (`try
    /// TestEnvironment.requireRoot()` on a line) in `setUpWithError` or in a test method,
    /// never inside an assertion's argument nor in a helper a test might call from one.
    func testRequirementsAreCheckedInStatementsOfSetUpOrTheTest() throws {
        for (path, text) in try sources() where path != "Support/TestEnvironment.swift" {
            for violation in SuiteShapeTests.requirementViolations(in: text) {
                XCTFail("\(path):\(violation)")
            }
        }
    }

    /// Only TestEnvironment makes an `XCTSkip`, so that as root a missing privilege, and
    /// on CI a missing tool, fail the test instead of skipping it.
    func testEverySkipComesFromTestEnvironment() throws {
        for (path, text) in try sources() where path != "Support/TestEnvironment.swift" {
            for (number, line) in SuiteShapeTests.codeLines(text) where line.contains("XCTSkip(") {
                XCTFail("\(path):\(number): XCTSkip is made only in TestEnvironment (throw TestEnvironment.privilegeRefused(…) or add a require… there)")
            }
        }
    }

    /// Tests find the package's files (Captures/, Labs/, their own sources) through
    /// ``TestEnvironment/packageRoot``, not `#filePath`: the ordinary user's run on CI works
    /// on a readable copy of a clone the user cannot read, and `#filePath` still names the
    /// clone. (`#filePath` as an assertion helper's `file:` default only names a line.)
    func testPackageFilesAreFoundThroughPackageRoot() throws {
        for (path, text) in try sources() where path != "Support/TestEnvironment.swift" {
            for (number, line) in SuiteShapeTests.codeLines(text) where line.contains("#filePath") {
                if line.contains("StaticString = #filePath") { continue }
                XCTFail("\(path):\(number): find the package's files from TestEnvironment.packageRoot, not #filePath")
            }
        }
    }

    /// The check itself finds the pattern that once made ten tests fail without root: a
    /// helper that checks for root, called inside an assertion.
    func testTheCheckFindsARequirementInsideAHelper() {
        let require = "TestEnvironment" + ".requireRoot()"
        let source = """
            final class SomeLabTests: XCTestCase {
                private func lab() throws -> LabResult {
                    try \(require)
                    return try LabRuns.result("half-close")
                }

                override func setUpWithError() throws {
                    try \(require)
                }

                func testNoSegmentIsSent() throws {
                    XCTAssertEqual(try lab().packetsCaptured, 0)
                    XCTAssertNoThrow(try \(require))
                    try \(require)
                    let corpus = try \(require)
                    XCTAssertNotNil(try? \(require))
                }
            }
            """
        let violations = SuiteShapeTests.requirementViolations(in: source)
        XCTAssertEqual(violations.map { $0.prefix { $0 != ":" } }, ["3", "13", "16"])
    }

    /// The lines as code: numbered from 1, with comments cut off and the insides of
    /// string literals blanked (a message may name a call without making it).
    static func codeLines(_ text: String) -> [(number: Int, line: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            var code = ""
            var inString = false
            var escaped = false
            var previous: Character = " "
            for character in line {
                if inString {
                    if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false; code.append(character) }
                } else if character == "/" && previous == "/" {
                    code.removeLast()
                    break
                } else {
                    if character == "\"" { inString = true }
                    code.append(character)
                }
                previous = character
            }
            return (index + 1, code)
        }
    }

    /// Each `TestEnvironment.require…` use in `text` that is not a statement of
    /// `setUpWithError` or of a test method, as "line: reason".
    static func requirementViolations(in text: String) -> [String] {
        let lines = codeLines(text)
        var violations: [String] = []
        for (index, (number, line)) in lines.enumerated() where line.contains("TestEnvironment.require") {
            var statement = line.trimmingCharacters(in: .whitespaces)
            // `let corpus = try TestEnvironment.require…(…)` is a statement too.
            if statement.hasPrefix("let ") || statement.hasPrefix("var "), let equals = statement.range(of: " = ") {
                statement = String(statement[equals.upperBound...])
            }
            guard statement.hasPrefix("try TestEnvironment.require"), statement.hasSuffix(")"),
                  statement.filter({ $0 == "(" }).count == 1 else {
                violations.append("\(number): a require… call must be a statement of its own, `try TestEnvironment.require…()`")
                continue
            }
            // The function around it: the nearest `func` line indented less than the call.
            let indent = line.prefix { $0 == " " }.count
            let function = lines[..<index].reversed().first { _, candidate in
                candidate.contains("func ") && candidate.prefix { $0 == " " }.count < indent
            }
            let name = function.flatMap { $0.line.range(of: "func ").map { $0.upperBound } }
                .map { function!.line[$0...].prefix { $0.isLetter || $0.isNumber || $0 == "_" } } ?? ""
            if name != "setUpWithError" && !name.hasPrefix("test") {
                violations.append("\(number): \(name.isEmpty ? "outside a function" : "in \(name)()"); a require… call belongs in setUpWithError or a test method, so its skip is not thrown inside an assertion")
            }
        }
        return violations
    }
}
