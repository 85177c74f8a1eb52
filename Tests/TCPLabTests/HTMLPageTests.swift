import Foundation
import XCTest

/// The HTML pages as a reader meets them, in a real headless Chromium: `tcplab inspect
/// --html` on the committed lifecycle capture (no root needed), and `tcplab run --html`.
final class HTMLPageTests: XCTestCase {
    override func setUpWithError() throws {
        try TestEnvironment.requireTool("chromium")
        try TestEnvironment.requireTool("chromedriver")
    }

    /// The lifecycle capture's page and the jsonl view of the same file, made once.
    private func inspectedPage() throws -> (page: String, segments: [InspectRun.Segment]) {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let page = directory.appendingPathComponent("lifecycle.html").path
        let capture = TestEnvironment.packageRoot.appendingPathComponent("Captures/lifecycle.pcapng").path
        let run = try InspectRun.run([capture, "--format", "jsonl", "--html", page])
        XCTAssertEqual(run.status, 0, run.stderr)
        return (page, run.segments)
    }

    /// The page is self-contained: nothing is fetched from anywhere, the script parses, and
    /// the browser reports no error while loading it.
    func testPageLoadsWithoutConsoleErrorsAndFetchesNothing() throws {
        let (page, _) = try inspectedPage()
        let html = try String(contentsOfFile: page, encoding: .utf8)
        for reference in ["http://", "https://", "src=\"", "@import"] {
            XCTAssertFalse(html.contains(reference), "the page refers to something outside itself: \(reference)")
        }
        let browser = try Browser(for: self)
        try browser.open(page)
        XCTAssertEqual(try browser.run("return typeof window.tcplab") as? String, "object", "the page's script did not run")
        XCTAssertEqual(try browser.consoleErrors(), [])
    }

    /// One arrow per TCP segment, in every connection's ladder, as jsonl counts them.
    func testOneArrowPerSegment() throws {
        let (page, segments) = try inspectedPage()
        let browser = try Browser(for: self)
        try browser.open(page)
        let perLadder = try browser.run("""
            return Array.from(document.querySelectorAll("section.connection")).map((s) => s.querySelectorAll("svg.ladder .arrow").length);
            """) as? [Int]
        let perStream = Dictionary(grouping: segments, by: \.stream).mapValues(\.count)
        XCTAssertEqual(perLadder, perStream.keys.sorted().map { perStream[$0]! })
        XCTAssertEqual(perLadder?.reduce(0, +), segments.count)
    }

    /// Clicking an arrow selects it and fills the panel with that segment: its frame, flags,
    /// label and both endpoints' states after it.
    func testSelectingAnArrowShowsItsDetails() throws {
        let (page, segments) = try inspectedPage()
        let browser = try Browser(for: self)
        try browser.open(page)
        try browser.click("#ladder-0 .arrow[data-i=\"1\"] .hit")
        let panel = try XCTUnwrap(try browser.run("return document.querySelector('#ladder-0 .panel').innerText") as? String)
        let second = try XCTUnwrap(segments.first { $0.stream == 0 && $0.frame == segments.filter { $0.stream == 0 }[1].frame })
        XCTAssertTrue(panel.contains("Frame \(second.frame)"), panel)
        XCTAssertTrue(panel.contains("SYN, ACK"), panel)
        XCTAssertTrue(panel.contains("handshake 2/3"), panel)
        XCTAssertTrue(panel.contains(second.serverState), panel)
        XCTAssertEqual(try browser.run("return document.querySelectorAll('#ladder-0 .arrow.selected').length") as? Int, 1)
    }

