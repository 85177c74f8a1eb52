/// What a `firewall:` step's nft commands did, said by their verbs: a step that deletes a
/// table must not report rules added.
enum FirewallRules {
    /// The past tense of each nft(8) command verb a lab may use.
    static let pastTense: [String: String] = [
        "add": "added", "create": "created", "insert": "inserted", "replace": "replaced",
        "delete": "deleted", "destroy": "destroyed", "flush": "flushed", "reset": "reset",
        "rename": "renamed",
    ]

    /// "table, chain, rule added", "chain flushed, rule added", "table deleted": each
    /// command's object and verb, in order, neighbours with the same verb merged; "nft
    /// applied" when a line starts with a verb not in ``pastTense``.
    static func summary(of rules: String) -> String {
        var groups: [(verb: String, objects: [String])] = []
        for line in rules.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first, !first.hasPrefix("#") else { continue }
            guard let verb = pastTense[first], words.count > 1 else { return "nft applied" }
            if let last = groups.last, last.verb == verb {
                groups[groups.count - 1].objects.append(words[1])
            } else {
                groups.append((verb, [words[1]]))
            }
        }
        if groups.isEmpty { return "nft applied" }
        return groups.map { group in
            var objects: [String] = []
            for object in group.objects where !objects.contains(object) { objects.append(object) }
            return objects.joined(separator: ", ") + " " + group.verb
        }.joined(separator: ", ")
    }
}
