import TCPLabPacket

/// The words of a scripted peer's lines: flag letters, fields and options. Parsing, the
/// errors that list what is allowed, and the table in Labs/README.md all come from here.
public enum PeerVocabulary {
    /// A flag letter and the flag it stands for (RFC 9293 section 3.1; E and C from RFC 3168).
    public struct Flag: Sendable {
        /// The letter written in a line ("S").
        public let letter: Character
        /// The flag.
        public let flag: TCPFlags
        /// Its name ("SYN").
        public let name: String
    }

    /// The flag letters, in the order the ladder prints them.
    public static let flags: [Flag] = [
        Flag(letter: "S", flag: .syn, name: "SYN"),
        Flag(letter: "A", flag: .ack, name: "ACK"),
        Flag(letter: "F", flag: .fin, name: "FIN"),
        Flag(letter: "R", flag: .rst, name: "RST"),
        Flag(letter: "P", flag: .psh, name: "PSH"),
        Flag(letter: "U", flag: .urg, name: "URG"),
        Flag(letter: "E", flag: .ece, name: "ECE"),
        Flag(letter: "C", flag: .cwr, name: "CWR"),
    ]

    /// Flags an `expect` checks even when not written: a segment with SYN, ACK, FIN or RST
    /// that the line does not name does not match. The others (PSH, URG, ECE, CWR) are
    /// checked only when written, since the kernel sets PSH on data as it likes.
    public static let alwaysChecked: TCPFlags = [.syn, .ack, .fin, .rst]

    /// How a word may be used.
    public enum Use: String, Sendable {
        /// Only in `send`.
        case send
        /// Only in `expect`.
        case expect
        /// In both.
        case both = "send, expect"
    }

    /// What a word's value is.
    public enum Value: Sendable {
        /// A sequence number: relative to an initial sequence number, or absolute with `@`.
        case sequenceNumber
        /// A number, or in `expect` a range "A..B".
        case number(maximum: UInt32)
        /// No value: the word alone.
        case none
        /// A number, or nothing (a presence test in `expect`).
        case optionalNumber(maximum: UInt32)
        /// Two numbers with a comma, or nothing.
        case timestamps
    }

    /// A field or option word ("seq=1", "sackok").
    public struct Word: Sendable {
        /// The word as written.
        public let name: String
        /// Its value.
        public let value: Value
        /// Where it may be used.
        public let use: Use
        /// An example.
        public let example: String
        /// What it means, for the documentation.
        public let meaning: String
    }

    /// Every field and option word.
    public static let words: [Word] = [
        Word(name: "seq", value: .sequenceNumber, use: .both, example: "seq=1",
             meaning: "sequence number, relative to the sender's initial sequence number (the peer's in send, the kernel's in expect); `@N` is the number on the wire. Default in send: the peer's next unsent number"),
        Word(name: "ack", value: .sequenceNumber, use: .both, example: "ack=1",
             meaning: "acknowledgment number, relative to the receiver's initial sequence number; `@N` absolute. Default in send (with A): one past the last byte of the segments the peer has expected"),
        Word(name: "win", value: .number(maximum: 65535), use: .both, example: "win=0",
             meaning: "the window field as sent, unscaled. Default in send: 65535"),
        Word(name: "len", value: .number(maximum: 65535), use: .expect, example: "len=5",
             meaning: "payload bytes"),
        Word(name: "mss", value: .optionalNumber(maximum: 65535), use: .both, example: "mss=1460",
             meaning: "maximum segment size option (RFC 9293); in expect `mss` alone: present"),
        Word(name: "wscale", value: .optionalNumber(maximum: 14), use: .both, example: "wscale=7",
             meaning: "window scale option (RFC 7323); in expect `wscale` alone: present"),
        Word(name: "sackok", value: .none, use: .both, example: "sackok",
             meaning: "SACK-permitted option (RFC 2018)"),
        Word(name: "ts", value: .timestamps, use: .both, example: "ts=100,0",
             meaning: "timestamps option (RFC 7323), TSval,TSecr; in send `ts` alone: TSval from a millisecond clock, TSecr the kernel's last TSval; in expect `ts` alone: present"),
        Word(name: "nots", value: .none, use: .expect, example: "nots",
             meaning: "no timestamps option"),
        Word(name: "sack", value: .none, use: .expect, example: "sack",
             meaning: "carries SACK blocks (RFC 2018)"),
        Word(name: "ports", value: .number(maximum: 1000), use: .send, example: "ports=32",
             meaning: "sends the segment once from each of this many source ports, the peer's own port and the ones after it, as many clients would (a SYN flood: each SYN opens a request of its own). Only the peer's own port's answers can be expected; the others' are read and left unanswered. Default: 1"),
    ]

    /// The verbs a line starts with.
    public static let verbs: [(name: String, usage: String, meaning: String)] = [
        ("send", "send FLAGS [field=value ...] [\"TEXT\" or N bytes]",
         "writes one segment into the TUN device, as if it came from the peer's address"),
        ("expect", "expect FLAGS [field=value ...] [within TIME]",
         "the next segment the kernel sends to the peer must match, within TIME (default: the step's `within`, 2s)"),
        ("expect nothing", "expect nothing [within TIME]",
         "the kernel sends the peer no segment for TIME"),
    ]

    /// The word named `name`.
    static func word(_ name: String) -> Word? { words.first { $0.name == name } }

    /// Flags from letters ("SA"), or nil naming the first unknown letter.
    static func flags(from letters: String) -> Result<TCPFlags, PeerSyntaxError> {
        var flags = TCPFlags()
        for letter in letters {
            guard let entry = Self.flags.first(where: { $0.letter == letter }) else {
                return .failure(PeerSyntaxError("'\(letter)' in '\(letters)' is not a flag letter; flags are \(flagList)"))
            }
            flags.insert(entry.flag)
        }
        return .success(flags)
    }

    /// "S (SYN), A (ACK), ...".
    static var flagList: String { flags.map { "\($0.letter) (\($0.name))" }.joined(separator: ", ") }

    /// The words allowed in a verb's lines, for errors.
    static func wordList(for use: Use) -> String {
        words.filter { $0.use == use || $0.use == .both }.map(\.name).joined(separator: ", ")
    }

    /// The Markdown tables Labs/README.md shows (a test keeps the page in step with them).
    public static var markdown: String {
        var text = "| Line | What it does |\n|---|---|\n"
        for verb in verbs { text += "| `\(verb.usage)` | \(verb.meaning) |\n" }
        text += "\n| Flag letter | Flag |\n|---|---|\n"
        for flag in flags { text += "| `\(flag.letter)` | \(flag.name) |\n" }
        text += "\n| Word | In | Meaning |\n|---|---|---|\n"
        for word in words { text += "| `\(word.example)` | \(word.use.rawValue) | \(word.meaning) |\n" }
        return text
    }
}

/// A mistake in a scripted peer's line, in words; the lab file reader adds the line.
public struct PeerSyntaxError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
