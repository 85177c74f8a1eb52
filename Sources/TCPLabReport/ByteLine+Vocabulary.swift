import TCPLabAnalysis
import TCPLabPacket

/// The words every segment line prints (state names, flag letters, label names) as bytes,
/// made once from their types' own text: appending a String costs more than the rest of a
/// number's digits, and a million lines print several each.
enum ByteVocabulary {
    /// Each state's RFC name, by ``TCPState/ordinal``.
    static let states = stateNames(paddedTo: 0)

    /// Each state's RFC name padded with spaces to the ladder's state column (13), by
    /// ``TCPState/ordinal``.
    static let paddedStates = stateNames(paddedTo: 13)

    /// The states' names by ordinal, each followed by spaces up to `width` bytes.
    private static func stateNames(paddedTo width: Int) -> ByteWords {
        var names = [[UInt8]](repeating: [], count: TCPState.count)
        for state in TCPState.allCases {
            let name = Array(state.rawValue.utf8)
            names[state.ordinal] = name + Array(repeating: UInt8(ascii: " "), count: max(width - name.count, 0))
        }
        return ByteWords(names)
    }

    /// ``TCPFlags/letters`` for each combination of the nine control bits.
    static let flagLetters = ByteWords((0..<512).map { Array(TCPFlags(rawValue: UInt16($0)).letters.utf8) })
    /// Each label's description, by raw value.
    static let labels = ByteWords(SegmentLabel.allCases.map { Array($0.description.utf8) })
}

extension ByteLine {
    /// A state's RFC name ("SYN-SENT").
    mutating func append(state: TCPState) {
        append(ByteVocabulary.states, state.ordinal)
    }

    /// The flags as ``TCPFlags/letters`` writes them.
    mutating func append(flags: TCPFlags) {
        append(ByteVocabulary.flagLetters, Int(flags.rawValue & 0x1FF))
    }
}
