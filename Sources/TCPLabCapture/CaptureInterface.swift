import TCPLabPacket

/// An interface that packets in a capture file were recorded on.
///
/// Stands for a pcapng Interface Description Block; a classic pcap file has exactly one.
public struct CaptureInterface: Hashable, Sendable {
    /// Link-layer header type of its packets.
    public var linkType: LinkType
    /// The snap length: the most bytes of each packet that were kept (0: no limit).
    public var snapshotLength: Int
    /// Its name (pcapng if_name), when the file records one.
    public var name: String?
    /// Timestamp units per second, as a power: 10^-`exponent`, or 2^-`exponent` when `isBinary`.
    var resolutionExponent: Int = 6
    var isBinaryResolution = false
    /// Seconds added to every timestamp (pcapng if_tsoffset).
    var offsetSeconds: Int64 = 0

    /// An interface with a link type and snap length.
    public init(linkType: LinkType, snapshotLength: Int, name: String? = nil) {
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        self.name = name
    }

    /// Converts a pcapng 64-bit timestamp in this interface's units to a capture time.
    func timestamp(units: UInt64) -> CaptureTimestamp {
        var nanoseconds: Int64
        if isBinaryResolution {
            let (high, low) = units.multipliedFullWidth(by: 1_000_000_000)
            let shifted = resolutionExponent >= 64 ? 0 : (low >> UInt64(resolutionExponent)) | (resolutionExponent == 0 ? 0 : high << UInt64(64 - resolutionExponent))
            nanoseconds = Int64(truncatingIfNeeded: shifted)
        } else if resolutionExponent <= 9 {
            nanoseconds = Int64(truncatingIfNeeded: units) &* CaptureInterface.powersOfTen[9 - resolutionExponent]
        } else {
            let divisor = resolutionExponent - 9 < 19 ? CaptureInterface.powersOfTen[resolutionExponent - 9] : Int64.max
            nanoseconds = Int64(truncatingIfNeeded: units / UInt64(divisor))
        }
        return CaptureTimestamp(nanoseconds: nanoseconds &+ offsetSeconds &* 1_000_000_000)
    }

    private static let powersOfTen: [Int64] = (0...18).map { exponent in
        (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
    }
}
