import TCPLabAnalysis

extension LadderRenderer {
    /// Each open connection's segments so far, by stream: a chain of steps in one arena (a
    /// few words per connection; the kernel's notes are placed among them when it is printed).
    struct Ladders {
        private var pending: [Int: StepArena.Chain] = [:]
        var arena = StepArena()
        /// With --explain: the rows of the state table each step took, by stream and the
        /// step's place in its chain.
        private var explanations: [Int: [Int: String]] = [:]

        /// Keeps `segment` as the next step of its stream, with its explanation if any.
        mutating func add(_ segment: AnnotatedSegment, explanation: String) {
            let number = segment.stream
            if !explanation.isEmpty {
                explanations[number, default: [:]][pending[number]?.count ?? 0] = explanation
            }
            // In place: the dictionary's default subscript modifies the entry without a copy.
            arena.append(LadderStep(segment), to: &pending[number, default: StepArena.Chain()])
        }

        /// Removes and returns `stream`'s steps and explanations.
        mutating func take(_ stream: Int) -> (StepArena.Chain, [Int: String]) {
            // Without --explain there are none to look up (hashing the key is most of a lookup).
            (pending.removeValue(forKey: stream) ?? StepArena.Chain(), explanations.isEmpty ? [:] : explanations.removeValue(forKey: stream) ?? [:])
        }
    }
}
