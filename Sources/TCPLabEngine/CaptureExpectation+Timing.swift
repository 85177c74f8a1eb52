import TCPLabAnalysis
import TCPLabReport

extension LabSession {
    /// `gap`: seconds from the first segment matching `from` to the first segment after it
    /// matching `to`, both as captured; the gap itself when both were found.
    func evaluateGap(from: SegmentPattern, to: SegmentPattern, seconds: Comparison, _ segments: [AnnotatedSegment]) -> (String, Bool, Double?) {
        guard let start = segments.firstIndex(where: { matches(from, $0) }) else {
            return ("no segment matches \(from)", false, nil)
        }
        guard let end = segments[(start + 1)...].first(where: { matches(to, $0) }) else {
            return ("frame \(segments[start].frame), then no segment matches \(to)", false, nil)
        }
        let gap = Self.seconds(from: segments[start].timestamp, to: end.timestamp)
        return ("\(Self.secondsText(gap)) s (frames \(segments[start].frame) to \(end.frame))", seconds.allows(gap), gap)
    }

    /// `gaps`: each gap between consecutive matching segments divided by the one before
    /// must be within `ratio` (a backoff that doubles has ratios near 2). Needs at least
    /// three matching segments, so that there are two gaps to compare. Also returns the gaps.
    func evaluateGaps(_ pattern: SegmentPattern, ratio: Comparison, _ segments: [AnnotatedSegment]) -> (String, Bool, [Double]) {
        let matching = segments.filter { matches(pattern, $0) }
        guard matching.count >= 3 else {
            return ("\(matching.count) matching; two gaps need three segments", false, [])
        }
        var gaps: [Double] = []
        for index in 1..<matching.count {
            gaps.append(Self.seconds(from: matching[index - 1].timestamp, to: matching[index].timestamp))
        }
        var ratios: [Double] = []
        for index in 1..<gaps.count {
            // Two segments in the same instant have no ratio to speak of: infinity fails any bound.
            ratios.append(gaps[index - 1] > 0 ? gaps[index] / gaps[index - 1] : .infinity)
        }
        let passed = ratios.allSatisfy { ratio.allows($0) }
        let observed = "gaps " + gaps.map(Self.secondsText).joined(separator: ", ") + " s, ratios "
            + ratios.map(Self.ratioText).joined(separator: ", ") + " (" + Self.frameList(matching.map(\.frame)) + ")"
        return (observed, passed, gaps)
    }

    /// Capture timestamps are nanoseconds; a later one minus an earlier one, in seconds.
    static func seconds(from start: Int64, to end: Int64) -> Double {
        let (difference, overflow) = end.subtractingReportingOverflow(start)
        return overflow ? .infinity : Double(difference) / 1e9
    }

    /// "1.024", as the report prints times; beyond any real gap (or not finite), "∞".
    static func secondsText(_ value: Double) -> String {
        // formatSeconds converts to Int: keep to values that fit with room to spare.
        value.isFinite && abs(value) < 1e9 ? LabResult.formatSeconds(value) : "∞"
    }

    /// "2.00": hundredths shown.
    static func ratioText(_ value: Double) -> String {
        guard value.isFinite else { return "∞" }
        let hundredths = Int64(exactly: (abs(value) * 100).rounded()) ?? 0
        let fraction = hundredths % 100
        return (value < 0 ? "-" : "") + "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
