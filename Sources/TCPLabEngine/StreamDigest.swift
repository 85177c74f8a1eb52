/// A running fingerprint of a byte stream: how many bytes, and an FNV-1a hash of them in
/// order. Two streams with the same digest carried the same bytes, so a lab can show that
/// what a receiver read is exactly what the sender's calls handed to the kernel.
struct StreamDigest: Equatable, Sendable {
    /// Bytes so far.
    private(set) var count = 0
    /// FNV-1a (64-bit) of the bytes so far.
    private(set) var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    init() {}

    init<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        add(bytes)
    }

    /// Adds the next bytes of the stream.
    mutating func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            count += 1
        }
    }
}
