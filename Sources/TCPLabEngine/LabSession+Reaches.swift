import TCPLabAnalysis
import TCPLabReport

extension LabSession {
    /// Whether the capture traverses each row the lab means to reach (`reaches:`): one
    /// result per row, failing the lab when no segment moved an endpoint by it.
    func evaluateReaches(_ segments: [AnnotatedSegment]) -> [ExpectationResult] {
        guard !lab.reaches.isEmpty else { return [] }
        let reached = StateCoverage.rowsReached(by: segments)
        return lab.reaches.map { reach in
            let frames = reached[reach.id] ?? []
            let observed = frames.isEmpty
                ? "no segment moved an endpoint by this row"
                : "taken at " + Self.frameList(frames)
            return ExpectationResult(line: reach.line, expectation: reach.description, observed: observed, passed: !frames.isEmpty)
        }
    }
}
