/// The rows of ``TransitionTable`` one endpoint took on one segment, in the order taken:
/// one, or two where the segment reveals a row taken before it (see ``EndpointTransition``).
///
/// Kept as places in ``TransitionTable/rows``, not as rows: every annotated segment carries
/// its moves, and an array of rows (each with its strings) would cost an allocation and
/// reference counting per segment. Reading an element gives the table's row.
public struct TransitionRows: RandomAccessCollection, Hashable, Sendable {
    /// The most rows one move can hold: one segment shows at most one earlier row.
    public static let capacity = 2

    private var first: UInt8 = 0
    private var second: UInt8 = 0
    /// How many rows there are: a byte, so that a move is five bytes and an annotated
    /// segment (two moves) is copied the faster for it.
    private var stored: UInt8 = 0

    /// How many rows there are, 0 to ``capacity``.
    public var count: Int { Int(stored) }

    /// No rows.
    public init() {}

    /// The one row at `index` in ``TransitionTable/rows`` (none when that is not the table's).
    public init(tableIndex index: Int) {
        append(tableIndex: index)
    }

    /// The rows at these places in ``TransitionTable/rows`` (at most ``capacity``; more are
    /// not kept).
    init(tableIndices: Int...) {
        for index in tableIndices { append(tableIndex: index) }
    }

    /// Adds the row at `index` in ``TransitionTable/rows``; false (and nothing added) when
    /// the move is full or the index is not the table's.
    @discardableResult
    mutating func append(tableIndex index: Int) -> Bool {
        guard count < Self.capacity, index >= 0, index < TransitionTable.rows.count, index <= Int(UInt8.max) else { return false }
        if count == 0 { first = UInt8(index) } else { second = UInt8(index) }
        stored &+= 1
        return true
    }

    /// The place in ``TransitionTable/rows`` of the row at `position` (0 for the first row).
    public func tableIndex(at position: Int) -> Int {
        precondition(position >= 0 && position < count, "row position out of range")
        return Int(position == 0 ? first : second)
    }

    /// The first row's position, 0.
    public var startIndex: Int { 0 }
    /// One past the last row's position.
    public var endIndex: Int { count }

    /// The row at `position`.
    public subscript(position: Int) -> StateTransition { TransitionTable.rows[tableIndex(at: position)] }

    /// Whether the two hold the same rows in the same order.
    public static func == (lhs: TransitionRows, rhs: TransitionRows) -> Bool {
        lhs.stored == rhs.stored && (lhs.count < 1 || lhs.first == rhs.first) && (lhs.count < 2 || lhs.second == rhs.second)
    }

    /// Hashes the rows' places in the table.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for position in 0..<count { hasher.combine(tableIndex(at: position)) }
    }
}
