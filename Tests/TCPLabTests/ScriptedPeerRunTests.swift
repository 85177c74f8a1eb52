import Foundation
import TCPLabEngine
import XCTest

/// The scripted peer at work outside the built-in labs: over IPv6, interrupted, and for
/// a user who may not open /dev/net/tun.
final class ScriptedPeerRunTests: XCTestCase {
    /// A kernel client connects over IPv6 to a peer acting as a tiny server.
    private let ipv6Lab = """
        title: IPv6 client and scripted server
        summary: One request, one reply, over IPv6.
        teaches: The peer works over IPv6 too.
        actors:
          client: a kernel socket
          web:
            description: tcplab as a server
            peer: "[2001:db8::1]:80"
        steps:
          - client: socket ipv6
          - client: connect [2001:db8::1]:80 nonblocking
          - web: expect S seq=0 mss sackok ts wscale within 1s
          - web: send SA seq=0 ack=1 mss=1440
          - web: expect A seq=1 ack=1 within 1s
          - client: send "GET /\\r\\n"
          - web: expect PA seq=1 ack=1 len=7 within 1s
          - web: send FPA seq=1 ack=8 "hi\\n"
          - client: recv all
            expect: "hi\\n"
          - check: {socket: client, state: CLOSE-WAIT}
        capture:
          - {segment: {from: web, flags: F}, count: 1}
        lesson: It worked.
        """

    /// Over IPv6 the crafted segments' checksums hold (the kernel answers them), the
    /// capture names the peer, and the kernel's socket reaches CLOSE-WAIT on the peer's FIN.
    func testPeerServesAnIPv6Client() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse(ipv6Lab, name: "ipv6-peer", source: "ipv6-peer.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.failures)
        XCTAssertEqual(result.segments(from: "web", flags: "S").first?.flags, "SA")
        XCTAssertEqual(result.step("client", "recv all")?.observed, #"3 bytes: "hi\n", then end of stream"#)
    }

    /// Ctrl-C while the peer waits for a segment: the wait ends at once, tcplab exits 130
    /// after closing the TUN device with the rest of the lab, and no process is left.
    func testInterruptedPeerWaitEndsTheLabCleanly() throws {
        try TestEnvironment.requireRoot()
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        let file = directory.appendingPathComponent("waiting.yaml")
        try """
            title: A peer that waits
            summary: Waits 30 s for silence.
            teaches: Nothing.
            actors:
              peer:
                description: tcplab
                peer: 192.0.2.1:40000
                to: 192.0.2.2:8080
            steps:
              - peer: send S seq=0
              - peer: expect RA ack=1 within 1s
              - peer: expect nothing within 30s
            lesson: None.
            """.write(to: file, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("out").path
        let child = try ChildProcess([TestEnvironment.tcplab, "run", file.path, "--output", directory.path], stdoutPath: out, pipeStderr: true)
        XCTAssertTrue(try child.waitForErrorLine(containing: "running waiting", timeout: 10))
        XCTAssertTrue(try waitUntilPolling(child.pid, forAbout: 30), "the peer's 30 s wait began")
        let started = Date()
        child.signal(SIGINT)
        XCTAssertEqual(try child.wait(), 130)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the 30 s wait ended at the signal")
        let report = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(report.contains("Stopped: interrupted by SIGINT"), report)
        XCTAssertTrue(report.contains("→ AR seq=0 ack=1"), "the kernel's reset to the SYN was seen first:\n\(report)")
        XCTAssertEqual(kill(child.pid, 0), -1, "the process is gone")
    }

    /// Waits (up to 10 s) until a thread of `pid` is in poll(2) with a timeout near
    /// `seconds`, as /proc/PID/task/TID/syscall shows it (x86_64: poll is 7, its third
    /// argument the timeout in milliseconds): the peer's wait, not the capture's (-1).
    private func waitUntilPolling(_ pid: pid_t, forAbout seconds: Int) throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for task in tasks {
                let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/syscall", encoding: .utf8)) ?? ""
                let fields = text.split(separator: " ")
                guard fields.count > 3, fields[0] == "7", let timeout = Int(fields[3].dropFirst(2), radix: 16) else { continue }
                if (seconds - 2) * 1000...seconds * 1000 ~= timeout { return true }
            }
            usleep(10_000)
        }
        return false
    }

    /// An ordinary user runs a peer lab in its user namespace if it may open
    /// /dev/net/tun; otherwise the lab is skipped with one line saying why, and the run
    /// does not fail.
    func testOrdinaryUserRunsOrSkipsAPeerLabByTunAccess() throws {
        try TestEnvironment.requireLabPrivilege()
        if TestEnvironment.isRoot {
            try TestEnvironment.requireTool("runuser")
        }
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        let tool = directory.appendingPathComponent("tcplab").path
        try FileManager.default.copyItem(atPath: TestEnvironment.tcplab, toPath: tool)
        let asOrdinaryUser = TestEnvironment.isRoot ? ["runuser", "-u", "nobody", "--"] : []
        let run = try ChildProcess.run(asOrdinaryUser + [tool, "run", "simultaneous-open", "--output", directory.appendingPathComponent("caps").path])
        if run.error.contains("unshare(CLONE_NEWUSER) failed") {
            throw TestEnvironment.privilegeRefused("this kernel does not let ordinary users create user namespaces: \(run.error)")
        }
        XCTAssertEqual(run.status, 0, run.error + run.output)
        // Whether "others" may read and write the device decides it for nobody.
        let mode = try (FileManager.default.attributesOfItem(atPath: "/dev/net/tun")[.posixPermissions] as? Int) ?? 0
        if mode & 0o006 == 0o006 {
            XCTAssertTrue(run.output.contains("PASS simultaneous-open"), run.output)
        } else {
            XCTAssertEqual(run.output.split(separator: "\n").count, 1, run.output)
            XCTAssertTrue(run.output.hasPrefix("SKIP simultaneous-open: the scripted peer needs a TUN device"), run.output)
            XCTAssertTrue(run.output.contains("/dev/net/tun"), run.output)
            XCTAssertTrue(run.error.contains("simultaneous-open: skipped"), run.error)
        }
    }

    /// Where an ordinary user may open /dev/net/tun, the peer lab runs in the user
    /// namespace tcplab makes and passes. Root arranges it without touching the host: in a
    /// mount namespace of the test's own, a copy of the device node with mode 0666 is
    /// bound over /dev/net/tun, and "nobody" runs the lab there.
    func testOrdinaryUserAllowedToOpenTunRunsAPeerLab() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTool("runuser")
        try TestEnvironment.requireTool("unshare")
        let directory = try TestEnvironment.temporaryDirectory(for: self)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        let tool = directory.appendingPathComponent("tcplab").path
        try FileManager.default.copyItem(atPath: TestEnvironment.tcplab, toPath: tool)
        let node = directory.appendingPathComponent("tun").path
        let script = "mknod \(node) c 10 200 && chmod 666 \(node) && mount --bind \(node) /dev/net/tun && cd / && "
            + "runuser -u nobody -- \(tool) run simultaneous-open --output \(directory.path)/caps"
        let run = try ChildProcess.run(["unshare", "-m", "sh", "-c", script])
        if run.error.contains("unshare(CLONE_NEWUSER) failed") {
            throw TestEnvironment.privilegeRefused("this kernel does not let ordinary users create user namespaces: \(run.error)")
        }
        XCTAssertEqual(run.status, 0, run.error + run.output)
        XCTAssertTrue(run.output.contains("PASS simultaneous-open"), run.output)
    }
}
