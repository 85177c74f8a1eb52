import TCPLabEngine
import TCPLabReport
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a list of labs on up to `jobs` threads at once and hands their results back in the
/// list's order, each as soon as it and every lab before it have finished.
///
/// Labs may overlap because each runs in a network namespace of its own: ports, sysctls,
/// firewall rules and counters never meet. Once an interruption is requested no further lab
/// starts; the ones running stop at their next system call.
final class LabBatch: @unchecked Sendable {
    // @unchecked: `results`, `next` and `running` are read and written only with
    // `condition`'s lock held (every access below is inside `condition.withLock`).
    private let condition = Condition()
    private var results: [LabResult?]
    private var next = 0
    private var running: Int

    private let labs: [Lab]
    private let runner: LabRunner
    private let capturePath: (Lab) -> String?
    private let started: (Lab, Int) -> Void

    /// Starts `jobs` worker threads over `labs`; `started` is called as each lab begins.
    init(
        labs: [Lab], jobs: Int, runner: LabRunner, capturePath: @escaping (Lab) -> String?,
        started: @escaping (Lab, Int) -> Void
    ) throws(SystemCallError) {
        self.labs = labs
        self.runner = runner
        self.capturePath = capturePath
        self.started = started
        results = Array(repeating: nil, count: labs.count)
        let workers = max(1, min(jobs, labs.count))
        running = workers
        for _ in 0..<workers {
            let thread = try PosixThread.start { [self] in work() }
            pthread_detach(thread)
        }
    }

    /// The result of lab `index`, once it has finished; nil if it never ran (interrupted).
    func result(_ index: Int) -> LabResult? {
        condition.withLock {
            while results[index] == nil && (running > 0 && (next > index || !isStopping)) {
                condition.wait()
            }
            return results[index]
        }
    }

    private var isStopping: Bool { runner.interruption?.isRequested ?? false }

    private func work() {
        while true {
            let index: Int? = condition.withLock {
                guard next < labs.count, !isStopping else {
                    running -= 1
                    condition.broadcast()
                    return nil
                }
                next += 1
                return next - 1
            }
            guard let index else { return }
            let lab = labs[index]
            started(lab, index)
            let result = runner.run(lab, capturePath: capturePath(lab))
            condition.withLock {
                results[index] = result
                condition.broadcast()
            }
        }
    }
}
