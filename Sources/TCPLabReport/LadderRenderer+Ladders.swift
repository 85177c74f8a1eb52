import TCPLabAnalysis

extension LadderRenderer {
    /// Each open connection's segments so far, by stream: a chain of steps in one arena (a
    /// few words per connection; the kernel's notes are placed among them when it is printed).
    struct Ladders {
        /// Each pending ladder's chain, by place; the places of printed ladders are reused.
        private var chains: [StepArena.Chain] = []
        private var freePlaces: [Int] = []
        /// Where each pending stream's chain is.
        private var places: [Int: Int] = [:]
        /// The places of the streams that had a segment last, at `stream & cacheMask`:
        /// the next segment is most likely one of theirs, and finding it here costs no
        /// hashing (which, for every segment, was a twentieth of printing the text).
        private var cachedStreams = [Int](repeating: -1, count: Ladders.cacheSize)
        private var cachedPlaces = [Int](repeating: 0, count: Ladders.cacheSize)
        private static let cacheSize = 1024
        private static let cacheMask = cacheSize - 1

        var arena = StepArena()
        /// With --explain: the rows of the state table each step took, by stream and the
        /// step's place in its chain.
        private var explanations: [Int: [Int: String]] = [:]

        /// Keeps `step` as the next step of `stream`, with its explanation if any.
        mutating func add(_ step: LadderStep, of stream: Int, explanation: String) {
            let place = place(of: stream)
            if !explanation.isEmpty {
                explanations[stream, default: [:]][chains[place].count] = explanation
            }
            arena.append(step, to: &chains[place])
        }

        /// Removes and returns `stream`'s steps and explanations.
        mutating func take(_ stream: Int) -> (StepArena.Chain, [Int: String]) {
            // Without --explain there are none to look up (hashing the key is most of a lookup).
            let explained = explanations.isEmpty ? [:] : explanations.removeValue(forKey: stream) ?? [:]
            guard let place = places.removeValue(forKey: stream) else { return (StepArena.Chain(), explained) }
            let index = stream & Self.cacheMask
            if cachedStreams[index] == stream { cachedStreams[index] = -1 }
            let chain = chains[place]
            chains[place] = StepArena.Chain()
            freePlaces.append(place)
            return (chain, explained)
        }

        /// The place of `stream`'s chain, made if it has none.
        private mutating func place(of stream: Int) -> Int {
            let index = stream & Self.cacheMask
            if cachedStreams[index] == stream { return cachedPlaces[index] }
            let place: Int
            if let known = places[stream] {
                place = known
            } else if let free = freePlaces.popLast() {
                place = free
                places[stream] = place
            } else {
                place = chains.count
                chains.append(StepArena.Chain())
                places[stream] = place
            }
            cachedStreams[index] = stream
            cachedPlaces[index] = place
            return place
        }
    }
}
