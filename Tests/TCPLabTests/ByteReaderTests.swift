import TCPLabPacket
import XCTest

/// The bounds-checked reader every decoder reads capture bytes through: a read past the end
/// is nil, never a trap, and a failed read leaves the position where it was.
final class ByteReaderTests: XCTestCase {
    /// Integers come out in the byte order asked for, at any alignment.
    func testReadsIntegersInEitherByteOrder() {
        var reader = ByteReader([0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x11])
        XCTAssertEqual(reader.readInteger(as: UInt8.self), 0x12)
        XCTAssertEqual(reader.readInteger(as: UInt16.self), 0x3456)  // Odd offset: unaligned.
        XCTAssertEqual(reader.readInteger(endianness: .little, as: UInt32.self), 0xDEBC_9A78)
        XCTAssertEqual(reader.getInteger(at: 1, endianness: .big, as: UInt64.self), 0x3456_789A_BCDE_F011)
        XCTAssertEqual(reader.getInteger(at: 0, endianness: .little, as: UInt16.self), 0x3412)
        XCTAssertEqual(reader.readerIndex, 7)
    }

    /// Peeking reads without moving; reading moves past exactly the integer's size.
    func testPeekDoesNotMoveButReadDoes() {
        var reader = ByteReader([0xAB, 0xCD, 0xEF])
        XCTAssertEqual(reader.peekInteger(as: UInt16.self), 0xABCD)
        XCTAssertEqual(reader.readerIndex, 0)
        XCTAssertEqual(reader.readInteger(as: UInt16.self), 0xABCD)
        XCTAssertEqual(reader.readerIndex, 2)
        XCTAssertEqual(reader.readableBytes, 1)
    }

    /// A read that would pass the end returns nil and leaves the position untouched, so a
    /// decoder can fall back (a cut header) instead of trapping.
    func testReadPastTheEndIsNilAndDoesNotMove() {
        var reader = ByteReader([1, 2, 3])
        XCTAssertEqual(reader.readInteger(as: UInt16.self), 0x0102)
        XCTAssertNil(reader.readInteger(as: UInt16.self))
        XCTAssertNil(reader.readInteger(as: UInt32.self))
        XCTAssertEqual(reader.readerIndex, 2)
        XCTAssertEqual(reader.readInteger(as: UInt8.self), 3)
        XCTAssertNil(reader.readInteger(as: UInt8.self))
        XCTAssertNil(ByteReader([]).peekInteger(as: UInt8.self))
    }

    /// Offsets a file could make up (negative, huge, next to Int.max) are refused, not wrapped.
    func testImpossibleOffsetsAndLengthsAreRefused() {
        var reader = ByteReader([UInt8](repeating: 7, count: 16))
        XCTAssertNil(reader.getInteger(at: -1, as: UInt8.self))
        XCTAssertNil(reader.getInteger(at: Int.max, as: UInt32.self))
        XCTAssertNil(reader.getInteger(at: Int.max - 1, as: UInt16.self))
        XCTAssertNil(reader.getInteger(at: Int.min, as: UInt64.self))
        XCTAssertNil(reader.getInteger(at: 13, as: UInt32.self))
        XCTAssertEqual(reader.getInteger(at: 12, as: UInt32.self), 0x0707_0707)
        XCTAssertNil(reader.getSlice(at: 4, length: Int.max))
        XCTAssertNil(reader.getSlice(at: Int.max, length: 1))
        XCTAssertNil(reader.getBytes(at: 0, length: -1))
        XCTAssertNil(reader.readSlice(length: 17))
        XCTAssertFalse(reader.moveReaderIndex(forwardBy: 17))
        XCTAssertFalse(reader.moveReaderIndex(forwardBy: -1))
        XCTAssertFalse(reader.moveReaderIndex(to: 17))
        XCTAssertFalse(reader.moveReaderIndex(to: -1))
        XCTAssertEqual(reader.readerIndex, 0)
        XCTAssertTrue(reader.moveReaderIndex(to: 16))
        XCTAssertEqual(reader.readableBytes, 0)
        XCTAssertNotNil(reader.readSlice(length: 0))
    }

    /// A slice is its own view: offset 0 is its first byte, and it cannot see past its end,
    /// even though the array behind it goes on.
    func testSliceSeesOnlyItsOwnBytes() throws {
        var outer = ByteReader([0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertTrue(outer.moveReaderIndex(forwardBy: 2))
        var inner = try XCTUnwrap(outer.readSlice(length: 3))
        XCTAssertEqual(outer.readerIndex, 5)
        XCTAssertEqual(inner.count, 3)
        XCTAssertEqual(inner.getInteger(at: 0, as: UInt8.self), 2)
        XCTAssertNil(inner.getInteger(at: 2, as: UInt16.self))
        XCTAssertEqual(inner.readInteger(as: UInt16.self), 0x0203)
        XCTAssertEqual(Array(inner.readableBytesView), [4])
        XCTAssertEqual(Array(try XCTUnwrap(outer.readBytes(length: 3))), [5, 6, 7])
    }

    /// A view of an array slice counts from the slice's first byte, not from the array's.
    func testOffsetsAreRelativeToTheSliceGiven() {
        let array: [UInt8] = [9, 9, 9, 0xAA, 0xBB]
        let reader = ByteReader(array[3...])
        XCTAssertEqual(reader.count, 2)
        XCTAssertEqual(reader.getInteger(at: 0, as: UInt16.self), 0xAABB)
        XCTAssertNil(reader.getInteger(at: 1, as: UInt16.self))
    }

    /// Cutting a view to a declared length (Ethernet padding after an IP packet) keeps the
    /// position, and a declared length longer than the bytes is refused.
    func testPrefixCutsToADeclaredLength() throws {
        var reader = ByteReader([1, 2, 3, 4, 5, 6])
        XCTAssertEqual(reader.readInteger(as: UInt8.self), 1)
        let cut = try XCTUnwrap(reader.prefix(4))
        XCTAssertEqual(cut.readerIndex, 1)
        XCTAssertEqual(cut.readableBytes, 3)
        XCTAssertNil(reader.prefix(7))
        XCTAssertNil(reader.prefix(0))  // The position would lie past the end.
        var rest = reader.readRemaining()
        XCTAssertEqual(reader.readableBytes, 0)
        XCTAssertEqual(rest.readInteger(as: UInt8.self), 2)
    }
}
