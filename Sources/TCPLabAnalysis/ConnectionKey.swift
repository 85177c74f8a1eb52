import TCPLabPacket

/// A connection's 4-tuple, the same whichever way a segment travels, hashed as one folded
/// word: the analyzer and the tracker look one up per segment, and feeding the hasher the
/// four fields one by one costs more than all the tracking.
struct ConnectionKey: Hashable {
    let low: Endpoint
    let high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if a < b { low = a; high = b } else { low = b; high = a }
    }

    func hash(into hasher: inout Hasher) {
        let ports = UInt64(low.port) << 16 | UInt64(high.port)
        hasher.combine(ConnectionKey.fold(low.address) &* 0x9E37_79B9_7F4A_7C15 ^ ConnectionKey.fold(high.address) ^ ports << 32)
    }

    /// How many bits ``cacheIndex`` has.
    static let cacheIndexBits = 10

    /// The key's place in ``ConnectionTable``'s cache: a fold of the ports and addresses,
    /// spread by a multiplication, its top bits. Cheap, not seeded: the cache checks the
    /// whole key, so a collision costs a lookup in the dictionary, nothing more.
    var cacheIndex: Int {
        let ports = UInt64(low.port) << 16 | UInt64(high.port)
        let folded = ConnectionKey.fold(low.address) ^ ConnectionKey.fold(high.address) &<< 1 ^ ports
        return Int(truncatingIfNeeded: (folded &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - ConnectionKey.cacheIndexBits))
    }

    private static func fold(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let value): return UInt64(value)
        case .v6(let high, let low): return high &* 0xC2B2_AE3D_27D4_EB4F ^ low
        }
    }
}
