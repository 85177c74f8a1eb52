/// Splits a line of a lab file into words, as socket calls and peer steps are written:
/// words are separated by spaces or tabs; a double-quoted word may hold spaces and the
/// escapes \n \r \t \" \\.
public enum QuotedWords {
    /// One word, and whether it was quoted (quoted words are text: a payload, a request).
    public struct Word: Sendable {
        /// The word, escapes resolved.
        public var text: String
        /// Whether it was written in double quotes.
        public var quoted: Bool
    }

    /// The words of `line`; an unknown escape or an unclosed quote is a ``PeerSyntaxError``.
    public static func split(_ line: String) throws(PeerSyntaxError) -> [Word] {
        var words: [Word] = []
        var characters = Array(line)[...]
        while let first = characters.first {
            if first == " " || first == "\t" { characters.removeFirst(); continue }
            if first == "\"" {
                characters.removeFirst()
                var word = ""
                var closed = false
                while let character = characters.popFirst() {
                    if character == "\"" { closed = true; break }
                    if character == "\\", let escaped = characters.popFirst() {
                        switch escaped {
                        case "n": word.append("\n")
                        case "r": word.append("\r")
                        case "t": word.append("\t")
                        case "\"", "\\": word.append(escaped)
                        default: throw PeerSyntaxError("unknown escape '\\\(escaped)' in quoted text (use \\n \\r \\t \\\" \\\\)")
                        }
                    } else {
                        word.append(character)
                    }
                }
                guard closed else { throw PeerSyntaxError("quoted text is not closed") }
                words.append(Word(text: word, quoted: true))
            } else {
                var word = ""
                while let character = characters.first, character != " ", character != "\t" {
                    word.append(character)
                    characters.removeFirst()
                }
                words.append(Word(text: word, quoted: false))
            }
        }
        return words
    }
}
