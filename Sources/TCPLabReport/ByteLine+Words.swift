extension ByteLine {
    /// Word `index` of `words`.
    @inline(__always)
    mutating func append(_ words: ByteWords, _ index: Int) {
        append(raw: words[index])
    }
}
