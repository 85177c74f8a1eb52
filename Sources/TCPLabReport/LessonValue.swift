/// One placeholder of a lesson (`{gap: first-retry}`) and what this run measured for it.
public struct LessonValue: Sendable, Encodable {
    /// Whether the value stands for a claim this run bore out.
    public enum Status: String, Sendable, Encodable {
        /// Measured by a step or expectation that held (or a counter, which claims nothing).
        case measured
        /// Measured, but by a step or expectation that did not hold: the lesson's claim
        /// around it is not borne out.
        case notHeld = "did not hold"
        /// Not measured: the step did not run, or the capture was not analysed.
        case notMeasured = "not measured"
    }

    /// As the lesson writes it: "{gap: first-retry}".
    public var placeholder: String
    /// What the run measured ("1.015 s"); nil when nothing was.
    public var value: String?
    /// Whether it held.
    public var status: Status
    /// Where it comes from: "line 41: capture: 0.9–1.3 s from ...".
    public var source: String

    /// A value with every field given.
    public init(placeholder: String, value: String?, status: Status, source: String) {
        self.placeholder = placeholder
        self.value = value
        self.status = status
        self.source = source
    }

    /// The text that stands in the lesson: the value; with "[did not hold]" after it when
    /// its step or expectation failed; "[not measured]" when there is none.
    public var text: String {
        switch status {
        case .measured: return value ?? "[not measured]"
        case .notHeld: return (value.map { $0 + " " } ?? "") + "[did not hold]"
        case .notMeasured: return "[not measured]"
        }
    }
}

extension LabResult {
    /// The claims this run did not bear out, one line each: the steps that failed, the
    /// capture expectations that did not hold, transitions the kernel contradicts, and why
    /// the lab could not finish.
    public var claimsNotHeld: [String] {
        var claims = steps.filter { $0.status == .failed }.map { "line \($0.line): \($0.actor) \($0.action)" + ($0.expected.map { ", expected \($0)" } ?? "") + " → \($0.observed)" }
        claims += capture.filter { !$0.passed }.map { "line \($0.line): \($0.expectation) → \($0.observed)" }
        claims += kernelAgreement.filter { !$0.agrees && !$0.withScriptedPeer }.map { "\($0.socket) \($0.from) → \($0.to): \($0.verdict)" }
        if let error { claims.append("the lab could not finish: \(error)") }
        return claims
    }
}
