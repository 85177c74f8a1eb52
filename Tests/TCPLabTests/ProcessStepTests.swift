import Glibc
import TCPLabEngine
import TCPLabSystem
import XCTest

/// `process: hold NAME` and `process: kill NAME`: a lab hands a socket to a real child
/// process and kills it, so the kernel closes the socket as it does for any process that
/// dies. The parser checks the step before anything runs; the child holds exactly the
/// descriptor it was given.
final class ProcessStepTests: XCTestCase {
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

    /// Both verbs parse, for an actor's socket and for one named by an accept.
    func testHoldAndKillParseForAnySocket() throws {
        let lab = try LabFile.parse(header + """
            steps:
              - client: socket
              - process: hold client
              - process: kill client
              - server: accept
                as: conn
              - process: hold conn
            """, name: "t", source: "t.yaml")
        let steps = lab.steps.compactMap { step -> String? in
            if case .process(let process) = step.action { return process.description }
            return nil
        }
        XCTAssertEqual(steps, ["hold client", "kill client", "hold conn"])
    }

    /// A process step names an existing socket; an unknown one is an error with its line.
    func testAProcessStepNamesAnExistingSocket() {
        let found = error("steps:\n  - process: kill ghost\n")
        XCTAssertEqual(found?.line, 9)
        XCTAssertEqual(found?.message.hasPrefix("no socket named 'ghost' for a process to hold"), true, found?.message ?? "")
    }

    /// An unknown verb is reported with the two there are.
    func testAnUnknownProcessVerbIsReported() {
        let found = error("steps:\n  - process: stop client\n")
        XCTAssertEqual(found?.message.hasPrefix("unknown process step 'stop'; a process step is hold NAME"), true, found?.message ?? "")
        XCTAssertEqual(error("steps:\n  - process: kill\n")?.message, "a process step is hold NAME or kill NAME")
        XCTAssertEqual(error("steps:\n  - process: kill client\n    expect: ok\n")?.message, "'expect' belongs to a socket call, not to 'process'")
    }

    /// `process` is a step keyword, so it cannot name an actor.
    func testProcessCannotNameAnActor() {
        do {
            _ = try LabFile.parse("title: x\nsummary: y\nteaches: z\nactors:\n  process: a\nsteps: []\nlesson: z\n", name: "t", source: "t.yaml")
            XCTFail("accepted an actor named process")
        } catch {
            XCTAssertEqual(error.message, "'process' cannot name an actor: it is a step keyword")
        }
    }

    /// The child holds its standard descriptors and the one it was given, as its
    /// descriptor 3, and nothing else of this process's: here the other end of the socket
    /// pair stays out of it.
    func testTheChildHoldsOnlyTheDescriptorItWasGiven() throws {
        var ends: [Int32] = [-1, -1]
        try systemCall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) }
        defer { for end in ends { _ = close(end) } }
        let holder = try HoldingProcess(holding: ends[0])
        defer { holder.end() }
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(holder.pid)/fd").sorted()
        XCTAssertEqual(listed, ["0", "1", "2", "3"])
        let given = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(ends[0])")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(holder.pid)/fd/3"), given)
    }

    /// Killed with SIGKILL, the child dies and its kernel closes what it held: with the
    /// caller's copy closed, the other end of the pair reads end of stream. waitpid reports
    /// the signal.
    func testKillingTheChildClosesWhatItHeld() throws {
        var ends: [Int32] = [-1, -1]
        try systemCall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) }
        defer { _ = close(ends[1]) }
        let holder = try HoldingProcess(holding: ends[0])
        defer { holder.end() }
        _ = close(ends[0])
        // While the child lives the pair is open: nothing to read yet.
        var byte: UInt8 = 0
        XCTAssertEqual(recv(ends[1], &byte, 1, Int32(MSG_DONTWAIT)), -1)
        XCTAssertEqual(errno, EAGAIN)
        XCTAssertEqual(try holder.kill(SIGKILL), .signalled(SIGKILL))
        XCTAssertEqual(holder.termination?.description, "was killed by SIGKILL")
        XCTAssertEqual(recv(ends[1], &byte, 1, Int32(MSG_DONTWAIT)), 0, "end of stream once the holder died")
    }

    /// The child's life is tied to its holder object: ending it is safe twice, and a child
    /// ended (not by the lab's kill) is reaped, so no zombie is left.
    func testEndReapsTheChildAndIsSafeTwice() throws {
        var ends: [Int32] = [-1, -1]
        try systemCall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) }
        defer { for end in ends { _ = close(end) } }
        let holder = try HoldingProcess(holding: ends[0])
        holder.end()
        holder.end()
        XCTAssertTrue(holder.hasEnded)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(holder.pid)/status"), "reaped, not a zombie")
    }

    /// A `socket` step for a name whose socket a child process holds ends that child first
    /// (SIGKILL, then waitpid), so the old connection closes as at any process death (FIN
    /// here: nothing was unread) and the name can be handed to a child again.
    func testANewSocketEndsTheChildHoldingTheOldOne() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse("""
            title: Replace a held socket
            summary: A socket step for a held name.
            teaches: Nothing.
            actors:
              server: listens
              client: connects, hands its socket to a child, then makes a new one
            steps:
              - server: socket
              - server: bind 127.0.0.1:8080
              - server: listen 8
              - client: socket
              - client: connect 127.0.0.1:8080
              - server: accept
                as: conn
              - process: hold client
              - client: socket
              - wait: {segment: {from: client, flags: F}}
              - check: {socket: conn, state: CLOSE-WAIT}
              - process: hold client
              - process: kill client
            lesson: None.
            """, name: "replace-held", source: "replace-held.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.failures)
        let replaced = result.steps.filter { $0.actor == "client" && $0.action.hasPrefix("socket") }.last
        XCTAssertEqual(replaced?.observed.hasPrefix("ok; ended child process "), true, replaced?.observed ?? "")
        XCTAssertEqual(replaced?.observed.hasSuffix("(ESTABLISHED, nothing unread): that sends FIN"), true, replaced?.observed ?? "")
    }
}
