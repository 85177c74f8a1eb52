import TCPLabEngine
import Foundation
import TCPLabReport
import TCPLabSystem
import XCTest

/// A lesson quotes the run it follows: `{took: ID}`, `{bytes: ID}`, `{gap: ID}`,
/// `{counter: Group.Name}` and the rest are filled from what this run measured, and a value
/// whose claim did not hold says so instead of reading like a lesson.
final class LessonPlaceholderTests: XCTestCase {
    /// A client sends 5 bytes to a server that reads them; the lesson quotes the send's
    /// bytes and time, the recv's text, the count of data segments and a counter.
    private func lab(lesson: String, recvExpect: String = "\"hello\"") throws -> Lab {
        try LabFile.parse("""
            title: A lab
            summary: One line.
            teaches: Something.
            actors:
              server: listens on 127.0.0.1:8080
              client: connects
            steps:
              - server: socket
              - server: bind 127.0.0.1:8080
              - server: listen 4
              - client: socket
              - client: connect 127.0.0.1:8080
              - server: accept
                as: conn
              - client: send "hello"
                id: hello
              - conn: recv
                expect: \(recvExpect)
                id: read
            capture:
              - segment: {from: client, label: data}
                count: 1
                id: data
            lesson: |
            \(lesson)

            """, name: "test", source: "my.yaml")
    }

    /// Placeholders are read with the lesson and keep their text; braces that are not a
    /// `{word: name}` (SO_LINGER {on, 0}) are plain text.
    func testPlaceholdersAreReadAndOtherBracesAreText() throws {
        let parsed = try lab(lesson: "  {bytes: hello} bytes in {took: hello}, {count: data} segment, {observed: read}; SO_LINGER {on, 0}.")
        XCTAssertEqual(parsed.lessonPlaceholders.map(\.text), ["{bytes: hello}", "{took: hello}", "{count: data}", "{observed: read}"])
        XCTAssertEqual(parsed.lessonPlaceholders.map(\.measure), [.bytes, .took, .count, .observed])
    }

    /// A placeholder naming no id, an unknown placeholder word, a measure that does not fit
    /// what it names, and an unclosed brace are each a file:line: error at the placeholder's
    /// own line of the lesson (the lesson starts on line 25; its third line is 27).
    func testBadPlaceholdersAreErrorsAtTheirLine() {
        func failure(_ lesson: String) -> LabFileError? {
            do {
                _ = try lab(lesson: lesson)
                XCTFail("accepted: \(lesson)")
                return nil
            } catch { return error as? LabFileError }
        }
        let unknownID = failure("  One.\n  Two.\n  The gap was {gap: first-retry}.")
        XCTAssertEqual(unknownID?.line, 27, "\(String(describing: unknownID))")
        XCTAssertEqual(unknownID?.message, "{gap: first-retry}: no capture expectation has 'id: first-retry'; ids: data")
        let unknownWord = failure("  {gapp: data}")
        XCTAssertEqual(unknownWord?.line, 25)
        XCTAssertEqual(unknownWord?.message.hasPrefix("unknown placeholder '{gapp: ...}'; placeholders: took, time, bytes"), true)
        XCTAssertEqual(failure("  {gap: data}")?.message, "{gap: data}: {gap: ...} quotes a gap expectation; the one on line 21 is not one")
        XCTAssertEqual(failure("  {took: data}")?.message.hasPrefix("{took: data}: no step has 'id: data'; ids: hello, read"), true)
        XCTAssertEqual(failure("  {counter: ListenOverflows}")?.message.hasPrefix("{counter: ListenOverflows}: a counter is named Group.Name"), true)
        XCTAssertEqual(failure("  {took: hello")?.message, "'{took:' opens a placeholder that has no '}' on its line")
        XCTAssertEqual(failure("  {expires: hello}")?.message, "{expires: hello}: only a check or wait on a socket sees its timer; the step on line 15 is not one")
    }

    /// A folded (`>`) or quoted lesson joins its lines, yet a placeholder's error still
    /// names the file line it is written on, not the lesson's first line.
    func testPlaceholderErrorsInFoldedAndQuotedLessonsNameTheirOwnLine() {
        func line(_ lesson: String) -> Int? {
            do {
                _ = try LabFile.parse("""
                    title: t
                    summary: s
                    teaches: x
                    actors:
                      client: c
                    steps:
                      - client: socket
                        id: open
                    \(lesson)
                    """, name: "t", source: "t.yaml")
                XCTFail("accepted: \(lesson)")
                return nil
            } catch { return error.line }
        }
        XCTAssertEqual(line("lesson: >\n  One {took: open}.\n  Two.\n  Three {took: nothing}.\n"), 12)
        XCTAssertEqual(line("lesson: \"One {took: open}\n  and then\n  the {took: nothing}.\"\n"), 11)
        XCTAssertEqual(line("lesson: >\n  One {took: open} and {took: open}.\n  Two {gap: none}.\n"), 11)
    }

    /// An id names one step or expectation: given twice, it is an error at the second.
    func testAnIdIsGivenOnce() {
        XCTAssertThrowsError(try LabFile.parse("""
            title: t
            summary: s
            teaches: x
            actors:
              client: c
            steps:
              - client: socket
                id: a
              - client: close
                id: a
            lesson: l
            """, name: "t", source: "t.yaml")) { error in
            XCTAssertEqual("\(error)", "t.yaml:10: the id 'a' is given already, on line 7")
        }
    }

