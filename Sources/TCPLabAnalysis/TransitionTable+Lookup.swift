extension TransitionTable {
    /// The place in ``rows`` of the row for `event` in state `from`, for an endpoint that
    /// opened by `opening` (the row ``row(from:event:opening:)`` returns); nil when the table
    /// has none.
    ///
    /// The analyzer looks a row up for each endpoint on every segment: this is one read of a
    /// flat array made once, where a dictionary keyed by the two String-backed enums hashed
    /// both raw values, and it hands out a number, not a row (whose strings copying retains).
    public static func rowIndex(from: TCPState, event: TransitionEvent, opening: StateTransition.Opening) -> Int? {
        let index = byStateEventAndOpening[slot(from, event, opening)]
        return index < 0 ? nil : Int(index)
    }

    /// The place in ``rows`` of the row named `id`, or nil.
    public static func rowIndex(_ id: String) -> Int? { indexByID[id] }

    private static func slot(_ from: TCPState, _ event: TransitionEvent, _ opening: StateTransition.Opening) -> Int {
        (from.ordinal &* TransitionEvent.count &+ event.ordinal) &* 2 &+ (opening == .active ? 1 : 0)
    }

    /// For each state, event and opening, the first row that applies (a row without an
    /// opening applies to both), or -1.
    private static let byStateEventAndOpening: [Int16] = {
        precondition(TCPState.allCases.count == TCPState.count && TransitionEvent.allCases.count == TransitionEvent.count)
        var table = [Int16](repeating: -1, count: TCPState.count * TransitionEvent.count * 2)
        for (index, row) in rows.enumerated() {
            for opening in [StateTransition.Opening.passive, .active] where row.opening == nil || row.opening == opening {
                let slot = slot(row.from, row.event, opening)
                if table[slot] < 0 { table[slot] = Int16(index) }
            }
        }
        return table
    }()

    private static let indexByID: [String: Int] = Dictionary(
        rows.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
}

extension TCPState {
    /// How many states there are.
    public static let count = 11

    /// A number for each state, 0 to 10, in declaration order. A switch, because a
    /// String-backed enum hashes and compares by its raw value, which costs more than a
    /// table lookup by this number.
    @inlinable
    public var ordinal: Int {
        switch self {
        case .listen: 0
        case .synSent: 1
        case .synReceived: 2
        case .established: 3
        case .finWait1: 4
        case .finWait2: 5
        case .closeWait: 6
        case .closing: 7
        case .lastAck: 8
        case .timeWait: 9
        case .closed: 10
        }
    }

    /// Whether both ends' sequence numbers are known in this state (RFC 9293 section 3.5.3).
    @inlinable
    public var isSynchronized: Bool {
        switch self {
        case .established, .finWait1, .finWait2, .closeWait, .closing, .lastAck, .timeWait: true
        case .listen, .synSent, .synReceived, .closed: false
        }
    }
}

extension TransitionEvent {
    /// How many events there are.
    static let count = 22

    /// A number for each event, in declaration order (see ``TCPState/ordinal``).
    var ordinal: Int {
        switch self {
        case .passiveOpen: 0
        case .activeOpen: 1
        case .send: 2
        case .close: 3
        case .abort: 4
        case .segment: 5
        case .ack: 6
        case .unacceptableACK: 7
        case .rst: 8
        case .rstInWindow: 9
        case .syn: 10
        case .synACK: 11
        case .synInWindow: 12
        case .ackOfSYN: 13
        case .fin: 14
        case .finACKOfFIN: 15
        case .ackOfFIN: 16
        case .dataAfterClose: 17
        case .userTimeout: 18
        case .keepAliveTimeout: 19
        case .timeWaitTimeout: 20
        case .finWait2Timeout: 21
        }
    }
}
