/// A fixed list of words as bytes, made once for the life of the program: the state names,
/// flag letters, labels and JSON pieces that every output line repeats. Make one only as a
/// static constant: its storage is never freed.
///
/// The words sit end to end in one allocation that is never freed (each list is a static
/// constant), so handing one out is a bounds check and a pointer: an array of arrays
/// retained and released the word it handed out, twice per state column of every line.
/// The value itself is two pointers and a count, with nothing to retain: a renderer keeps
/// copies of the lists it uses, rather than meet a static's lazy-initialization check (a
/// call) at every word.
struct ByteWords: @unchecked Sendable {
    // @unchecked: the storage is written only in init and never freed or changed afterwards,
    // so any number of threads may read it at once.
    private let storage: UnsafeMutablePointer<UInt8>
    /// Where each word ends in `storage` (word `i` starts where word `i - 1` ends), `count`
    /// of them, in the same never-freed way.
    private let ends: UnsafeMutablePointer<Int>
    /// How many words there are.
    let count: Int

    /// The list of `words`, in order.
    init(_ words: [[UInt8]]) {
        let total = words.reduce(0) { $0 + $1.count }
        storage = .allocate(capacity: max(total, 1))
        ends = .allocate(capacity: max(words.count, 1))
        count = words.count
        var at = 0
        for (index, word) in words.enumerated() {
            (storage + at).initialize(from: word, count: word.count)
            at += word.count
            (ends + index).initialize(to: at)
        }
    }

    /// Word `index`; traps outside the list, as an array would.
    subscript(index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < count, "no such word")
        let end = ends[index]
        let start = index == 0 ? 0 : ends[index &- 1]
        return UnsafeRawBufferPointer(start: storage + start, count: end &- start)
    }
}
