import TCPLabAnalysis
import TCPLabPacket

/// The words every segment line prints (state names, flag letters, label names) as bytes,
/// made once from their types' own text: appending a String costs more than the rest of a
/// number's digits, and a million lines print several each.
enum ByteVocabulary {
    /// Each state's RFC name, by its position in ``TCPState/allCases``.
    static let states: [[UInt8]] = TCPState.allCases.map { Array($0.rawValue.utf8) }
    /// Each state's position in ``TCPState/allCases``.
    static let stateIndex: [TCPState: Int] = Dictionary(uniqueKeysWithValues: TCPState.allCases.enumerated().map { ($1, $0) })
    /// ``TCPFlags/letters`` for each combination of the nine control bits.
    static let flagLetters: [[UInt8]] = (0..<512).map { Array(TCPFlags(rawValue: UInt16($0)).letters.utf8) }
    /// Each label's description, by raw value.
    static let labels: [[UInt8]] = SegmentLabel.allCases.map { Array($0.description.utf8) }
}

extension ByteLine {
    /// A state's RFC name ("SYN-SENT").
    mutating func append(state: TCPState) {
        guard let index = ByteVocabulary.stateIndex[state] else { return append(state.rawValue) }
        bytes.append(contentsOf: ByteVocabulary.states[index])
    }

    /// The flags as ``TCPFlags/letters`` writes them.
    mutating func append(flags: TCPFlags) {
        bytes.append(contentsOf: ByteVocabulary.flagLetters[Int(flags.rawValue & 0x1FF)])
    }

    /// A label's description ("handshake 1/3").
    mutating func append(label: SegmentLabel) {
        bytes.append(contentsOf: ByteVocabulary.labels[Int(label.rawValue)])
    }
}
