/// A line of output assembled as bytes: appending numbers and ASCII text without going
/// through `String` interpolation, which dominates the cost of printing a million lines.
struct ByteLine {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    /// A line with room for `capacity` bytes reserved (none: no allocation).
    init(reserving capacity: Int) { bytes.reserveCapacity(capacity) }

    /// A line that goes on after `bytes`.
    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func clear() { bytes.removeAll(keepingCapacity: true) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Text; a literal goes to the StaticString overload, which copies its bytes without
    /// String's checks (the literals of a JSON line cost more than its numbers otherwise).
    @_disfavoredOverload
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append<Integer: BinaryInteger>(_ value: Integer) {
        if value < 0 {
            // The magnitude, not the negation: -Int64.min does not exist.
            bytes.append(UInt8(ascii: "-"))
            append(UInt64(value.magnitude))
            return
        }
        var number = UInt64(value)
        if number < 10 {
            bytes.append(UInt8(truncatingIfNeeded: number) + 48)
            return
        }
        // Room for 20 digits, on the stack, typed: appending a raw buffer's slice goes byte
        // by byte through an iterator.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var index = buffer.count
            while number > 0 {
                index -= 1
                buffer[index] = UInt8(truncatingIfNeeded: number % 10) + 48
                number /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index...]))
        }
    }

    /// Seconds with nine decimals from nanoseconds: 1500000 gives "0.001500000".
    /// Any Int64 is printed, Int64.min included (a file's timestamps may be anything).
    mutating func appendSeconds(nanoseconds: Int64, decimals: Int = 9) {
        appendDecimal(nanoseconds, unit: 1_000_000_000, decimals: decimals)
    }

    /// Milliseconds with three decimals from nanoseconds: 1500000 gives "1.500".
    mutating func appendMilliseconds(nanoseconds: Int64) {
        appendDecimal(nanoseconds, unit: 1_000_000, decimals: 3)
    }

    /// `value / unit` with `decimals` digits after the point, truncated, computed on the
    /// magnitude so no value overflows (scaling to another unit first would).
    private mutating func appendDecimal(_ value: Int64, unit: UInt64, decimals: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        append(magnitude / unit)
        bytes.append(UInt8(ascii: "."))
        var fraction = magnitude % unit
        var divisor = unit / 10
        for _ in 0..<decimals {
            guard divisor > 0 else {
                bytes.append(UInt8(ascii: "0"))
                continue
            }
            bytes.append(UInt8(truncatingIfNeeded: fraction / divisor) + 48)
            fraction %= divisor
            divisor /= 10
        }
    }

    /// A JSON string literal, escaping quotes, backslashes and control characters.
    mutating func appendJSONString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0..<0x20:
                append("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value` right-aligned in `width` columns (wider numbers are not cut).
    mutating func appendPadded<Integer: BinaryInteger>(_ value: Integer, width: Int) {
        let start = bytes.count
        append(value)
        rightAlign(from: start, width: width)
    }

    /// Seconds from nanoseconds (see ``appendSeconds(nanoseconds:decimals:)``), right-aligned
    /// in `width` columns.
    mutating func appendPadded(seconds nanoseconds: Int64, decimals: Int, width: Int) {
        let start = bytes.count
        appendSeconds(nanoseconds: nanoseconds, decimals: decimals)
        rightAlign(from: start, width: width)
    }

    /// Moves the bytes from `start` on right so they fill `width` columns, spaces before.
    private mutating func rightAlign(from start: Int, width: Int) {
        let written = bytes.count &- start
        guard written < width else { return }
        bytes.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width &- written), at: start)
    }

    /// `text` (ASCII) left-aligned in `width` columns.
    mutating func appendPadded(_ text: String, width: Int) {
        let start = bytes.count
        append(text)
        let written = bytes.count &- start
        if written < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width &- written)) }
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
