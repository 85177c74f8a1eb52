import TCPLabPacket

/// One line of a scripted peer: a segment to send, or the segment the kernel must send.
///
/// Written like the ladder diagram: `send S seq=0 win=65535 mss=1460`,
/// `expect SA ack=1 within 1s`, `expect nothing within 500ms`. ``PeerVocabulary`` holds
/// the words.
public struct PeerStep: Sendable, CustomStringConvertible {
    /// What the line does.
    public var action: Action
    /// The line as written, for the report.
    public var text: String

    /// Sending, or expecting.
    public enum Action: Sendable {
        /// Write this segment into the TUN device.
        case send(PeerSegment)
        /// The kernel's next segment to the peer must match, within the time (nil: the
        /// step's `within`).
        case expect(PeerPattern, within: Duration?)
        /// The kernel must send the peer nothing for the time (nil: the step's `within`).
        case expectNothing(within: Duration?)
    }

    /// The line as written.
    public var description: String { text }

    /// Parses one line.
    public init(parsing line: String) throws(PeerSyntaxError) {
        text = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        var words = try QuotedWords.split(line)
        guard let verb = words.first, !verb.quoted else {
            throw PeerSyntaxError("a peer step is one of: " + PeerVocabulary.verbs.map(\.usage).joined(separator: "; "))
        }
        words.removeFirst()
        switch verb.text {
        case "send":
            action = .send(try PeerSegment(words))
        case "expect":
            let within = try Self.within(&words)
            if words.count == 1 && !words[0].quoted && words[0].text == "nothing" {
                action = .expectNothing(within: within)
            } else {
                action = .expect(try PeerPattern(words), within: within)
            }
        default:
            throw PeerSyntaxError("unknown peer step '\(verb.text)'; a peer step is one of: " + PeerVocabulary.verbs.map(\.usage).joined(separator: "; "))
        }
    }

    /// Takes a trailing "within 1s" off `words`.
    static func within(_ words: inout [QuotedWords.Word]) throws(PeerSyntaxError) -> Duration? {
        guard words.count >= 2, words[words.count - 2].text == "within", !words[words.count - 2].quoted else {
            if words.contains(where: { $0.text == "within" && !$0.quoted }) {
                throw PeerSyntaxError("'within TIME' comes last in an expect line")
            }
            return nil
        }
        let text = words[words.count - 1].text
        words.removeLast(2)
        guard let duration = Self.duration(text) else {
            throw PeerSyntaxError("'within' takes a time like 1s or 500ms, at most 600s; not '\(text)'")
        }
        return duration
    }

    /// "1s", "500ms", "1.5s".
    static func duration(_ text: String) -> Duration? {
        let number: Substring
        let scale: Double
        if text.hasSuffix("ms") { number = text.dropLast(2); scale = 0.001 } else if text.hasSuffix("s") { number = text.dropLast(); scale = 1 } else { return nil }
        guard let value = Double(number), value > 0, value * scale <= 600 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}

/// A sequence or acknowledgment number as a line writes it.
public enum PeerNumber: Sendable, Equatable, CustomStringConvertible {
    /// Relative to an initial sequence number (may be negative: before it).
    case relative(Int64)
    /// As on the wire (`@N`).
    case absolute(UInt32)

    /// Reads "5", "-100" or "@4000000000".
    init?(_ text: String) {
        if text.hasPrefix("@") {
            guard let value = UInt32(text.dropFirst()) else { return nil }
            self = .absolute(value)
        } else {
            guard let value = Int64(text), value.magnitude < 1 << 32 else { return nil }
            self = .relative(value)
        }
    }

    /// The number on the wire, with `base` the initial sequence number it counts from.
    public func onWire(base: UInt32) -> UInt32 {
        switch self {
        case .relative(let offset): return base &+ UInt32(truncatingIfNeeded: offset)
        case .absolute(let value): return value
        }
    }

