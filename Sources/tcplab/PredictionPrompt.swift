import TCPLabEngine
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `tcplab run --predict`: asks a step's question on standard error and reads the choice
/// from standard input, before the step runs.
enum PredictionPrompt {
    /// Asks, and returns the index of the choice; nil at the end of input (no more asking).
    @Sendable static func ask(_ prediction: Step.Prediction, step: String) -> Int? {
        var text = "\nNext step: \(step)\n  \(prediction.question)\n"
        for (index, choice) in prediction.choices.enumerated() { text += "    \(index + 1)) \(choice)\n" }
        while true {
            Diagnostics.write(text + "  Your answer (1-\(prediction.choices.count)): ")
            guard let answer = readLine(strippingNewline: true) else {
                Diagnostics.write("\n")
                return nil
            }
            let typed = String(answer.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
            if let number = Int(typed), (1...prediction.choices.count).contains(number) { return number - 1 }
            if let index = prediction.choices.firstIndex(where: { $0.lowercased() == typed.lowercased() }) { return index }
            text = "  Please answer with a number from 1 to \(prediction.choices.count).\n"
        }
    }
}
