import TCPLabPacket

/// A connection's history in Zeek's letters, and the endpoint states its `conn_state` comes
/// from, updated segment by segment as Zeek's TCP analyzer updates them.
///
/// The letters (Zeek's `conn.log` `history` field), upper case when the originator sent the
/// segment, lower case for the responder:
///
/// | letter | segment |
/// |---|---|
/// | S | a SYN without ACK |
/// | H | a SYN-ACK |
/// | A | a pure ACK (no payload, no SYN, FIN or RST) |
/// | D | payload |
/// | F | FIN |
/// | R | RST |
/// | T | payload sent again (at or below the highest sequence number sent) |
/// | W | a zero window advertised |
/// | I | FIN and RST together |
/// | Q | SYN with FIN or RST |
/// | ^ | the first segment was the responder's (a SYN-ACK): roles were flipped |
///
/// Zeek's repeat rules: A, D, I and Q are recorded at most once per direction. S, H, F and R
/// are recorded again only when the sequence number differs from the last segment with the
/// same flag (so a retransmitted SYN adds nothing, a SYN of a new attempt does). T and W are
/// logarithmic: the 1st, 10th, 100th ... occurrence in a direction adds a letter.
public struct ConnectionHistory: Sendable {
    /// The letters so far.
    public var letters: String { written.text }
    /// The letters, as bytes held in place.
    private var written = HistoryLetters()
    /// The originator's (client's) endpoint, as Zeek tracks it.
    var originator = ZeekEndpoint()
    /// The responder's (server's).
    var responder = ZeekEndpoint()
    /// Which once-per-direction letters were recorded: ``Mark`` bits, shifted by 8 for the responder.
    private var recorded: UInt16 = 0

    /// Letters that are recorded once per direction (Zeek's `hist_seen` mask bits).
    private enum Mark: UInt16 {
        case syn = 0x01, fin = 0x02, rst = 0x04, finRST = 0x08, data = 0x10, ack = 0x20, multiFlag = 0x40
    }

    /// An empty history. `flipped` when the connection's first segment came from the
    /// responder (a SYN-ACK seen before any SYN): Zeek writes `^` first then.
    public init(flipped: Bool = false) {
        if flipped { written.append(UInt8(ascii: "^")) }
    }

    /// The connection's state in Zeek's `conn_state` codes, as of the segments seen.
    public var state: ZeekConnectionState {
        let os = originator.state
        let rs = responder.state
        if rs == .reset {
            if os == .synSent || os == .synACKSent || (os == .reset && originator.size == 0 && responder.size == 0) {
                return .rej
            }
            return os.isInactive ? .rstrh : .rstr
        }
        if os == .reset {
            if rs.isInactive { return startsWithSYNThenRST ? .rstos0 : .oth }
            return .rsto
        }
        if rs == .closed && os == .closed { return .sf }
        if os == .closed { return rs.isInactive ? .sh : .s2 }
        if rs == .closed { return os.isInactive ? .shr : .s3 }
        if os == .synSent && rs == .inactive { return .s0 }
        if os == .established && rs == .established { return .s1 }
        return .oth
    }

    /// Zeek's `/^?S[^HAFGIQ]*R.*/` on the history: a SYN, then an RST before any
    /// handshake, ACK, FIN, gap or odd flags from the originator.
    private var startsWithSYNThenRST: Bool {
        var rest = letters.utf8[...]
        if rest.first == UInt8(ascii: "^") { rest = rest.dropFirst() }
        guard rest.first == UInt8(ascii: "S") else { return false }
        for letter in rest.dropFirst() {
            if letter == UInt8(ascii: "R") { return true }
            if "HAFGIQ".utf8.contains(letter) { return false }
        }
        return false
    }

