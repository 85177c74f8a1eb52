import TCPLabAnalysis

extension LadderRenderer {
    /// The rows of the state table that `segment` moved each endpoint by, one line each,
    /// indented under the segment, with Linux's departure where it has one:
    ///
    /// ```
    ///                   server LISTEN → SYN-RECEIVED: listen/syn, SYN arrives, send SYN-ACK (RFC 9293 §3.10.7.2)
    ///                     Linux: the listener stays in LISTEN and the connection is a request socket ...
    /// ```
    func explanation(of segment: AnnotatedSegment) -> String {
        var text = ""
        for (side, move) in [("client", segment.clientTransition), ("server", segment.serverTransition)] {
            guard let move else { continue }
            for row in move.rows {
                let source = row.inRFC ? "RFC 9293 \(row.section)" : "Linux only; RFC 9293 \(row.section)"
                text += String(repeating: " ", count: 18) + "\(side) \(row.from) → \(row.to): \(row.id), "
                    + "\(row.event), \(row.action) (\(source))\n"
                if let linux = row.linux { text += String(repeating: " ", count: 20) + "Linux: \(linux)\n" }
            }
        }
        return text
    }
}