    /// A passing run fills each placeholder with its measurement: the 5 bytes sent, the
    /// send's time in milliseconds, the one data segment, the text received and a counter
    /// the handshake moved (Tcp.ActiveOpens: one connect).
    func testPassingRunFillsEveryPlaceholderWithItsMeasurement() throws {
        try TestEnvironment.requireRoot()
        let lab = try lab(lesson: "  Sent {bytes: hello} bytes in {took: hello} as {count: data} segment; read {observed: read}; {counter: Tcp.ActiveOpens} active open.")
        let result = LabRunner(kernelLog: false).run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.claimsNotHeld.joined(separator: "\n"))
        XCTAssertTrue(result.lesson.hasPrefix("Sent 5 bytes in "), result.lesson)
        XCTAssertTrue(result.lesson.hasSuffix(" ms as 1 segment; read 5 bytes: \"hello\"; 1 active open.\n"), result.lesson)
        XCTAssertEqual(result.lessonValues.map(\.status), Array(repeating: .measured, count: 5))
        XCTAssertEqual(result.lessonValues.first?.source, "line 15: client send \"hello\"")
        XCTAssertTrue(result.notHeld.isEmpty)
    }

    /// A run whose recv does not get what the lab expects fails: the recv's placeholder
    /// carries "[did not hold]", and the report lists the claim that did not hold before
    /// the lesson instead of teaching it as shown.
    func testFailedRunMarksTheValuesOfClaimsThatDidNotHold() throws {
        try TestEnvironment.requireRoot()
        let lab = try lab(lesson: "  Sent {bytes: hello} bytes; read {observed: read}.", recvExpect: "\"goodbye\"")
        let result = LabRunner(kernelLog: false).run(lab, capturePath: nil)
        XCTAssertFalse(result.passed)
        XCTAssertEqual(result.lesson, "Sent 5 bytes; read 5 bytes: \"hello\" [did not hold].\n")
        XCTAssertEqual(result.lessonValues.map(\.status), [.measured, .notHeld])
        XCTAssertEqual(result.notHeld.count, 1)
        XCTAssertTrue(result.notHeld[0].hasPrefix("line 17: conn recv, expected \"goodbye\" → 5 bytes"), result.notHeld[0])
        let text = try Self.render { output in try result.write(to: output, style: TextStyle(isEnabled: false)) }
        XCTAssertTrue(text.contains("Lesson (not borne out by this run"), text)
        XCTAssertTrue(text.contains("did not hold: line 17: conn recv"), text)
        XCTAssertTrue(text.contains("read 5 bytes: \"hello\" [did not hold]."), text)
        let json = try Self.render { output in try RunJSONRenderer(output: output).finish([result]) }
        XCTAssertTrue(json.contains("\"not_held\" : ["), json)
        XCTAssertTrue(json.contains("\"status\" : \"did not hold\""), json)
        let html = result.page().html()
        XCTAssertTrue(html.contains("Did not hold: line 17: conn recv"), "the page lists the claim that did not hold")
        XCTAssertTrue(html.contains("[did not hold]"))
    }

    /// A misspelt counter would read "0", as an unchanged one does, so the run refuses it
    /// before any step, at the placeholder's line, listing the group's counters.
    func testAMisspeltCounterFailsTheLabBeforeAnyStep() throws {
        try TestEnvironment.requireRoot()
        let lab = try lab(lesson: "  Overflows: {counter: TcpExt.ListenOverflow}.")
        let result = LabRunner(kernelLog: false).run(lab, capturePath: nil)
        XCTAssertFalse(result.passed)
        XCTAssertTrue(result.steps.isEmpty, "no step ran")
        let error = try XCTUnwrap(result.error)
        XCTAssertTrue(error.hasPrefix("my.yaml:25: {counter: TcpExt.ListenOverflow}: no counter ListenOverflow in group TcpExt on this kernel (known: "), error)
        XCTAssertTrue(error.contains(" ListenOverflows,"), error)
    }

    /// A filled lesson is re-flowed: the file's line breaks fitted the placeholders, not
    /// the values. The result (JSON, HTML) has each paragraph on one line; the text report
    /// wraps them to its width, a blank line between paragraphs.
    func testFilledLessonIsReflowedIntoParagraphs() throws {
        try TestEnvironment.requireRoot()
        let lab = try lab(lesson: "  Sent {bytes: hello}\n  bytes, all\n  read.\n\n  Second paragraph.")
        let result = LabRunner(kernelLog: false).run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.claimsNotHeld.joined(separator: "\n"))
        XCTAssertEqual(result.lesson, "Sent 5 bytes, all read.\n\nSecond paragraph.\n")
        let text = try Self.render { output in try result.write(to: output, style: TextStyle(isEnabled: false)) }
        XCTAssertTrue(text.contains("\n  Sent 5 bytes, all read.\n\n  Second paragraph.\n"), text)
    }

    /// Wrapping fills each line with as many words as fit in the width, never breaks a
    /// word, and keeps paragraphs apart.
    func testWrappingFillsLinesUpToTheWidth() {
        let text = "one two three\nfour five six seven\n\n  eight"
        XCTAssertEqual(text.paragraphs, ["one two three four five six seven", "eight"])
        XCTAssertEqual(text.wrapped(width: 14), ["one two three", "four five six", "seven", "", "eight"])
        XCTAssertEqual("unbreakable-word here".wrapped(width: 5), ["unbreakable-word", "here"])
    }

    /// What a renderer writes to `output`, read back from a temporary file.
    static func render(_ body: (BufferedWriter) throws -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-lesson-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = try FileDescriptor.openForWriting(path)
        let output = BufferedWriter(descriptor)
        try body(output)
        try output.flush()
        try descriptor.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Labs/README.md lists every placeholder as the code has them.
    func testLabGuideShowsThePlaceholderTable() throws {
        let guide = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Labs/README.md"), encoding: .utf8)
        XCTAssertTrue(guide.contains(LessonMeasure.markdown), "paste LessonMeasure.markdown into Labs/README.md:\n\(LessonMeasure.markdown)")
    }
}