    /// Takes one segment: `fromOriginator` when the client sent it.
    public mutating func record(_ segment: TCPSegment, fromOriginator: Bool) {
        let flags = segment.flags
        let length = UInt32(truncatingIfNeeded: max(segment.payloadLength, 0))
        // Sequence space the segment takes (an RST's payload is not part of the stream).
        var segmentLength = flags.contains(.rst) ? 0 : length
        if flags.contains(.syn) { segmentLength &+= 1 }
        if flags.contains(.fin) { segmentLength &+= 1 }
        let seq = segment.sequenceNumber
        let onePast = seq &+ segmentLength

        if fromOriginator {
            originator.initialize(flags: flags, sequence: seq, onePast: onePast)
        } else {
            responder.initialize(flags: flags, sequence: seq, onePast: onePast)
        }
        let sender = fromOriginator ? originator : responder
        let relative = seq &- sender.startSequence
        recordLetters(flags, relativeSequence: relative, length: length, fromOriginator: fromOriginator)

        // A zero window, unless it comes with or after an RST, or after the peer's FIN.
        let peerState = fromOriginator ? responder.state : originator.state
        if segment.window == 0 && !flags.contains(.rst) && peerState != .closed && sender.state != .reset {
            let added = fromOriginator ? originator.zeroWindows.count() : responder.zeroWindows.count()
            if added { append(UInt8(ascii: "W"), fromOriginator) }
        }
        if flags.contains(.ack) {
            if fromOriginator { responder.initializeFromPeerACK(segment.acknowledgmentNumber) } else { originator.initializeFromPeerACK(segment.acknowledgmentNumber) }
        }
        let resent = fromOriginator
            ? originator.updateLastSequence(onePast, flags: flags, length: length)
            : responder.updateLastSequence(onePast, flags: flags, length: length)
        if resent { append(UInt8(ascii: "T"), fromOriginator) }
        if fromOriginator {
            ConnectionHistory.updateStates(&originator, &responder, flags: flags, length: length, fromOriginator: true)
        } else {
            ConnectionHistory.updateStates(&responder, &originator, flags: flags, length: length, fromOriginator: false)
        }
    }

    /// Zeek's `update_history`.
    private mutating func recordLetters(_ flags: TCPFlags, relativeSequence: UInt32, length: UInt32, fromOriginator: Bool) {
        let controlBits = (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0) + (flags.contains(.rst) ? 1 : 0)
        if controlBits > 1 {
            if flags.contains(.fin) && flags.contains(.rst) {
                once(.finRST, UInt8(ascii: "I"), fromOriginator)
            } else {
                once(.multiFlag, UInt8(ascii: "Q"), fromOriginator)
            }
        } else if controlBits == 1 {
            if flags.contains(.syn) {
                let letter = flags.contains(.ack) ? UInt8(ascii: "H") : UInt8(ascii: "S")
                let last = fromOriginator ? originator.lastSYN : responder.lastSYN
                if once(.syn, letter, fromOriginator) && relativeSequence != last { append(letter, fromOriginator) }
                if fromOriginator { originator.lastSYN = relativeSequence } else { responder.lastSYN = relativeSequence }
            }
            if flags.contains(.fin) {
                // A FIN's sequence number is the one after its payload.
                let position = relativeSequence &+ length
                let last = fromOriginator ? originator.lastFIN : responder.lastFIN
                if once(.fin, UInt8(ascii: "F"), fromOriginator) && position != last { append(UInt8(ascii: "F"), fromOriginator) }
                if fromOriginator { originator.lastFIN = position } else { responder.lastFIN = position }
            }
            if flags.contains(.rst) {
                let last = fromOriginator ? originator.lastRST : responder.lastRST
                if once(.rst, UInt8(ascii: "R"), fromOriginator) && relativeSequence != last { append(UInt8(ascii: "R"), fromOriginator) }
                if fromOriginator { originator.lastRST = relativeSequence } else { responder.lastRST = relativeSequence }
            }
        } else if length > 0 {
            once(.data, UInt8(ascii: "D"), fromOriginator)
        } else if flags.contains(.ack) {
            once(.ack, UInt8(ascii: "A"), fromOriginator)
        }
    }

    /// Records `letter` the first time `mark` is seen in this direction; returns whether it
    /// had been seen before (Zeek's `CheckHistory`).
    @discardableResult
    private mutating func once(_ mark: Mark, _ letter: UInt8, _ fromOriginator: Bool) -> Bool {
        let bit = fromOriginator ? mark.rawValue : mark.rawValue << 8
        if recorded & bit != 0 { return true }
        recorded |= bit
        append(letter, fromOriginator)
        return false
    }