    /// As written.
    public var description: String {
        switch self {
        case .relative(let value): return String(value)
        case .absolute(let value): return "@\(value)"
        }
    }
}

/// The timestamps option of a segment the peer sends.
public enum PeerTimestamps: Sendable, Equatable {
    /// TSval from a millisecond clock, TSecr the kernel's last TSval (`ts`).
    case automatic
    /// As written (`ts=100,0`).
    case values(value: UInt32, echoReply: UInt32)
}

/// A segment to send, as a line writes it; numbers not written are filled in when sent.
public struct PeerSegment: Sendable {
    /// The flags.
    public var flags: TCPFlags
    /// Its sequence number; nil: the peer's next unsent number.
    public var sequence: PeerNumber?
    /// Its acknowledgment number; nil: one past the kernel's last byte (0 without ACK).
    public var acknowledgment: PeerNumber?
    /// The window field.
    public var window: UInt16 = 65535
    /// MSS option.
    public var maximumSegmentSize: UInt16?
    /// Window scale option.
    public var windowScale: UInt8?
    /// SACK-permitted option.
    public var sackPermitted = false
    /// Timestamps option.
    public var timestamps: PeerTimestamps?
    /// The payload.
    public var payload: [UInt8] = []
    /// How many source ports send it: the peer's own and the ones after it (`ports=N`).
    public var ports: UInt16 = 1

    init(_ words: [QuotedWords.Word]) throws(PeerSyntaxError) {
        guard let first = words.first, !first.quoted else {
            throw PeerSyntaxError("usage: \(PeerVocabulary.verbs[0].usage); flags are \(PeerVocabulary.flagList)")
        }
        flags = try PeerVocabulary.flags(from: first.text).get()
        var rest = Array(words.dropFirst())
        // The payload comes last: quoted text, or "N bytes".
        if let last = rest.last, last.quoted {
            payload = Array(last.text.utf8)
            rest.removeLast()
        } else if rest.count >= 2, rest[rest.count - 1].text == "bytes", let count = Int(rest[rest.count - 2].text) {
            guard (1...65000).contains(count) else { throw PeerSyntaxError("a payload is 1 to 65000 bytes, not \(count)") }
            var bytes = Array("abcdefghijklmnopqrstuvwxyz".utf8)
            while bytes.count < count { bytes += bytes }
            payload = Array(bytes.prefix(count))
            rest.removeLast(2)
        }
        for word in rest {
            let (name, value) = try Self.split(word, use: .send)
            switch name {
            case "seq": sequence = try Self.number(name, value)
            case "ack": acknowledgment = try Self.number(name, value)
            case "win": window = UInt16(try Self.integer(name, value, maximum: 65535))
            case "mss": maximumSegmentSize = UInt16(try Self.integer(name, value, maximum: 65535))
            case "wscale": windowScale = UInt8(try Self.integer(name, value, maximum: 14))
            case "sackok": sackPermitted = true
            case "ports":
                guard let value, let count = UInt16(value), (1...1000).contains(count) else {
                    throw PeerSyntaxError("ports takes 1 to 1000 source ports, not '\(value ?? "")'")
                }
                ports = count
            case "ts":
                if let value {
                    let parts = value.split(separator: ",")
                    guard parts.count == 2, let tsval = UInt32(parts[0]), let tsecr = UInt32(parts[1]) else {
                        throw PeerSyntaxError("ts takes TSval,TSecr (ts=100,0), or nothing for a clock and the kernel's last TSval")
                    }
                    timestamps = .values(value: tsval, echoReply: tsecr)
                } else {
                    timestamps = .automatic
                }
            default: throw PeerSyntaxError("'\(name)' has no meaning in send")
            }
        }
    }

    /// "seq=1" as ("seq", "1"); "sackok" as ("sackok", nil). Checks the word is known and
    /// may be used in `use`'s lines.
    static func split(_ token: QuotedWords.Word, use: PeerVocabulary.Use) throws(PeerSyntaxError) -> (String, String?) {
        if token.quoted {
            throw PeerSyntaxError(use == .send ? "quoted text is the payload and comes last" : "expect takes no payload; check its length with len=N")
        }
        let parts = token.text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count == 2 ? String(parts[1]) : nil
        guard let word = PeerVocabulary.word(name), word.use == use || word.use == .both else {
            throw PeerSyntaxError("unknown word '\(token.text)' in \(use.rawValue); \(use.rawValue) takes \(PeerVocabulary.wordList(for: use))")
        }
        switch (word.value, value) {
        case (.none, .some): throw PeerSyntaxError("'\(name)' takes no value")
        case (.sequenceNumber, nil), (.number, nil): throw PeerSyntaxError("'\(name)' needs a value, e.g. \(word.example)")
        default: return (name, value)
        }
    }

