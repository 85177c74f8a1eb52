import TCPLabAnalysis
import TCPLabPacket

/// The words every segment line prints (state names, flag letters, label names) as bytes,
/// made once from their types' own text: appending a String costs more than the rest of a
/// number's digits, and a million lines print several each.
enum ByteVocabulary {
    /// Each state's RFC name, by ``ordinal(_:)``.
    static let states: [[UInt8]] = {
        var names = [[UInt8]](repeating: [], count: stateCount)
        for state in TCPState.allCases { names[ordinal(state)] = Array(state.rawValue.utf8) }
        return names
    }()

    static let stateCount = 11

    /// A number for each state, 0 to 10. A switch, because a String-backed enum hashes and
    /// compares by its raw value, which costs more than the name's bytes.
    static func ordinal(_ state: TCPState) -> Int {
        switch state {
        case .listen: 0
        case .synSent: 1
        case .synReceived: 2
        case .established: 3
        case .finWait1: 4
        case .finWait2: 5
        case .closeWait: 6
        case .closing: 7
        case .lastAck: 8
        case .timeWait: 9
        case .closed: 10
        }
    }
    /// ``TCPFlags/letters`` for each combination of the nine control bits.
    static let flagLetters: [[UInt8]] = (0..<512).map { Array(TCPFlags(rawValue: UInt16($0)).letters.utf8) }
    /// Each label's description, by raw value.
    static let labels: [[UInt8]] = SegmentLabel.allCases.map { Array($0.description.utf8) }
}

extension ByteLine {
    /// A state's RFC name ("SYN-SENT").
    mutating func append(state: TCPState) {
        bytes.append(contentsOf: ByteVocabulary.states[ByteVocabulary.ordinal(state)])
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
