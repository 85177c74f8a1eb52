import TCPLabSystem

/// Reads a file front to back in large chunks and hands out byte ranges without copying.
///
/// Each refill makes a new chunk array (carrying over the unread tail), so slices handed out
/// earlier stay valid and memory stays at about two chunks whatever the file's size.
final class ByteSource {
    private let descriptor: FileDescriptor
    private let chunkSize: Int
    private(set) var chunk: [UInt8] = []
    /// Index in `chunk` of the next unread byte.
    private(set) var position = 0
    /// File offset of `chunk[0]`.
    private var chunkOffset = 0
    private var reachedEnd = false

    init(descriptor: FileDescriptor, chunkSize: Int = 1 << 20) {
        self.descriptor = descriptor
        self.chunkSize = chunkSize
    }

    /// File offset of the next unread byte.
    var offset: Int { chunkOffset + position }

    /// Bytes available without reading more.
    var available: Int { chunk.count - position }

    /// Makes at least `count` unread bytes available; false if the file ends first.
    func require(_ count: Int) throws(SystemCallError) -> Bool {
        if available >= count { return true }
        if reachedEnd { return false }
        let tail = chunk[position...]
        let capacity = max(chunkSize, count + chunkSize / 2)
        var failure: SystemCallError?
        let next = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, filled in
            let carried = UnsafeMutableRawBufferPointer(buffer)
            tail.withUnsafeBytes { carried.copyMemory(from: $0) }
            filled = tail.count
            while filled < count || filled < capacity / 2 {
                let space = UnsafeMutableRawBufferPointer(rebasing: carried[filled...])
                do throws(SystemCallError) {
                    let n = try descriptor.read(into: space)
                    if n == 0 { reachedEnd = true; break }
                    filled += n
                } catch {
                    failure = error
                    break
                }
            }
        }
        if let failure { throw failure }
        chunkOffset += position
        chunk = next
        position = 0
        return available >= count
    }

    /// The next `count` bytes as a slice of the current chunk; call `require` first.
    func take(_ count: Int) -> ArraySlice<UInt8> {
        let slice = chunk[position..<position + count]
        position += count
        return slice
    }

    /// Skips `count` bytes; call `require` first.
    func skip(_ count: Int) { position += count }

    /// A 16-bit value `at` bytes past the read position, in the given byte order.
    @inline(__always)
    func uint16(at delta: Int, bigEndian: Bool) -> UInt16 {
        let value = UInt16(chunk[position + delta]) | UInt16(chunk[position + delta + 1]) << 8
        return bigEndian ? value.byteSwapped : value
    }

    /// A 32-bit value `at` bytes past the read position, in the given byte order.
    @inline(__always)
    func uint32(at delta: Int, bigEndian: Bool) -> UInt32 {
        let i = position + delta
        let value = UInt32(chunk[i]) | UInt32(chunk[i + 1]) << 8 | UInt32(chunk[i + 2]) << 16 | UInt32(chunk[i + 3]) << 24
        return bigEndian ? value.byteSwapped : value
    }
}
