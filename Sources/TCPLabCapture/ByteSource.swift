import TCPLabPacket
import TCPLabSystem

/// Reads a file front to back in large chunks and hands out byte ranges without copying.
///
/// Each refill makes a new chunk array (carrying over the unread tail), so slices handed out
/// earlier stay valid and memory stays at about two chunks whatever the file's size. Bytes
/// are handed out only as ``ByteReader`` views or checked slices: nothing here indexes the
/// chunk with a number the file chose.
struct ByteSource {
    private let descriptor: FileDescriptor
    private let chunkSize: Int
    private(set) var chunk: [UInt8] = []
    /// Index in `chunk` of the next unread byte.
    private(set) var position = 0
    /// File offset of `chunk[0]`.
    private var chunkOffset = 0
    private var reachedEnd = false

    /// The most bytes ``require(_:)`` will hold in memory at once; callers cap the lengths a
    /// file declares well below it.
    static let largestRequest = 64 << 20

    /// The chunk a large file is read in: reads big enough that the system calls cost
    /// little, small enough to stay in the cache.
    static let largestChunk = 1 << 20

    init(descriptor: FileDescriptor, chunkSize: Int = largestChunk) {
        self.descriptor = descriptor
        self.chunkSize = chunkSize
    }

    /// File offset of the next unread byte.
    var offset: Int { chunkOffset &+ position }

    /// Bytes available without reading more.
    var available: Int { chunk.count &- position }

    /// Makes at least `count` unread bytes available; false if the file ends first.
    ///
    /// A `count` outside 0...``largestRequest`` is refused (false) rather than allocated.
    mutating func require(_ count: Int) throws(SystemCallError) -> Bool {
        if available >= count { return true }
        guard count >= 0, count <= Self.largestRequest else { return false }
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
        chunkOffset &+= position
        chunk = next
        position = 0
        return available >= count
    }

    /// A view of the next `count` unread bytes, without consuming them; nil when fewer are
    /// available (call ``require(_:)`` first).
    func peek(_ count: Int) -> ByteReader? {
        guard count <= available else { return nil }
        return ByteReader(chunk).getSlice(at: position, length: count)
    }

    /// The unread bytes as one view, offset 0 at the read position: read a record's fields
    /// through it, then ``skip(_:)`` past them.
    var unread: ByteReader { ByteReader(chunk[position...]) }

    /// The next `count` bytes, consumed; nil (and nothing consumed) when fewer are available.
    mutating func take(_ count: Int) -> ByteReader? {
        guard let bytes = peek(count) else { return nil }
        position &+= count
        return bytes
    }

    /// Consumes `count` available bytes; false (and nothing consumed) when fewer are available.
    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= available else { return false }
        position &+= count
        return true
    }

    /// Consumes `count` bytes, reading through the file as needed but holding no more than
    /// a chunk: how a block the reader does not use is passed over, however long it says it is.
    /// False when the file ends first.
    mutating func discard(_ count: Int) throws(SystemCallError) -> Bool {
        guard count >= 0 else { return false }
        var remaining = count
        while remaining > available {
            remaining &-= available
            position = chunk.count
            guard try require(min(remaining, chunkSize)) else { return false }
        }
        position &+= remaining
        return true
    }
}
