import Synchronization
import TCPLabEngine
import TCPLabReport
import TCPLabSystem
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A child process being spawned holds a copy of every descriptor until its exec, so a
/// socket closed in that window is released by the child, not by close(2). SpawnFence
/// keeps closes and spawns apart; this test spawns without pause on another thread
/// while a lab closes sockets whose close is the lesson.
final class SpawnFenceTests: XCTestCase {
    /// SO_LINGER {on, 1 s} against a closed window: close() blocks the full second in the
    /// lab's thread every time, although children are spawned all the while (before the
    /// fence, a close in a spawn window returned in microseconds and the child lingered).
    func testLingeringCloseBlocksInTheCallerWhileChildrenAreSpawned() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabCatalog.lab("linger-timeout")
        let stop = Atomic<Bool>(false)
        let spawns = Atomic<Int>(0)
        let spawner = try PosixThread.start {
            while !stop.load(ordering: .relaxed) {
                _ = try? Command.run(["true"])
                spawns.add(1, ordering: .relaxed)
            }
        }
        defer {
            stop.store(true, ordering: .relaxed)
            pthread_join(spawner, nil)
        }
        for _ in 0..<3 {
            let result = LabRunner().run(lab, capturePath: nil)
            XCTAssertTrue(result.passed, result.failures)
            let close = result.steps.first { $0.actor == "client" && $0.action == "close" }
            XCTAssertEqual(close?.status, .passed, close?.observed ?? "no close step")
        }
        XCTAssertGreaterThan(spawns.load(ordering: .relaxed), 10, "the spawner ran alongside the labs")
    }
}
