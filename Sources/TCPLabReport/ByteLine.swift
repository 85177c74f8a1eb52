import TCPLabSystem

/// A line of output assembled as bytes: appending numbers and ASCII text without going
/// through `String` interpolation, which dominates the cost of printing a million lines.
///
/// The line owns one allocation, of which the first ``count`` bytes are the line: each piece
/// is copied straight to its place after one check that it fits. Not copyable, so the
/// allocation has one owner and needs no reference counting or uniqueness check per piece
/// (an `Array` did both: a segment's line has some fifty pieces).
struct ByteLine: ~Copyable {
    /// The allocation (nil until the first piece of a line made with no room).
    private var base: UnsafeMutablePointer<UInt8>?
    /// Its size in bytes.
    private var capacity: Int
    /// How many bytes of it the line holds.
    private(set) var count = 0

    init() { self.init(reserving: 512) }

    /// A line with room for `capacity` bytes (none: no allocation until the first piece).
    init(reserving capacity: Int) {
        self.capacity = max(capacity, 0)
        base = self.capacity > 0 ? .allocate(capacity: self.capacity) : nil
    }

    deinit { base?.deallocate() }

    /// The line's bytes, copied out (appending or writing through the line copies nothing).
    var bytes: [UInt8] {
        guard let base else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: count))
    }

    mutating func clear() { count = 0 }

    /// Makes room for `needed` more bytes, doubling so that a long line costs few copies.
    @inline(never)
    private mutating func grow(_ needed: Int) {
        let (wanted, overflow) = count.addingReportingOverflow(needed)
        precondition(!overflow, "a line longer than memory")
        let larger = max(wanted, capacity &* 2, 64)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        if let base {
            moved.update(from: base, count: count)
            base.deallocate()
        }
        base = moved
        capacity = larger
    }

    /// Calls `body` with the `length` bytes after the line, which it must fill, and adds
    /// them to the line. Every piece comes in this way (or through ``extend(atMost:_:)``):
    /// the range is checked against the allocation first, and the buffer `body` gets is that
    /// range. Only `grow` (copying the line into a larger allocation) writes otherwise.
    @inline(__always)
    mutating func extend(by length: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        guard length > 0 else { return }
        if base == nil || length > capacity &- count { grow(length) }
        body(UnsafeMutableRawBufferPointer(start: base.unsafelyUnwrapped + count, count: length))
        count &+= length
    }

    /// Calls `body` with room for up to `maximum` bytes after the line; `body` returns how
    /// many it wrote from the start of that room, and they join the line. For text whose
    /// length is known only once written (an endpoint's digits). `maximum` must be a proven
    /// bound on what `body` writes: the raw buffer's subscript is not checked in release
    /// builds, so the check here of what `body` reports comes after the writes.
    @inline(__always)
    mutating func extend(atMost maximum: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        guard maximum > 0 else { return }
        if base == nil || maximum > capacity &- count { grow(maximum) }
        let written = body(UnsafeMutableRawBufferPointer(start: base.unsafelyUnwrapped + count, count: maximum))
        precondition(written >= 0 && written <= maximum, "wrote past the room it asked for")
        count &+= written
    }

    /// Writes the decimal digits of `value` into `room` at `at`, and moves `at` past them.
    /// The room must have space for them (at most 20).
    @inline(__always)
    static func put(digitsOf value: UInt64, into room: UnsafeMutableRawBufferPointer, at: inout Int) {
        let digits = digitCount(value)
        put(value, digits: digits, into: room, endingAt: at &+ digits)
        at &+= digits
    }

    /// Writes the last `digits` decimal digits of `value`, leading zeros included, into
    /// `room` so that they end before `end`: the one place a number becomes digits, written
    /// from its last digit back.
    @inline(__always)
    static func put(_ value: UInt64, digits: Int, into room: UnsafeMutableRawBufferPointer, endingAt end: Int) {
        var rest = value
        var index = end
        while index > end &- digits {
            index &-= 1
            room[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
            rest /= 10
        }
    }

    /// Raw bytes (the vocabulary's precomputed words, another line).
    @inline(__always)
    mutating func append(raw bytes: UnsafeRawBufferPointer) {
        extend(by: bytes.count) { $0.copyMemory(from: bytes) }
    }

    /// The bytes of an array.
    @inline(__always)
    mutating func append(bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(raw: $0) }
    }

    /// Another line's bytes.
    mutating func append(_ other: borrowing ByteLine) {
        append(raw: UnsafeRawBufferPointer(start: other.base, count: other.count))
    }

    /// One byte.
    @inline(__always)
    mutating func append(byte: UInt8) {
        extend(by: 1) { $0[0] = byte }
    }

    /// `byte` `count` times (padding), written eight at a time: padding is a few bytes, for
    /// which a call to memset cost more than the bytes.
    @inline(__always)
    mutating func append(repeating byte: UInt8, count: Int) {
        guard count > 0 else { return }
        let word = UInt64(byte) &* 0x0101_0101_0101_0101
        // The room is rounded up to whole words, so the last store stays inside it; the
        // line takes only `count` of the bytes written.
        extend(atMost: count &+ 7) { room in
            var at = 0
            while at < count {
                room.storeBytes(of: word, toByteOffset: at, as: UInt64.self)
                at &+= 8
            }
            return count
        }
    }

    /// A literal. Inlined, so that its length is a constant where it is used and the copy
    /// of a few bytes is a few moves rather than a call to memmove.
    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(raw: UnsafeRawBufferPointer($0)) }
    }

    /// Text; a literal goes to the StaticString overload, which copies its bytes without
    /// String's checks (the literals of a JSON line cost more than its numbers otherwise).
    @_disfavoredOverload
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(raw: UnsafeRawBufferPointer($0)) }
    }

    mutating func append<Integer: BinaryInteger>(_ value: Integer) {
        if value < 0 {
            // The magnitude, not the negation: -Int64.min does not exist.
            append(byte: UInt8(ascii: "-"))
            appendDigits(UInt64(value.magnitude))
            return
        }
        appendDigits(UInt64(value))
    }

    /// `literal`, then `value` in decimal, in one piece: a JSON key and its number, a
    /// ladder's "seq=" and its number (each piece costs a check that it fits). Inlined, like a
    /// literal alone, for the literal's constant length.
    @inline(__always)
    mutating func append<Integer: BinaryInteger>(_ literal: StaticString, _ value: Integer) {
        guard value >= 0 else {
            append(literal)
            append(value)
            return
        }
        let number = UInt64(value)
        let digits = Self.digitCount(number)
        literal.withUTF8Buffer { text in
            extend(by: text.count &+ digits) { room in
                UnsafeMutableRawBufferPointer(rebasing: room[..<text.count]).copyMemory(from: UnsafeRawBufferPointer(text))
                Self.put(number, digits: digits, into: room, endingAt: text.count &+ digits)
            }
        }
    }

    /// `number` in decimal, written in place from its last digit back.
    private mutating func appendDigits(_ number: UInt64) {
        if number < 10 {
            append(byte: UInt8(truncatingIfNeeded: number) &+ 48)
            return
        }
        // A constant, not a variable, for the closure: a variable it captures is checked
        // for exclusive access at run time on each use.
        let digits = Self.digitCount(number)
        extend(by: digits) { Self.put(number, digits: digits, into: $0, endingAt: digits) }
    }

    /// How many decimal digits `number` has.
    static func digitCount(_ number: UInt64) -> Int {
        // Compared with powers of ten, not divided: most numbers are short.
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20 && number >= bound {
            digits &+= 1
            bound &*= 10  // Up to 10^19; the loop ends before it would pass UInt64.max.
        }
        return digits
    }

    /// Writes the line to `output` (without a copy of it).
    func write(to output: BufferedWriter) throws(SystemCallError) {
        try output.write(UnsafeRawBufferPointer(start: base, count: count).bytes)
    }

    /// Seconds with nine decimals from nanoseconds: 1500000 gives "0.001500000".
    /// Any Int64 is printed, Int64.min included (a file's timestamps may be anything).
    @inline(__always)
    mutating func appendSeconds(nanoseconds: Int64, decimals: Int = 9) {
        appendDecimal(nanoseconds, unit: 1_000_000_000, decimals: decimals)
    }

    /// Milliseconds with three decimals from nanoseconds: 1500000 gives "1.500".
    mutating func appendMilliseconds(nanoseconds: Int64) {
        appendDecimal(nanoseconds, unit: 1_000_000, decimals: 3)
    }

    /// `value / unit` (`unit` a power of ten) with `decimals` digits after the point,
    /// truncated, computed on the magnitude so no value overflows (scaling to another unit
    /// first would). Inlined where `unit` and `decimals` are constants, so that dividing by
    /// them is a multiplication.
    @inline(__always)
    private mutating func appendDecimal(_ value: Int64, unit: UInt64, decimals: Int) {
        if value < 0 { append(byte: UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        appendDigits(magnitude / unit)
        // The digits the unit has room for, as one number written with its leading zeros;
        // any further decimals are zeros.
        var divisor = unit
        var shown = 0
        while shown < decimals && divisor >= 10 {
            divisor /= 10
            shown &+= 1
        }
        let fraction = (magnitude % unit) / divisor
        let width = max(decimals, 0)
        extend(by: width &+ 1) { room in
            room[0] = UInt8(ascii: ".")
            Self.put(fraction, digits: shown, into: room, endingAt: shown &+ 1)
            var zero = shown &+ 1
            while zero <= width {
                room[zero] = UInt8(ascii: "0")
                zero &+= 1
            }
        }
    }

    /// A JSON string literal, escaping quotes, backslashes and control characters.
    mutating func appendJSONString(_ text: String) {
        append(byte: UInt8(ascii: "\""))
        var text = text
        let plain = text.withUTF8 { utf8 in
            // Most strings (names, descriptions) have nothing to escape: copied at once.
            guard !utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return false }
            append(raw: UnsafeRawBufferPointer(utf8))
            return true
        }
        if plain {
            append(byte: UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0..<0x20:
                append("\\u00")
                let hex: StaticString = "0123456789abcdef"
                hex.withUTF8Buffer { digits in
                    append(byte: digits[Int(byte >> 4)])
                    append(byte: digits[Int(byte & 0xF)])
                }
            default: append(byte: byte)
            }
        }
        append(byte: UInt8(ascii: "\""))
    }

    /// `value` right-aligned in `width` columns (wider numbers are not cut).
    mutating func appendPadded<Integer: BinaryInteger>(_ value: Integer, width: Int) {
        // The padding first when the length is known (no move of the digits after).
        let length = Self.decimalLength(value)
        if length < width { append(repeating: UInt8(ascii: " "), count: width &- length) }
        append(value)
    }

    /// How many bytes ``append(_:)-(Integer)`` writes for `value`: its digits, and a minus sign.
    @inline(__always)
    static func decimalLength<Integer: BinaryInteger>(_ value: Integer) -> Int {
        digitCount(UInt64(value.magnitude)) &+ (value < 0 ? 1 : 0)
    }

    /// Seconds from nanoseconds (see ``appendSeconds(nanoseconds:decimals:)``), right-aligned
    /// in `width` columns. Inlined, so that `decimals` is a constant where the digits are made.
    @inline(__always)
    mutating func appendPadded(seconds nanoseconds: Int64, decimals: Int, width: Int) {
        // The padding first, its length known from the whole seconds' digits (see appendDecimal).
        let length = (nanoseconds < 0 ? 1 : 0) &+ Self.digitCount(nanoseconds.magnitude / 1_000_000_000) &+ 1 &+ max(decimals, 0)
        if length < width { append(repeating: UInt8(ascii: " "), count: width &- length) }
        appendSeconds(nanoseconds: nanoseconds, decimals: decimals)
    }

    /// `text` (ASCII) left-aligned in `width` columns.
    mutating func appendPadded(_ text: String, width: Int) {
        let start = count
        append(text)
        let written = count &- start
        if written < width { append(repeating: UInt8(ascii: " "), count: width &- written) }
    }

    /// The ANSI escape that starts colour `code` (``TextStyle``), when there is one and colour is on.
    mutating func openColour(_ code: StaticString?, enabled: Bool) {
        guard enabled, let code else { return }
        append("\u{1B}[")
        append(code)
        append("m")
    }

    /// The ANSI escape that ends a colour opened by ``openColour(_:enabled:)``.
    mutating func closeColour(_ code: StaticString?, enabled: Bool) {
        guard enabled, code != nil else { return }
        append("\u{1B}[0m")
    }
}
