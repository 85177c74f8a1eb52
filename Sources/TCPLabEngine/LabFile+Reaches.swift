import TCPLabAnalysis
import TCPLabReport
import Yams

extension Lab {
    /// A row of the state table a lab means to reach (`reaches:` in the lab file).
    public struct Reach: Sendable, CustomStringConvertible {
        /// The row's id, "established/fin".
        public var id: String
        /// Line in the lab file.
        public var line: Int

        /// "reaches established/fin (ESTABLISHED → CLOSE-WAIT)".
        public var description: String {
            let row = TransitionTable.row(id)
            return "reaches \(id)" + (row.map { " (\($0.from) → \($0.to))" } ?? "")
        }
    }
}

extension LabFile {
    /// The `reaches:` key: one row id or a list of them, each a row of ``TransitionTable``.
    static func reaches(_ node: Node, file: String) throws(LabFileError) -> [Lab.Reach] {
        var items: [Node] = [node]
        if case .sequence(let sequence) = node { items = Array(sequence) }
        var reaches: [Lab.Reach] = []
        for item in items {
            let line = item.mark?.line ?? 0
            guard case .scalar(let scalar) = item else {
                throw LabFileError(file: file, line: line, message: "'reaches' takes row ids of the state table (tcplab coverage lists them), as a list: [established/fin, close-wait/close]")
            }
            let id = scalar.string
            guard TransitionTable.row(id) != nil else {
                let state = id.split(separator: "/").first.map(String.init) ?? id
                let near = TransitionTable.rows.map(\.id).filter { $0.hasPrefix(state + "/") }
                let hint = near.isEmpty ? "tcplab coverage lists them" : "rows from that state: " + near.joined(separator: ", ")
                throw LabFileError(file: file, line: line, message: "'\(id)' is not a row of the state table (\(hint))")
            }
            reaches.append(Lab.Reach(id: id, line: line))
        }
        return reaches
    }
}
