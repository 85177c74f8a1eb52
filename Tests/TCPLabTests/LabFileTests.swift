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

    /// The errors for an unknown step and an unknown call list every keyword of the step
    /// table, so a kind added to the table is offered without touching the messages.
    func testUnknownStepAndCallErrorsListTheTablesKeywords() {
        let keywords = LabFile.stepKeywords
        XCTAssertEqual(keywords.steps, ["wait", "check", "sysctl", "firewall", "process"])
        XCTAssertTrue(Set(keywords.calls).isSuperset(of: ["socket", "setsockopt", "bind", "listen", "connect", "accept", "send", "recv", "shutdown", "close", "poll", "getsockopt"]))
        let step = error("steps:\n  - sever: listen 2\n")?.message ?? ""
        for keyword in keywords.steps { XCTAssertTrue(step.contains(keyword), "\(keyword) missing from: \(step)") }
        let call = error("steps:\n  - server: lisen 2\n")?.message ?? ""
        XCTAssertTrue(call.hasSuffix("calls are " + keywords.calls.joined(separator: ", ")), call)
    }

    /// Labs/README.md shows the step table as the code has it: every keyword with its
    /// forms and descriptions, so the guide cannot fall behind the parser.
    func testLabGuideShowsTheStepTables() throws {
        let guide = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Labs/README.md"), encoding: .utf8)
        XCTAssertTrue(guide.contains(LabFile.stepTables), "paste LabFile.stepTables into Labs/README.md:\n\(LabFile.stepTables)")
        for keyword in LabFile.stepKeywords.steps + LabFile.stepKeywords.calls {
            XCTAssertTrue(guide.contains("| `\(keyword)"), "Labs/README.md does not list \(keyword)")
        }
    }

    /// `connect AF_UNSPEC` is a form of the connect step (connect(2) with an AF_UNSPEC
    /// address); a word after it is a usage error.
    func testConnectWithAFUnspecIsAFormOfConnect() throws {
        let lab = try LabFile.parse(header + "steps:\n  - client: socket\n  - client: connect AF_UNSPEC\n    id: dissolve\n", name: "t", source: "my.yaml")
        guard case .call(_, let call, _, _) = lab.steps[1].action else { return XCTFail("not a call") }
        XCTAssertEqual(call.description, "connect AF_UNSPEC")
        XCTAssertEqual(lab.steps[1].id, "dissolve")
        let found = error("steps:\n  - client: connect AF_UNSPEC nonblocking\n")
        XCTAssertEqual(found?.message, "usage: connect AF_UNSPEC, with nothing after it")
    }

    /// A capture expectation takes an `id` beside it, also beside `gap`, which otherwise
    /// stands alone.
    func testCaptureExpectationTakesAnId() throws {
        let lab = try LabFile.parse(header + """
            steps:
              - client: socket
            capture:
              - gap: {from: {from: client, flags: S}, to: {from: client, flags: S}, seconds: "0.9..1.3"}
                id: retry
              - {segment: {from: client}, count: 1, id: sent}
            """, name: "t", source: "my.yaml")
        XCTAssertEqual(lab.capture.map(\.id), ["retry", "sent"])
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

    /// A repeat writes its steps out once per round, each marked with its round.
    func testRepeatWritesItsStepsOncePerRound() throws {
        let lab = try LabFile.parse(header + """
            steps:
              - repeat: 3
                steps:
                  - client: socket
                  - client: close
            """, name: "t", source: "t.yaml")
        XCTAssertEqual(lab.steps.count, 6)
        XCTAssertEqual(lab.steps.map { $0.round?.description ?? "" }, [
            "round 1 of 3", "round 1 of 3", "round 2 of 3", "round 2 of 3", "round 3 of 3", "round 3 of 3",
        ])
        let nested = error("steps:\n  - repeat: 2\n    steps:\n      - repeat: 2\n        steps: []\n")
        XCTAssertEqual(nested?.message, "a repeat cannot hold another repeat")
    }

    /// 'took' bounds a call's time, each number with its unit; other steps refuse it.
    func testTookTakesATimeBoundWithUnits() throws {
        let lab = try LabFile.parse(header + "steps:\n  - client: socket\n    took: \"30ms..0.1s\"\n", name: "t", source: "t.yaml")
        let took = try XCTUnwrap(lab.steps.first?.took)
        XCTAssertEqual(took.minimum, 0.03, accuracy: 1e-9)
        XCTAssertEqual(took.maximum, 0.1, accuracy: 1e-9)
        XCTAssertEqual(error("steps:\n  - client: socket\n    took: \"30..40\"\n")?.message.hasPrefix("'took' takes a time"), true)
        XCTAssertEqual(error("steps:\n  - check: {sockets-in: LISTEN, count: 1}\n    took: 1s\n")?.message, "'took' belongs to a socket call, not to 'check'")
    }

    /// A framed send puts a 4-byte big-endian length before the text; 'recv framed' reads one.
    func testFramedCallsParse() throws {
        let lab = try LabFile.parse(header + "steps:\n  - client: send framed \"hello\"\n  - server: recv framed\n    expect: \"hello\"\n", name: "t", source: "t.yaml")
        guard case .call(_, .send(.framed(let text), blocking: true, signal: false), _, _) = lab.steps[0].action else { return XCTFail("\(lab.steps[0].action)") }
        XCTAssertEqual(text, "hello")
        guard case .call(_, .recv(.framed), .text("hello")?, _) = lab.steps[1].action else { return XCTFail("\(lab.steps[1].action)") }
        XCTAssertEqual(error("steps:\n  - client: send framed hello\n")?.message, "usage: send framed \"TEXT\" [nonblocking]")
    }

    /// An actor may lack capabilities, named as the kernel names them.
    func testActorsMayLackCapabilities() throws {
        let lab = try LabFile.parse("""
            title: A lab
            summary: One line.
            teaches: Something.
            actors:
              web:
                description: not root
                lacks: CAP_NET_BIND_SERVICE
            lesson: What happened.
            steps: []
            """, name: "t", source: "t.yaml")
        XCTAssertEqual(lab.actors.first?.lacks.map(\.name), ["CAP_NET_BIND_SERVICE"])
        do {
            _ = try LabFile.parse("title: a\nsummary: b\nteaches: c\nlesson: d\nsteps: []\nactors:\n  web:\n    description: x\n    lacks: CAP_ROOT\n", name: "t", source: "t.yaml")
            XCTFail("accepted CAP_ROOT")
        } catch {
            XCTAssertEqual(error.line, 9)
            XCTAssertTrue(error.message.hasPrefix("'lacks' takes capability names"), error.message)
        }
    }

    /// Shaping is checked before anything runs: a packet that cannot fit the bucket is refused.
    func testShapingIsChecked() throws {
        let lab = try LabFile.parse(header + "setup:\n  shaping: {rate: 20kbit, burst: 2000, latency: 2s}\nsteps: []\n", name: "t", source: "t.yaml")
        XCTAssertEqual(lab.shaping?.rate, "20kbit")
        XCTAssertEqual(lab.shaping?.mtu, 1500)
        XCTAssertEqual(error("setup:\n  shaping: {rate: fast, burst: 2000, latency: 2s}\nsteps: []\n")?.message.hasPrefix("rate is a number"), true)
        XCTAssertEqual(error("setup:\n  shaping: {rate: 1mbit, burst: 2000, latency: 2s, mtu: 9000}\nsteps: []\n")?.message.hasPrefix("a 9000-byte packet"), true)
    }

    /// 'everything NAME sent' belongs to 'recv all' and names a socket; a wait on a
    /// socket needs something to wait for.
    func testEverythingSentAndSocketWaitsAreChecked() throws {
        let lab = try LabFile.parse(header + "steps:\n  - server: recv all\n    expect: everything client sent\n  - wait: {socket: client, send-q: 0}\n", name: "t", source: "t.yaml")
        guard case .call(_, _, .everythingSent(by: "client")?, _) = lab.steps[0].action else { return XCTFail("\(lab.steps[0].action)") }
        guard case .wait(.socket("client", let facts)) = lab.steps[1].action else { return XCTFail("\(lab.steps[1].action)") }
        XCTAssertEqual(facts.sendQueue?.maximum, 0)
        XCTAssertEqual(error("steps:\n  - server: recv\n    expect: everything client sent\n")?.message.hasPrefix("'everything NAME sent' is expected only of 'recv all'"), true)
        XCTAssertEqual(error("steps:\n  - wait: {socket: client}\n")?.message, "wait on a socket needs state, recv-q, send-q, timer or expires")
    }

    /// Numbers out of range are refused where they are written, before anything runs: a
    /// duration too long or not finite, a repeat count beyond Int, a byte count beyond 64 MiB
    /// or negative, a port beyond 65535, a negative backlog or option value, a bound that is
    /// not finite, negative or beyond 2^53. None of them may reach a run (or trap on the way).
    func testNumbersOutOfRangeAreRefusedWithTheirLine() {
        let refused: [(step: String, message: String)] = [
            ("  - {server: accept, as: conn, within: 1e308 s}\n", "a duration is written like 2s or 500ms, from 1ms to 600s"),
            ("  - {server: accept, as: conn, within: nan s}\n", "a duration is written like 2s or 500ms, from 1ms to 600s"),
            ("  - {server: accept, as: conn, within: 0.0001ms}\n", "a duration is written like 2s or 500ms, from 1ms to 600s"),
            ("  - repeat: 99999999999999999999\n    steps:\n      - client: close\n", "'repeat' takes a number of rounds from 1 to 100"),
            ("  - client: send 99999999999999999KiB\n", "'99999999999999999KiB' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: send 9007199254740993MiB\n", "'9007199254740993MiB' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: send 99999999999999999999999 bytes\n", "'99999999999999999999999' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: send 65MiB\n", "'65MiB' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: send -5KiB\n", "'-5KiB' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: recv -1 bytes\n", "'-1' bytes: a byte count is from 0 to 64MiB"),
            ("  - client: connect 127.0.0.1:65536\n", "'127.0.0.1:65536' is not ADDRESS:PORT"),
            ("  - client: connect 127.0.0.1:-1\n", "'127.0.0.1:-1' is not ADDRESS:PORT"),
            ("  - server: listen -1\n", "listen takes a backlog from 0 to 2147483647, not '-1'"),
            ("  - server: listen 2147483648\n", "listen takes a backlog from 0 to 2147483647, not '2147483648'"),
            ("  - client: setsockopt SO_LINGER 1 -5\n", "setsockopt SO_LINGER takes numbers from 0 to 2147483647"),
            ("  - {client: recv, expect: 1e400}\n", "'expect' takes ok, blocks"),
            ("  - {client: recv, expect: 1e19 bytes}\n", "'expect' takes ok, blocks"),
            ("  - {client: send 10 bytes, expect: -3}\n", "'expect' takes ok, blocks"),
            ("  - check: {sockets-in: LISTEN, count: nan}\n", "'nan' is not a number or bound"),
            ("  - check: {sockets-in: LISTEN, count: \">= inf\"}\n", "'>= inf' is not a number or bound"),
            ("  - check: {sockets-in: LISTEN, count: 1e16}\n", "'1e16' is not a number or bound"),
            ("  - check: {socket: client, expires: \"-1..60\"}\n", "expires takes seconds from 0 to 2^53"),
            ("  - {client: close, took: \"<= 1e300s\"}\n", "'took' takes a time or a bound with units"),
        ]
        for (step, message) in refused {
            let found = error("steps:\n" + step)
            XCTAssertEqual(found?.line, 9, step)
            XCTAssertEqual(found?.message.hasPrefix(message), true, "\(step): \(found?.message ?? "accepted")")
        }
    }

    /// Shaping's rate is a plain number with its unit, from 1 to 100000000: not zero, not a
    /// number tc cannot read, not digits of another script.
    func testShapingRateIsBounded() {
        for rate in ["0kbit", "99999999999999999999999kbit", "١٠٠kbit"] {
            XCTAssertEqual(
                error("setup:\n  shaping: {rate: \(rate), burst: 2000, latency: 2s}\nsteps: []\n")?.message.hasPrefix("rate is a number from 1 to 100000000"),
                true, rate)
        }
    }

    /// The largest values in range still parse: 64 MiB sent, a 600 s step, a bound of 2^53,
    /// and a whole bound prints without ".0".
    func testNumbersAtTheLimitsAreAccepted() throws {
        let lab = try LabFile.parse(header + """
            steps:
              - client: send 64MiB
                within: 600s
              - check: {sockets-in: LISTEN, count: 9007199254740992}
              - client: recv 67108864 bytes
                expect: "0..9007199254740992 bytes"
            """, name: "t", source: "t.yaml")
        guard case .call(_, .send(.bytes(let count), _, _), _, _) = lab.steps[0].action else { return XCTFail("\(lab.steps[0].action)") }
        XCTAssertEqual(count, 64 << 20)
        XCTAssertEqual(lab.steps[0].within, .seconds(600))
        guard case .check(let check) = lab.steps[1].action else { return XCTFail("\(lab.steps[1].action)") }
        XCTAssertEqual(check.description, "kernel: sockets in LISTEN: 9007199254740992")
        guard case .call(_, _, let expect?, _) = lab.steps[2].action else { return XCTFail("\(lab.steps[2].action)") }
        XCTAssertEqual(expect.description, "0–9007199254740992 bytes")
    }

    /// An accept expected to fail or to block returns no socket, so the name it gives is no
    /// socket either: a later step using it is an error at that step, naming the accept's
    /// line. (The run would otherwise reach a step for a socket that was never made.)
    func testNameFromAnAcceptExpectedToFailCannotBeUsed() {
        let failing = error("""
            steps:
              - server: accept
                as: conn
                expect: EAGAIN
              - conn: recv
            """)
        assertRefused(failing, line: 12, message: "no socket named 'conn': the accept on line 9 that names it is expected to fail or block, so it returns no socket")
        let blocking = error("""
            steps:
              - server: accept
                as: conn
                expect: blocks
              - wait: {socket: conn, state: ESTABLISHED}
            """)
        assertRefused(blocking, line: 12, message: "no socket named 'conn': the accept on line 9 that names it is expected to fail or block, so it returns no socket")
        let compared = error("""
            steps:
              - server: accept
                as: conn
                expect: ETIMEDOUT
              - client: recv all
                expect: everything conn sent
            """)
        assertRefused(compared, line: 13, message: "no socket named 'conn': the accept on line 9 that names it is expected to fail or block, so it returns no socket")
    }

    /// A failing accept needs no name; a later accept that succeeds may take the name an
    /// earlier failing one gave, and then the name is a socket.
    func testLaterAcceptGivesTheNameItsSocket() throws {
        let lab = try LabFile.parse(header + """
            steps:
              - server: accept
                expect: EAGAIN
              - server: accept
                as: conn
                expect: blocks
              - server: accept
                as: conn
              - conn: recv
            """, name: "t", source: "t.yaml")
        XCTAssertEqual(lab.steps.count, 4)
    }

    /// A repeat may not multiply a lab past 1000 steps: each round is written out, and
    /// a run prints each step. The error is at the repeat's count.
    func testRepeatBeyondAThousandStepsIsRefused() {
        let steps = (0..<11).map { _ in "      - client: poll\n" }.joined()
        let found = error("steps:\n  - repeat: 100\n    steps:\n" + steps)
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.message, "100 rounds of 11 steps are more than the 1000 steps a lab may have")
    }

    /// YAML aliases let 11 KB name one list of 1800 segments 1800 times (3.2 million
    /// patterns, a minute of matching); the parser counts every value it reads, each use of
    /// an alias again, and stops past 50000 with an error instead.
    func testAliasesCannotMultiplyTheWork() {
        let order = "&o {order: [&p {from: client, flags: S}, " + Array(repeating: "*p", count: 1800).joined(separator: ", ") + "]}"
        let found = error("steps: []\ncapture: [" + order + ", " + Array(repeating: "*o", count: 1800).joined(separator: ", ") + "]\n")
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.message, "the lab is too large: more than 50000 values, each use of a YAML alias (*name) counted again")
    }

    /// A name used before the step that makes it is an unknown step key at its line.
    func testNameUsedBeforeItsAcceptIsRefused() {
        let found = error("steps:\n  - conn: recv\n  - server: accept\n    as: conn\n")
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.message.hasPrefix("unknown step key 'conn'"), true, found?.message ?? "")
    }

    /// `tcplab run` on a lab file with a number out of range exits 2 with the file:line:
    /// error on stderr, before anything runs (so no root is needed), instead of trapping.
    func testRunRefusesAnOutOfRangeLabWithExitTwo() throws {
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("huge.yaml").path
        try Array((header + "steps:\n  - client: send 99999999999999999KiB\n").utf8).withUnsafeBytes { bytes in
            let file = try FileDescriptor.openForWriting(path)
            defer { try? file.close() }
            try file.writeAll(bytes)
        }
        let run = try ChildProcess.run([TestEnvironment.tcplab, "run", "--no-capture", path])
        XCTAssertEqual(run.status, 2, run.error)
        XCTAssertEqual(run.error, "tcplab: \(path):9: '99999999999999999KiB' bytes: a byte count is from 0 to 64MiB\n")
    }
}

