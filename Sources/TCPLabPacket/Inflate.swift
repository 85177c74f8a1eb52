/// Decompresses raw DEFLATE data (RFC 1951), as IPComp carries it (RFC 2394), into at most a
/// given number of bytes.
///
/// Written for hostile input: every read of the compressed bytes is checked, every table is
/// checked before use, back-references may not reach before the output's start, and the
/// output stops at its limit; any of these ends the decompression with nil, never a trap.
/// Each loop either consumes input or produces output, so the work is bounded by both sizes.
struct Inflate {
    private let input: ByteReader
    /// Index of the next unread bit in `input`.
    private var bitPosition = 0
    private let limit: Int
    private(set) var output: [UInt8] = []

    /// Decompresses `input`; nil when it is not valid DEFLATE or would exceed `limit` bytes.
    static func decompress(_ input: ByteReader, limit: Int) -> [UInt8]? {
        var inflate = Inflate(input: input, limit: limit)
        return inflate.run() ? inflate.output : nil
    }

    private init(input: ByteReader, limit: Int) {
        self.input = input
        self.limit = limit
        output.reserveCapacity(min(limit, 4 * input.count))
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        /// A code from each symbol's code length; nil when the lengths over-subscribe the code space.
        init?(lengths: ArraySlice<Int>) {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var left = 1
            for length in 1..<16 {
                left = left * 2 - counts[length]
                guard left >= 0 else { return nil }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private mutating func bits(_ count: Int) -> Int? {
        var value = 0
        for shift in 0..<count {
            guard let byte = input.getInteger(at: bitPosition >> 3, as: UInt8.self) else { return nil }
            value |= Int((byte >> UInt8(bitPosition & 7)) & 1) << shift
            bitPosition += 1
        }
        return value
    }

    private mutating func decodeSymbol(_ code: Huffman) -> Int? {
        var value = 0, first = 0, index = 0
        for length in 1..<16 {
            guard let bit = bits(1) else { return nil }
            value |= bit
            let count = code.counts[length]
            if value - count < first { return code.symbols.indices.contains(index + value - first) ? code.symbols[index + value - first] : nil }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        return nil
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The fixed codes of RFC 1951 section 3.2.6.
    private static let fixed: (Huffman, Huffman)? = {
        let literals = [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
        guard let literal = Huffman(lengths: literals[...]), let distance = Huffman(lengths: [Int](repeating: 5, count: 30)[...]) else { return nil }
        return (literal, distance)
    }()

    private mutating func run() -> Bool {
        while true {
            guard let last = bits(1), let type = bits(2) else { return false }
            switch type {
            case 0: guard stored() else { return false }
            case 1:
                guard let (literal, distance) = Inflate.fixed, codes(literal, distance) else { return false }
            case 2: guard dynamic() else { return false }
            default: return false
            }
            if last == 1 { return true }
        }
    }

    /// A stored block (section 3.2.4): byte-aligned length, its complement, the bytes.
    private mutating func stored() -> Bool {
        let start = (bitPosition + 7) >> 3
        guard let length = input.getInteger(at: start, endianness: .little, as: UInt16.self),
            let complement = input.getInteger(at: start + 2, endianness: .little, as: UInt16.self),
            length == ~complement,
            output.count + Int(length) <= limit,
            let bytes = input.getBytes(at: start + 4, length: Int(length))
        else { return false }
        output.append(contentsOf: bytes)
        bitPosition = (start + 4 + Int(length)) << 3
        return true
    }

    /// A block with dynamic codes (section 3.2.7): the code-length code, then the two codes.
    private mutating func dynamic() -> Bool {
        guard let literalCount = bits(5).map({ $0 + 257 }), let distanceCount = bits(5).map({ $0 + 1 }),
            let lengthCount = bits(4).map({ $0 + 4 }), literalCount <= 286, distanceCount <= 30
        else { return false }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var lengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<lengthCount {
            guard let length = bits(3) else { return false }
            lengthLengths[order[index]] = length
        }
        guard let lengthCode = Huffman(lengths: lengthLengths[...]) else { return false }
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            guard let symbol = decodeSymbol(lengthCode) else { return false }
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last, let repeats = bits(2) else { return false }
                lengths += [Int](repeating: previous, count: 3 + repeats)
            case 17:
                guard let repeats = bits(3) else { return false }
                lengths += [Int](repeating: 0, count: 3 + repeats)
            default:
                guard let repeats = bits(7) else { return false }
                lengths += [Int](repeating: 0, count: 11 + repeats)
            }
        }
        guard lengths.count == literalCount + distanceCount, lengths[256] != 0,
            let literal = Huffman(lengths: lengths[0..<literalCount]),
            let distance = Huffman(lengths: lengths[literalCount...])
        else { return false }
        return codes(literal, distance)
    }

    /// Literals and back-references until the end-of-block symbol.
    private mutating func codes(_ literal: Huffman, _ distance: Huffman) -> Bool {
        while true {
            guard let symbol = decodeSymbol(literal) else { return false }
            if symbol < 256 {
                guard output.count < limit else { return false }
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return true
            } else {
                let index = symbol - 257
                guard index < Inflate.lengthBase.count, let extra = bits(Inflate.lengthExtra[index]),
                    let distanceSymbol = decodeSymbol(distance), distanceSymbol < Inflate.distanceBase.count,
                    let distanceExtra = bits(Inflate.distanceExtra[distanceSymbol])
                else { return false }
                let length = Inflate.lengthBase[index] + extra
                let back = Inflate.distanceBase[distanceSymbol] + distanceExtra
                guard back <= output.count, output.count + length <= limit else { return false }
                for _ in 0..<length { output.append(output[output.count - back]) }
            }
        }
    }
}