    /// The step control walks the run: after each step the endpoints' markers sit on the
    /// state diagram's boxes of their states after that segment.
    func testStepControlMovesTheMarkersOnTheStateDiagram() throws {
        let (page, segments) = try inspectedPage()
        let stream = segments.filter { $0.stream == 0 }
        let browser = try Browser(for: self)
        try browser.open(page)
        for step in 0..<3 {
            try browser.click("#ladder-0 [data-step=\"next\"]")
            let placed = try XCTUnwrap(try browser.run("""
                const svg = document.querySelector("#ladder-0 svg.states");
                return [0, 1].map((i) => {
                  const m = svg.querySelector('.marker[data-lifeline="' + i + '"]');
                  const cy = m.getAttribute("cy");
                  const node = Array.from(svg.querySelectorAll(".node")).find((n) => n.getAttribute("data-y") === cy &&
                    Math.abs(Number(n.getAttribute("data-x")) - Number(m.getAttribute("cx"))) < 62);
                  return m.getAttribute("visibility") + " " + (node ? node.getAttribute("data-state") : "none");
                });
                """) as? [String])
            XCTAssertEqual(placed, ["visible " + stream[step].clientState, "visible " + stream[step].serverState], "after step \(step + 1)")
        }
        let position = try browser.run("return document.querySelector('#ladder-0 .stepper .position').textContent") as? String
        XCTAssertEqual(position, "segment 3 of \(stream.count) (frame \(stream[2].frame))")
    }

    /// In exercise mode the states are hidden and the reader picks them; the page checks a
    /// known set of answers and scores them.
    func testExerciseModeScoresAKnownSetOfAnswers() throws {
        let (page, segments) = try inspectedPage()
        let stream = segments.filter { $0.stream == 0 }
        let browser = try Browser(for: self)
        try browser.open(page)
        try browser.click("#exercise-toggle")
        let hidden = try browser.run("return getComputedStyle(document.querySelector('#ladder-0 .state-pill')).visibility") as? String
        XCTAssertEqual(hidden, "hidden")
        // Segment 1 (the client's SYN): both right. Segment 2: the sender's right, the receiver's wrong.
        let senderOfFirst = stream[0].clientState, receiverOfFirst = stream[0].serverState
        let senderOfSecond = stream[1].serverState
        _ = try browser.run("""
            const rows = document.querySelectorAll("#ladder-0 .segment-table tbody tr");
            const set = (row, role, value) => { const s = rows[row].querySelector('select[data-role="' + role + '"]'); s.value = value; };
            set(0, "sender", arguments[0]); set(0, "receiver", arguments[1]);
            set(1, "sender", arguments[2]); set(1, "receiver", "CLOSING");
            """, [senderOfFirst, receiverOfFirst, senderOfSecond])
        try browser.click("#ladder-0 .check-answers")
        let score = try browser.run("return document.querySelector('#ladder-0 .score').textContent") as? String
        XCTAssertEqual(score, "3 of \(stream.count * 2) states right")
        XCTAssertEqual(try browser.consoleErrors(), [])
    }

    /// A lab's page carries its steps, the ladder with one lifeline per actor, the lesson,
    /// and, with several labs, an index page linking them with their verdicts.
    func testLabPagesAndTheirIndex() throws {
        try TestEnvironment.requireLabPrivilege()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let run = try ChildProcess.run([
            TestEnvironment.tcplab, "run", "half-close", "abrupt-rst", "--html", directory.path, "--no-capture",
        ])
        XCTAssertEqual(run.status, 0, run.error)
        let browser = try Browser(for: self)
        try browser.open(directory.appendingPathComponent("index.html").path)
        let links = try browser.run("return Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href'))") as? [String]
        XCTAssertEqual(links, ["half-close.html", "abrupt-rst.html"])
        try browser.open(directory.appendingPathComponent("half-close.html").path)
        let facts = try XCTUnwrap(try browser.run("""
            return [document.querySelector(".verdict").textContent,
                    Array.from(document.querySelectorAll(".lifeline-name")).map((t) => t.textContent).join(","),
                    document.querySelectorAll("svg.ladder .arrow").length,
                    Array.from(document.querySelectorAll("h2")).map((h) => h.textContent).includes("Lesson")];
            """) as? [Any])
        XCTAssertEqual(facts[0] as? String, "PASS: every expectation held")
        XCTAssertEqual(facts[1] as? String, "client,server")
        XCTAssertGreaterThan(facts[2] as? Int ?? 0, 10)
        XCTAssertEqual(facts[3] as? Bool, true)
        XCTAssertEqual(try browser.consoleErrors(), [])
    }
}
