import TCPLabAnalysis
import TCPLabPacket

/// A TCP option a segment pattern can require to be present (`options: [mss, wscale]`) or
/// absent (`without-options: [timestamps]`).
///
/// The one table of option names: the parser, its errors and Labs/README.md derive from it.
public enum SegmentOption: String, CaseIterable, Sendable {
    /// Maximum segment size (RFC 9293 section 3.7.1), kind 2.
    case mss
    /// Window scale (RFC 7323 section 2), kind 3.
    case wscale
    /// SACK permitted (RFC 2018), kind 4.
    case sackPermitted = "sack-permitted"
    /// Timestamps (RFC 7323 section 3), kind 8.
    case timestamps
    /// SACK blocks (RFC 2018 section 3), kind 5: ranges held beyond the ACK, sent after a loss.
    case sack

    /// Whether `options` carries it.
    func isPresent(in options: TCPOptions) -> Bool {
        switch self {
        case .mss: return options.maximumSegmentSize != nil
        case .wscale: return options.windowScale != nil
        case .sackPermitted: return options.sackPermitted
        case .timestamps: return options.timestamp != nil
        case .sack: return !options.sackBlocks.isEmpty
        }
    }
}

extension SegmentPattern {
    /// Whether the segment's numbers and options are as the pattern asks: the numbers as
    /// the analysis shows them (relative seq and ack, the window scaled).
    func matchesFields(_ segment: AnnotatedSegment) -> Bool {
        if let window, !window.allows(Double(segment.window)) { return false }
        if let length, !length.allows(Double(segment.segment.payloadLength)) { return false }
        if let sequence, !sequence.allows(Double(segment.relativeSequence)) { return false }
        if let acknowledgment, !acknowledgment.allows(Double(segment.relativeAcknowledgment)) { return false }
        let carried = segment.segment.options
        if let maximumSegmentSize {
            guard let value = carried.maximumSegmentSize, maximumSegmentSize.allows(Double(value)) else { return false }
        }
        if let windowScale {
            guard let shift = carried.windowScale, windowScale.allows(Double(shift)) else { return false }
        }
        if withoutOptions.contains(where: { $0.isPresent(in: carried) }) { return false }
        return options.allSatisfy { $0.isPresent(in: carried) }
    }

    /// " window 0 len ≥ 1 seq 1 ack 1 mss 1000 options mss, wscale", or "" when none is asked.
    var fieldsDescription: String {
        var text = ""
        if let window { text += " window \(window)" }
        if let length { text += " len \(length)" }
        if let sequence { text += " seq \(sequence)" }
        if let acknowledgment { text += " ack \(acknowledgment)" }
        if let maximumSegmentSize { text += " mss \(maximumSegmentSize)" }
        if let windowScale { text += " wscale \(windowScale)" }
        if !options.isEmpty { text += " options " + options.map(\.rawValue).joined(separator: ", ") }
        if !withoutOptions.isEmpty { text += " without options " + withoutOptions.map(\.rawValue).joined(separator: ", ") }
        if let payload { text += " payload \"\(Self.quoted(payload))\"" }
        return text
    }

    /// `bytes` as they would be written in a lab file's double-quoted string: printable
    /// ASCII as itself, `\n`, `\r`, `\t`, `\"`, `\\`, anything else `\xNN`.
    static func quoted(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}