private func assertRefused(_ found: LabFileError?, line: Int, message: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
    XCTAssertEqual(found?.line, line, file: file, line: lineNumber)
    XCTAssertEqual(found?.message, message, file: file, line: lineNumber)
}

/// `requires:` states the kernel a lab describes; an older kernel skips the lab, with the reason.
final class LabRequirementsTests: XCTestCase {
    private func lab(_ requires: String) throws -> Lab {
        try LabFile.parse("""
            title: A lab
            summary: One line.
            teaches: Something.
            requires:
            \(requires)
            actors:
              client: connects
            steps:
              - client: socket
            lesson: What happened.

            """, name: "test", source: "my.yaml")
    }

    private func refusal(_ requires: String) -> LabFileError? {
        do {
            _ = try lab(requires)
            XCTFail("the lab file was accepted")
            return nil
        } catch let error as LabFileError {
            return error
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    /// A kernel release and sysctls are read as written and shown as `tcplab list` shows them.
    func testRequirementsReadKernelAndSysctls() throws {
        let requires = try XCTUnwrap(try lab("  kernel: \"6.5\"\n  sysctls: [net.ipv4.tcp_syn_linear_timeouts]").requires)
        XCTAssertEqual(requires.kernel, [6, 5])
        XCTAssertEqual(requires.sysctls, ["net.ipv4.tcp_syn_linear_timeouts"])
        XCTAssertEqual(requires.description, "kernel >= 6.5, sysctl net.ipv4.tcp_syn_linear_timeouts")
    }

    /// A release that is not dotted numbers, a sysctl outside net., or an unknown key is a
    /// file:line: error.
    func testMalformedRequirementsAreRefusedWithTheirLine() {
        let kernel = refusal("  kernel: \"six\"")
        XCTAssertEqual(kernel?.line, 5)
        XCTAssertEqual(kernel?.message, "'requires.kernel' is a kernel release as numbers, quoted: \"6.1\" or \"5.15.0\", not 'six'")
        let sysctl = refusal("  sysctls: [kernel.hostname]")
        XCTAssertEqual(sysctl?.line, 5)
        XCTAssertEqual(sysctl?.message.hasPrefix("'kernel.hostname' is not a network sysctl"), true, sysctl?.message ?? "")
        let key = refusal("  arch: x86")
        XCTAssertEqual(key?.line, 5)
        XCTAssertEqual(key?.message, "unknown key 'arch' in requires; allowed: kernel, sysctls")
    }

    /// This kernel meets what the built-in labs require (their lessons were measured on it),
    /// and a release from the future or a sysctl that does not exist is not met, with why.
    func testUnmetRequirementSaysWhy() throws {
        for lab in try LabCatalog.builtIn() {
            XCTAssertNil(lab.requires?.unmet(), lab.name)
        }
        let future = try XCTUnwrap(try lab("  kernel: \"999.1\"").requires)
        XCTAssertEqual(future.unmet()?.hasPrefix("needs Linux 999.1 or later; this kernel is "), true, future.unmet() ?? "met")
        let missing = try XCTUnwrap(try lab("  sysctls: [net.ipv4.tcp_no_such_setting]").requires)
        XCTAssertEqual(missing.unmet(), "this kernel has no sysctl net.ipv4.tcp_no_such_setting, which the lab needs")
    }

    /// A lab whose requirement this kernel does not meet is skipped, not failed, and runs no step.
    func testLabOnAnOlderKernelIsSkippedNotFailed() throws {
        try TestEnvironment.requireRoot()
        let result = LabRunner(kernelLog: false).run(try lab("  kernel: \"999\""), capturePath: nil)
        XCTAssertFalse(result.passed)
        XCTAssertEqual(result.skipped?.hasPrefix("needs Linux 999 or later"), true, result.skipped ?? "not skipped")
        XCTAssertTrue(result.steps.isEmpty)
        XCTAssertNil(result.error)
    }
}
