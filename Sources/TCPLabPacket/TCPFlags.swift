/// The control bits of a TCP header.
///
/// Stands for the flag bits of RFC 9293 section 3.1 (URG, ACK, PSH, RST, SYN, FIN), with
/// ECE and CWR from RFC 3168, AE (formerly NS) from RFC 9768, and the three reserved bits
/// before them, which a sender should leave clear but a capture may show set.
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The bits, as they sit in the low 12 bits of header bytes 12 and 13.
    public let rawValue: UInt16

    /// Wraps header bits.
    ///
    /// This initialiser and the flags are inlinable so that other modules fold a set such
    /// as `[.syn, .ack]` to its constant: without that, each use built an array (the
    /// analysis made three per segment).
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No more data from sender (FIN).
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x001) }
    /// Synchronize sequence numbers (SYN).
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x002) }
    /// Reset the connection (RST).
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x004) }
    /// Push function (PSH).
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x008) }
    /// Acknowledgment field is significant (ACK).
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x010) }
    /// Urgent pointer field is significant (URG).
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x020) }
    /// ECN-Echo (ECE, RFC 3168).
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x040) }
    /// Congestion window reduced (CWR, RFC 3168).
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x080) }
    /// Accurate ECN (AE, RFC 9768; formerly the NS bit of RFC 3540).
    @inlinable public static var ae: TCPFlags { TCPFlags(rawValue: 0x100) }
    /// The three reserved bits (RFC 9293 section 3.1, "Rsrvd"); any of them set.
    @inlinable public static var reserved: TCPFlags { TCPFlags(rawValue: 0xE00) }

    /// The bits of header bytes 12 and 13 that are flags (the data offset is the rest).
    static let headerMask: UInt16 = 0x0FFF

    /// The flags as tshark's `tcp.flags.str` writes them: 12 positions, reserved bits first,
    /// "RRRACEUAPRSF" where set and a middle dot where not (SYN+ACK is "·······A··S·").
    public var tsharkString: String {
        var text = ""
        text.reserveCapacity(24)
        for (position, letter) in TCPFlags.tsharkLetters.enumerated() {
            text.append(rawValue & (0x800 >> UInt16(position)) != 0 ? letter : "\u{B7}")
        }
        return text
    }

    private static let tsharkLetters: [Character] = Array("RRRACEUAPRSF")

    /// The flags as letters in the order "SAFRPUECN" (SYN+ACK is "SA", FIN+ACK is "AF"; N is
    /// AE, by its old name NS). The reserved bits have no letter.
    public var letters: String { TCPFlags.lettersTable[Int(rawValue & 0x1FF)] }

    /// The letters for each combination of the low nine bits, made once: printing a flag
    /// string for every segment must not build one character by character.
    private static let lettersTable: [String] = (0..<512).map { bits in
        let flags = TCPFlags(rawValue: UInt16(bits))
        return String(letterOrder.filter { flags.contains($0.0) }.map(\.1))
    }

    /// Flags from letters in any order ("SA", "F", "RA"); nil if a letter is not one of
    /// "SAFRPUECN".
    public init?(letters: String) {
        var flags = TCPFlags()
        for character in letters {
            guard let entry = TCPFlags.letterOrder.first(where: { $0.1 == character }) else { return nil }
            flags.insert(entry.0)
        }
        self = flags
    }

    /// The flags as tcpdump names them: "SYN, ACK".
    public var description: String {
        let names: [(TCPFlags, String)] = [
            (.syn, "SYN"), (.ack, "ACK"), (.fin, "FIN"), (.rst, "RST"),
            (.psh, "PSH"), (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"), (.ae, "AE"), (.reserved, "reserved"),
        ]
        let present = names.filter { !intersection($0.0).isEmpty }.map(\.1)
        return present.isEmpty ? "none" : present.joined(separator: ", ")
    }

    /// Letter for each flag, in the order the JSON output uses.
    static let letterOrder: [(TCPFlags, Character)] = [
        (.syn, "S"), (.ack, "A"), (.fin, "F"), (.rst, "R"),
        (.psh, "P"), (.urg, "U"), (.ece, "E"), (.cwr, "C"), (.ae, "N"),
    ]
}
