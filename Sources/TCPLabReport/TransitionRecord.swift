import TCPLabAnalysis

/// The rows of RFC 9293's state table (``TransitionTable``) that one segment moved each
/// endpoint by, as `tcplab run --format json` carries them, in the shape of `tcplab inspect
/// --format jsonl`'s `transition` field.
public struct TransitionRecord: Sendable, Encodable {
    /// One endpoint's move.
    public struct Move: Sendable, Encodable {
        /// The state the first row starts from.
        public var from: String
        /// The state after the last row.
        public var to: String
        /// The rows taken, in order.
        public var rows: [Row]
    }

    /// A row, by its stable id.
    public struct Row: Sendable, Encodable {
        /// "established/fin".
        public var id: String
        /// The event in words.
        public var event: String
        /// What the endpoint sends.
        public var action: String
        /// The RFC 9293 section, "3.10.7.4".
        public var section: String
    }

    /// The client's move, if it moved.
    public var client: Move?
    /// The server's move, if it moved.
    public var server: Move?

    /// The moves of `segment`, or nil when neither endpoint took a row.
    public init?(_ segment: AnnotatedSegment) {
        guard segment.clientTransition != nil || segment.serverTransition != nil else { return nil }
        client = segment.clientTransition.map(Self.move)
        server = segment.serverTransition.map(Self.move)
    }

    private static func move(_ transition: EndpointTransition) -> Move {
        Move(from: transition.from.rawValue, to: transition.to.rawValue, rows: transition.rows.map {
            Row(id: $0.id, event: $0.event.description, action: $0.action.description, section: $0.section.number)
        })
    }
}
