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

    /// Converts a pcapng 64-bit timestamp in this interface's units to a capture time; nil
    /// when it lies outside what nanoseconds in an Int64 can say (the years 1677 to 2262).
    ///
    /// All arithmetic is checked: the units, the resolution and the offset all come from the file.
    func timestamp(units: UInt64) -> CaptureTimestamp? {
        let exponent = resolutionExponent
        let nanoseconds: UInt64
        if isBinaryResolution {
            // units * 10^9 / 2^exponent, in 128 bits.
            let (high, low) = units.multipliedFullWidth(by: 1_000_000_000)
            switch exponent {
            case 0:
                guard high == 0 else { return nil }
                nanoseconds = low
            case 1..<64:
                guard high >> UInt64(exponent) == 0 else { return nil }
                nanoseconds = low >> UInt64(exponent) | high << UInt64(64 - exponent)
            case 64..<128:
                nanoseconds = high >> UInt64(exponent - 64)
            default:
                nanoseconds = 0
            }
        } else if exponent <= 9 {
            let (product, overflow) = units.multipliedReportingOverflow(by: CaptureInterface.powersOfTen[9 - exponent])
            guard !overflow else { return nil }
            nanoseconds = product
        } else {
            // Finer than nanoseconds: 10^(exponent - 9) units to the nanosecond; past 10^19 none reach one.
            let index = exponent - 9
            nanoseconds = index < CaptureInterface.powersOfTen.count ? units / CaptureInterface.powersOfTen[index] : 0
        }
        guard nanoseconds <= UInt64(Int64.max) else { return nil }
        let (offset, offsetOverflow) = offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, sumOverflow) = Int64(nanoseconds).addingReportingOverflow(offset)
        guard !offsetOverflow, !sumOverflow else { return nil }
        return CaptureTimestamp(nanoseconds: total)
    }

    /// 10^0 through 10^19, every power of ten a UInt64 holds.
    private static let powersOfTen: [UInt64] = (0...19).map { exponent in
        (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
    }
}