    static func number(_ name: String, _ value: String?) throws(PeerSyntaxError) -> PeerNumber {
        guard let value, let number = PeerNumber(value) else {
            throw PeerSyntaxError("\(name) takes a number relative to the initial sequence number (\(name)=1, \(name)=-100) or an absolute one (\(name)=@4000000000); not '\(value ?? "")'")
        }
        return number
    }

    static func integer(_ name: String, _ value: String?, maximum: UInt32) throws(PeerSyntaxError) -> UInt32 {
        guard let value, let number = UInt32(value), number <= maximum else {
            throw PeerSyntaxError("\(name) takes a number from 0 to \(maximum), not '\(value ?? "")'")
        }
        return number
    }
}

/// What an `expect` asks of an option: that it is there (`mss`), or has a value (`mss=1460`).
public enum OptionExpectation<Value: Equatable & Sendable>: Equatable, Sendable {
    /// The option is present, with any value.
    case present
    /// The option is present with this value.
    case equal(Value)

    /// Whether `value` (nil: the option is absent) meets the expectation.
    public func allows(_ value: Value?) -> Bool {
        guard let value else { return false }
        if case .equal(let wanted) = self { return wanted == value }
        return true
    }
}

/// What a segment from the kernel must look like; nil fields are not checked.
public struct PeerPattern: Sendable {
    /// Flags that must be set; of SYN, ACK, FIN and RST, exactly these.
    public var flags: TCPFlags
    /// Sequence number, relative to the kernel's initial one unless absolute.
    public var sequence: PeerNumber?
    /// Acknowledgment number, relative to the peer's initial one unless absolute.
    public var acknowledgment: PeerNumber?
    /// The window field, unscaled.
    public var window: ClosedRange<UInt32>?
    /// Payload length.
    public var length: ClosedRange<UInt32>?
    /// MSS option.
    public var maximumSegmentSize: OptionExpectation<UInt16>?
    /// Window scale option.
    public var windowScale: OptionExpectation<UInt8>?
    /// SACK-permitted must be present.
    public var sackPermitted = false
    /// Timestamps: true present, false absent, nil not checked.
    public var timestamps: Bool?
    /// SACK blocks must be present.
    public var sackBlocks = false

    init(_ words: [QuotedWords.Word]) throws(PeerSyntaxError) {
        guard let first = words.first, !first.quoted else {
            throw PeerSyntaxError("usage: \(PeerVocabulary.verbs[1].usage) or \(PeerVocabulary.verbs[2].usage); flags are \(PeerVocabulary.flagList)")
        }
        flags = try PeerVocabulary.flags(from: first.text).get()
        for word in words.dropFirst() {
            let (name, value) = try PeerSegment.split(word, use: .expect)
            switch name {
            case "seq": sequence = try PeerSegment.number(name, value)
            case "ack": acknowledgment = try PeerSegment.number(name, value)
            case "win": window = try Self.range(name, value, maximum: 65535)
            case "len": length = try Self.range(name, value, maximum: 65535)
            case "mss":
                maximumSegmentSize = try value.map { v throws(PeerSyntaxError) in .equal(UInt16(try PeerSegment.integer(name, v, maximum: 65535))) } ?? .present
            case "wscale":
                windowScale = try value.map { v throws(PeerSyntaxError) in .equal(UInt8(try PeerSegment.integer(name, v, maximum: 14))) } ?? .present
            case "sackok": sackPermitted = true
            case "ts":
                guard value == nil else { throw PeerSyntaxError("in expect, 'ts' alone asks for the timestamps option; its values are the kernel's clock") }
                timestamps = true
            case "nots": timestamps = false
            case "sack": sackBlocks = true
            default: throw PeerSyntaxError("'\(name)' has no meaning in expect")
            }
        }
    }

    /// "5" or "1..100".
    static func range(_ name: String, _ value: String?, maximum: UInt32) throws(PeerSyntaxError) -> ClosedRange<UInt32> {
        let usage = "\(name) takes a number or a range (\(name)=0, \(name)=1..1000), at most \(maximum)"
        guard let value else { throw PeerSyntaxError(usage) }
        if let dots = value.firstRange(of: "..") {
            guard let low = UInt32(value[..<dots.lowerBound]), let high = UInt32(value[dots.upperBound...]), low <= high, high <= maximum else {
                throw PeerSyntaxError(usage + "; not '\(value)'")
            }
            return low...high
        }
        guard let exact = UInt32(value), exact <= maximum else { throw PeerSyntaxError(usage + "; not '\(value)'") }
        return exact...exact
    }
}
