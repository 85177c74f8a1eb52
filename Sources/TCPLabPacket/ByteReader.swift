/// A bounds-checked, read-only view of bytes that came from outside (a capture file, a
/// captured frame), read front to back or at offsets.
///
/// Modelled on swift-nio's `ByteBuffer.getInteger` / `readInteger`: every read checks once
/// that the bytes are there and returns nil when they are not, so no value in a file can make
/// a read trap. Offsets are relative to the first byte of the view, whatever the indices of
/// the slice it was made from. Reads copy nothing and allocate nothing; a sub-view
/// (``readSlice(length:)``) shares the same storage.
public struct ByteReader: Sendable {
    /// The bytes of the view.
    @usableFromInline
    let storage: ArraySlice<UInt8>

    /// Offset of the next byte ``readInteger(endianness:as:)`` and the other `read` calls
    /// consume, from the start of the view; always between 0 and ``count``.
    @inlinable
    public var readerIndex: Int { _readerIndex }

    @usableFromInline
    var _readerIndex: Int

    /// A view of `bytes`, positioned at its first byte.
    @inlinable
    public init(_ bytes: ArraySlice<UInt8>) {
        self.storage = bytes
        self._readerIndex = 0
    }

    /// A view of a whole array, positioned at its first byte.
    @inlinable
    public init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// The byte order of a multi-byte integer in the bytes.
    public enum Endianness: Sendable, Hashable {
        /// Most significant byte first: network byte order (RFC 1700).
        case big
        /// Least significant byte first: the order of x86 and most capture files' writers.
        case little
    }

    /// All bytes of the view, read or not.
    @inlinable
    public var count: Int { storage.count }

    /// Bytes from ``readerIndex`` to the end.
    @inlinable
    public var readableBytes: Int { storage.count &- readerIndex }

    /// The bytes from ``readerIndex`` to the end, as a slice of the underlying array.
    @inlinable
    public var readableBytesView: ArraySlice<UInt8> {
        storage[(storage.startIndex &+ readerIndex)...]
    }

    /// Whether `length` bytes starting at `offset` lie inside the view: the one check every
    /// read makes. False for a negative offset or length.
    @inlinable
    public func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= storage.count &- length
    }

    // MARK: Integers

    /// The integer whose bytes start at `offset`, in the given byte order; nil when the view
    /// does not hold all of them. Does not move ``readerIndex``.
    @inlinable
    public func getInteger<T: FixedWidthInteger>(
        at offset: Int, endianness: Endianness = .big, as: T.Type = T.self
    ) -> T? {
        guard contains(offset: offset, length: MemoryLayout<T>.size) else { return nil }
        return storage.withUnsafeBytes { bytes in
            let raw = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
            switch endianness {
            case .big: return T(bigEndian: raw)
            case .little: return T(littleEndian: raw)
            }
        }
    }

    /// The integer at ``readerIndex``, without moving it; nil when the bytes are not there.
    @inlinable
    public func peekInteger<T: FixedWidthInteger>(endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        getInteger(at: readerIndex, endianness: endianness, as: T.self)
    }

    /// The integer at ``readerIndex``, moving past it; nil (and no move) when the bytes are not there.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        guard let value = getInteger(at: readerIndex, endianness: endianness, as: T.self) else { return nil }
        _readerIndex &+= MemoryLayout<T>.size
        return value
    }

    // MARK: Runs of bytes

    /// `length` bytes starting at `offset` as their own view (sharing storage, positioned at
    /// its start); nil when the view does not hold them all.
    @inlinable
    public func getSlice(at offset: Int, length: Int) -> ByteReader? {
        guard contains(offset: offset, length: length) else { return nil }
        let start = storage.startIndex &+ offset
        return ByteReader(storage[start ..< start &+ length])
    }

    /// The next `length` bytes as their own view, moving past them; nil (and no move) when
    /// fewer remain.
    @inlinable
    public mutating func readSlice(length: Int) -> ByteReader? {
        guard let slice = getSlice(at: readerIndex, length: length) else { return nil }
        _readerIndex &+= length
        return slice
    }

    /// `length` bytes starting at `offset`, as a slice of the underlying array (no copy);
    /// nil when the view does not hold them all.
    @inlinable
    public func getBytes(at offset: Int, length: Int) -> ArraySlice<UInt8>? {
        guard contains(offset: offset, length: length) else { return nil }
        let start = storage.startIndex &+ offset
        return storage[start ..< start &+ length]
    }

    /// The next `length` bytes as a slice of the underlying array, moving past them; nil (and
    /// no move) when fewer remain.
    @inlinable
    public mutating func readBytes(length: Int) -> ArraySlice<UInt8>? {
        guard let bytes = getBytes(at: readerIndex, length: length) else { return nil }
        _readerIndex &+= length
        return bytes
    }

    /// The rest of the view from ``readerIndex`` as its own view, moving to the end.
    @inlinable
    public mutating func readRemaining() -> ByteReader {
        let rest = ByteReader(readableBytesView)
        _readerIndex = storage.count
        return rest
    }

    // MARK: Moving

    /// Moves ``readerIndex`` forward by `count` bytes; false (and no move) when fewer remain
    /// or `count` is negative.
    @inlinable
    public mutating func moveReaderIndex(forwardBy count: Int) -> Bool {
        guard contains(offset: readerIndex, length: count) else { return false }
        _readerIndex &+= count
        return true
    }

    /// Moves ``readerIndex`` to `offset`; false (and no move) when `offset` is outside 0...``count``.
    @inlinable
    public mutating func moveReaderIndex(to offset: Int) -> Bool {
        guard offset >= 0, offset <= storage.count else { return false }
        _readerIndex = offset
        return true
    }

    /// The view cut to its first `length` bytes, keeping ``readerIndex`` when it still fits;
    /// nil when the view is shorter than `length`. Used where a header declares how long its
    /// packet is and the capture holds more (Ethernet padding, for instance).
    @inlinable
    public func prefix(_ length: Int) -> ByteReader? {
        guard contains(offset: 0, length: length), readerIndex <= length else { return nil }
        var cut = ByteReader(storage.prefix(length))
        cut._readerIndex = _readerIndex
        return cut
    }
}

extension ByteReader: Equatable {
    /// Two views are equal when they hold the same bytes and are at the same offset.
    @inlinable
    public static func == (lhs: ByteReader, rhs: ByteReader) -> Bool {
        lhs.readerIndex == rhs.readerIndex && lhs.storage.elementsEqual(rhs.storage)
    }
}
