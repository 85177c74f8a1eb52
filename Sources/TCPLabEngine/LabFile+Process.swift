import Yams

extension LabFileParser {
    /// `process: hold NAME` or `process: kill NAME`, NAME a socket (not a scripted peer).
    func processStep(_ node: Node) throws(LabFileError) -> ProcessStep {
        let text = try string(node, "a process step")
        let step: ProcessStep
        do throws(ProcessStep.ProblemText) {
            step = try ProcessStep(parsing: text)
        } catch let problem {
            throw error(node, problem.text)
        }
        if !sockets.contains(step.socket), let line = unborn[step.socket] { throw error(node, unbornMessage(step.socket, line)) }
        guard sockets.contains(step.socket) else {
            throw error(node, "no socket named '\(step.socket)' for a process to hold (sockets so far: \(sockets.sorted().joined(separator: ", ")))")
        }
        return step
    }
}