    /// Appends an upper-case ASCII `letter`, lower case (one bit away) for the responder.
    private mutating func append(_ letter: UInt8, _ fromOriginator: Bool) {
        written.append(fromOriginator ? letter : letter | 0x20)
    }

    /// Zeek's `UpdateStateMachine`, reduced to the transitions that decide `conn_state`.
    private static func updateStates(
        _ endpoint: inout ZeekEndpoint, _ peer: inout ZeekEndpoint, flags: TCPFlags, length: UInt32, fromOriginator: Bool
    ) {
        switch endpoint.state {
        case .inactive:
            if flags.contains(.syn) {
                if fromOriginator {
                    endpoint.set(flags.contains(.ack) ? .synACKSent : .synSent)
                } else {
                    if peer.state == .synSent { peer.set(.established) }
                    endpoint.set(.established)
                }
            }
            if flags.contains(.fin) { endpoint.set(.closed) }
            if flags.contains(.rst) { endpoint.set(.reset) }
            if endpoint.state == .inactive {
                if !fromOriginator && length == 0 && peer.state == .synSent {
                    // An ACK of the SYN before the SYN-ACK: not yet a partial connection.
                } else if flags.contains(.ack) && peer.state == .established {
                    endpoint.set(.established)  // The SYN was missed, the SYN-ACK was not.
                } else {
                    endpoint.set(.partial)
                }
            }
        case .synSent, .synACKSent:
            if flags.contains(.fin) { endpoint.set(.closed) }
            if flags.contains(.rst) { endpoint.set(.reset) }
        case .established, .partial:
            if flags.contains(.syn) && endpoint.state == .partial && peer.state == .inactive && !flags.contains(.ack) {
                endpoint.set(.synSent)
            }
            if flags.contains(.fin) && !flags.contains(.rst) {
                endpoint.set(.closed)
                // A FIN then an RST from the peer, and now this FIN: a normal close after all.
                if peer.state == .reset && peer.previousState == .closed { peer.set(.closed) }
            }
            if flags.contains(.rst) { endpoint.set(.reset) }
        case .closed:
            if flags.contains(.rst) && peer.state != .closed { endpoint.set(.reset) }
        case .reset:
            break
        }
    }
}

/// One endpoint as Zeek's `TCP_Endpoint` keeps it: its state and the sequence numbers the
/// history's repeat rules and retransmission letter need.
struct ZeekEndpoint: Sendable {
    var state = ZeekEndpointState.inactive
    var previousState = ZeekEndpointState.inactive
    /// The initial sequence number (a SYN's), or one below the first seen.
    var startSequence: UInt32 = 0
    /// One past the highest sequence number sent.
    var lastSequence: UInt32 = 0
    var sentFIN = false
    /// Relative sequence numbers of the last SYN, FIN and RST (Zeek's `hist_last_*`).
    var lastSYN: UInt32 = 0
    var lastFIN: UInt32 = 0
    var lastRST: UInt32 = 0
    /// Payload segments sent again, and zero windows advertised, counted for the
    /// logarithmic letters.
    var retransmissions = ScaledCount()
    var zeroWindows = ScaledCount()

    mutating func set(_ new: ZeekEndpointState) {
        guard new != state else { return }
        previousState = state
        state = new
    }

    /// Zeek's `init_endpoint`: where the sequence space starts, from the first segment
    /// (or from a SYN that restarts it).
    mutating func initialize(flags: TCPFlags, sequence: UInt32, onePast: UInt32) {
        let syn = flags.contains(.syn)
        switch state {
        case .inactive:
            startSequence = syn ? sequence : sequence &- 1
            // A first segment without SYN must not look like a retransmission of itself.
            lastSequence = syn ? onePast : sequence
        case .synSent, .synACKSent, .established, .partial:
            if syn && (state == .established || state == .partial || sequence != startSequence) {
                startSequence = sequence
                lastSequence = onePast
            }
        case .reset:
            if syn && previousState == .inactive {
                startSequence = sequence
                lastSequence = onePast
            }
        case .closed:
            break
        }
        if flags.contains(.fin) { sentFIN = true }
    }

    /// Zeek's `init_peer`: the peer's ACK tells where this endpoint's numbers start.
    mutating func initializeFromPeerACK(_ acknowledgment: UInt32) {
        guard state == .inactive else { return }
        startSequence = acknowledgment &- 1
        lastSequence = acknowledgment &- 1
    }

