extension String {
    /// The text's paragraphs, blank lines between them, each with its lines joined by one
    /// space: a lesson as written in a YAML block keeps its source line breaks, which are
    /// no part of what it says once placeholders have changed the lines' lengths.
    public var paragraphs: [String] {
        var found: [String] = []
        var words: [Substring] = []
        for line in split(separator: "\n", omittingEmptySubsequences: false) {
            let lineWords = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if lineWords.isEmpty {
                if !words.isEmpty { found.append(words.joined(separator: " ")) }
                words = []
            } else {
                words += lineWords
            }
        }
        if !words.isEmpty { found.append(words.joined(separator: " ")) }
        return found
    }

    /// The text's paragraphs wrapped into lines of at most `width` characters where the
    /// words allow (a longer word gets a line of its own), a blank line between paragraphs.
    public func wrapped(width: Int) -> [String] {
        var lines: [String] = []
        for (index, paragraph) in paragraphs.enumerated() {
            if index > 0 { lines.append("") }
            var current = ""
            for word in paragraph.split(separator: " ") {
                if current.isEmpty {
                    current = String(word)
                } else if current.count + 1 + word.count <= width {
                    current += " " + word
                } else {
                    lines.append(current)
                    current = String(word)
                }
            }
            if !current.isEmpty { lines.append(current) }
        }
        return lines
    }
}
