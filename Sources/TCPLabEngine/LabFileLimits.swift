/// The largest values a lab file may write. Each keeps what the file says inside the types
/// and the memory a run uses, so that a number out of range is a `file:line:` error before
/// anything runs, never a trap or a huge allocation part way through a lab.
enum LabFileLimits {
    /// A send or recv of at most 64 MiB (a send's bytes are built in memory before the
    /// call); the built-in labs use up to 8 MiB.
    static let bytes = 64 << 20
    /// Counts, queue sizes and seconds in an expectation: up to 2^53, beyond which a Double
    /// (how ``Comparison`` holds them) no longer counts by one.
    static let number: Double = 9_007_199_254_740_992
    /// ``number`` as the errors write it.
    static let numberText = "2^53"
    /// A shaping rate's number, before its unit (bit, kbit, mbit): tc takes 64-bit rates in
    /// bytes per second, far above this.
    static let rate = 100_000_000
    /// Steps in a lab, each round of a repeat counted: a run prints each, and a file of a
    /// few kilobytes with YAML aliases could otherwise repeat itself into millions.
    static let steps = 1000
    /// Values (keys, scalars, mappings) the parser reads in one lab file. The largest
    /// built-in lab reads about 400; YAML aliases could make a 10 KB file read millions.
    static let values = 50_000
}