    /// Zeek's `update_last_seq`: advances the highest sequence number; returns true when
    /// the segment's payload lies at or below it (a retransmission) and that count crossed
    /// the next logarithmic step.
    mutating func updateLastSequence(_ onePast: UInt32, flags: TCPFlags, length: UInt32) -> Bool {
        let delta = Int32(bitPattern: onePast &- lastSequence)
        let tooLarge: Int32 = 1_048_576
        if (flags.contains(.syn) || flags.contains(.rst)) && (delta > tooLarge || delta < -tooLarge) {
            return false
        }
        if flags.contains(.fin) && lastSequence == startSequence &+ 1 {
            lastSequence = onePast
        } else if state == .reset {
            return false
        } else if delta > 0 {
            lastSequence = onePast
        } else if length > 0 {
            return retransmissions.count()
        }
        return false
    }

    /// Payload bytes sent, from the sequence space (Zeek's endpoint size): the start is
    /// the SYN's number, or one below the first seen, so one is taken off, and one more for
    /// a FIN.
    var size: UInt32 {
        var extent = lastSequence &- startSequence
        if Int32(bitPattern: extent) <= 0 { return 0 }
        extent -= 1
        if sentFIN && extent > 0 { extent -= 1 }
        return extent
    }
}

/// A history's letters: the first sixteen held in two words in place (a connection's
/// history is rarely longer), the rest, if any, in a string. Appending a letter to a `String`
/// cost more than the rest of a segment's tracking.
struct HistoryLetters: Sendable {
    /// The first sixteen letters, the first in the lowest byte of `first`.
    private var first: UInt64 = 0
    private var second: UInt64 = 0
    /// How many letters are held in the two words.
    private var count = 0
    /// The letters after the sixteenth.
    private var overflow = ""

    /// Adds an ASCII letter.
    mutating func append(_ letter: UInt8) {
        switch count {
        case 0..<8: first |= UInt64(letter) << (8 * UInt64(count))
        case 8..<16: second |= UInt64(letter) << (8 * UInt64(count - 8))
        default:
            overflow.unicodeScalars.append(Unicode.Scalar(letter))
            return
        }
        count += 1
    }

    /// The letters as text.
    var text: String {
        let held = String(unsafeUninitializedCapacity: count) { bytes in
            for index in 0..<count {
                let word = index < 8 ? first : second
                bytes[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            }
            return count
        }
        return overflow.isEmpty ? held : held + overflow
    }
}

/// A counter whose 1st, 10th, 100th ... step is worth a history letter (Zeek's
/// `ScaledHistoryEntry`).
struct ScaledCount: Sendable {
    /// How many times the event happened.
    private(set) var total: UInt32 = 0
    private var threshold: UInt32 = 1

    /// Counts one more; true when this one earns a letter.
    mutating func count() -> Bool {
        total &+= 1
        guard total == threshold else { return false }
        let (next, overflow) = threshold.multipliedReportingOverflow(by: 10)
        if !overflow { threshold = next }
        return true
    }
}

extension ConnectionHistory {
    /// Each letter (as the client's, upper case) with what it records: the table `--help`
    /// and the README take their words from.
    public static let letterMeanings: [(letter: Character, meaning: String)] = [
        ("S", "a SYN without ACK"),
        ("H", "a SYN-ACK"),
        ("A", "a pure ACK (once per direction)"),
        ("D", "payload (once per direction)"),
        ("F", "a FIN (again only for a FIN at another sequence number)"),
        ("R", "an RST (again only for an RST at another sequence number)"),
        ("T", "payload sent again: the 1st, 10th, 100th ... such segment"),
        ("W", "a zero window advertised: the 1st, 10th, 100th ..."),
        ("I", "FIN and RST together (once per direction)"),
        ("Q", "SYN with FIN or RST (once per direction)"),
        ("^", "the first segment was the server's SYN-ACK: roles taken from it"),
    ]

    /// The letters and their meanings, one per line: for `--help`.
    public static var legend: String {
        letterMeanings.map { "\($0.letter)  \($0.meaning)" }.joined(separator: "\n")
    }
}
