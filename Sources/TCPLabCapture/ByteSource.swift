import TCPLabPacket
import TCPLabSystem

/// Reads a file front to back in large chunks and hands out byte ranges without copying.
///
/// The chunk's buffer is reused from one refill to the next (the unread tail moved to its
/// front): a new megabyte for each refill cost an allocation, page faults (a fifth of all
/// that `tcplab inspect` takes on the benchmark's capture) and a release. Slices handed out
/// earlier stay valid all the same: if any is still held when the buffer is refilled, copy
/// on write gives the source a buffer of its own first, and the slices keep the old one
/// (the readers hold no view of their own across a refill, so that this copy is rare).
/// Memory stays at about one chunk whatever the file's size. Bytes are handed out only as
/// ``ByteReader`` views, checked slices or numbers loaded after a check: nothing here indexes
/// the chunk with a number the file chose.
struct ByteSource {
    private let descriptor: FileDescriptor
    private let chunkSize: Int
    /// The buffer; bytes from `end` on are not the file's.
    private var chunk: [UInt8] = []
    /// Index in `chunk` of the next unread byte.
    private(set) var position = 0
    /// Index in `chunk` after the last byte read from the file.
    private var end = 0
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
    var available: Int { end &- position }

    /// The bytes read so far and still held, from the chunk's start (for naming a file
    /// that is not a capture by its first bytes).
    var buffered: ArraySlice<UInt8> { chunk[..<end] }

    /// Makes at least `count` unread bytes available; false if the file ends first.
    ///
    /// A `count` outside 0...``largestRequest`` is refused (false) rather than allocated.
    mutating func require(_ count: Int) throws(SystemCallError) -> Bool {
        if available >= count { return true }
        guard count >= 0, count <= Self.largestRequest else { return false }
        if reachedEnd { return false }
        let tail = available
        let capacity = max(chunkSize, count + chunkSize / 2)
        if chunk.count >= capacity && chunk.count <= 2 * capacity {
            // In place (copied first only if slices of it are still held).
            let from = position
            chunk.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress, tail > 0 else { return }
                base.copyMemory(from: base + from, byteCount: tail)
            }
        } else {
            // The first read, or a request the buffer cannot hold (or one far smaller than
            // a buffer a large request left): a new buffer of the size wanted.
            let carried = chunk[position..<end]
            chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                let bytes = UnsafeMutableRawBufferPointer(buffer)
                carried.withUnsafeBytes { bytes.copyMemory(from: $0) }
                // The rest is never read before the file's bytes overwrite it (`end`), but
                // an array's elements must all be initialized.
                UnsafeMutableRawBufferPointer(rebasing: bytes[tail...]).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = capacity
            }
        }
        chunkOffset &+= position
        position = 0
        end = tail
        var failure: SystemCallError?
        var filled = end
        var ended = false
        chunk.withUnsafeMutableBytes { buffer in
            while filled < count || filled < capacity / 2 {
                let space = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
                do throws(SystemCallError) {
                    let n = try descriptor.read(into: space)
                    if n == 0 { ended = true; break }
                    filled += n
                } catch {
                    failure = error
                    break
                }
            }
        }
        end = filled
        if ended { reachedEnd = true }
        if let failure { throw failure }
        return available >= count
    }

    /// A view of the next `count` unread bytes, without consuming them; nil when fewer are
    /// available (call ``require(_:)`` first).
    func peek(_ count: Int) -> ByteReader? {
        guard count <= available else { return nil }
        return ByteReader(chunk).getSlice(at: position, length: count)
    }

    /// The next `count` bytes, consumed; nil (and nothing consumed) when fewer are available.
    mutating func take(_ count: Int) -> ByteReader? {
        guard let bytes = peek(count) else { return nil }
        position &+= count
        return bytes
    }

    /// `count` unread bytes from `offset` past the read position, as a slice of the chunk
    /// (a packet's bytes, which outlive the next refill); nil, checked, when fewer are available.
    @inline(__always)
    func slice(at offset: Int, count: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, count >= 0, offset <= available, count <= available &- offset else { return nil }
        let start = position &+ offset
        return chunk[start ..< start &+ count]
    }

    /// The two 64-bit words at the read position, each in the given byte order (a pcap
    /// record's header); nil, checked, when fewer than 16 bytes are available. Read in place:
    /// a ``ByteReader`` view would retain and release the chunk.
    @inline(__always)
    func twoWords(bigEndian: Bool) -> (UInt64, UInt64)? {
        guard available >= 16 else { return nil }
        return chunk.withUnsafeBytes { bytes in
            let first = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let second = bytes.loadUnaligned(fromByteOffset: position &+ 8, as: UInt64.self)
            return bigEndian ? (UInt64(bigEndian: first), UInt64(bigEndian: second)) : (UInt64(littleEndian: first), UInt64(littleEndian: second))
        }
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
            position = end
            guard try require(min(remaining, chunkSize)) else { return false }
        }
        position &+= remaining
        return true
    }
}
