/// The finished connections in the order their retirement falls due: a binary heap by the
/// time of each connection's last segment as it was when it entered.
///
/// The analyzer looks for connections to forget once per second of capture time; looking at
/// every remembered connection each time cost more than the rest of the analysis on a
/// capture of many short connections (10,000 remembered, 600 looks). This hands out only
/// those whose time has come.
///
/// Also the tracker's (``ConnectionTracker``), by slot. A connection has at most one valid entry (its ``Connection/retirementEntry``); an entry
/// for a time later than the connection's last segment (a capture's clock may go back) is
/// replaced by a new one, the old one skipped when it comes up.
struct RetirementQueue {
    /// Entries by time, each naming its connection's place in `parked`: moving a reference
    /// up and down the heap cost a retain and a release at every step.
    private var heap = TimeHeap<Int>()
    /// The connections with entries, by place; emptied places are reused.
    private var parked: [Connection?] = []
    private var freePlaces: [Int] = []

    /// Makes sure `connection`, finished, has an entry no later than its last segment.
    mutating func add(_ connection: Connection) {
        if let entry = connection.retirementEntry, entry <= connection.lastTime { return }
        connection.retirementEntry = connection.lastTime
        heap.push(connection.lastTime, parked.store(connection, reusing: &freePlaces))
    }

    /// Removes and returns the connections whose entries are due at `now`, in no order:
    /// those still finished and `delay` past their last segment. Entries of connections
    /// that sent more since are put back for their new time.
    mutating func takeDue(now: Int64, delay: Int64) -> [Connection] {
        var due: [Connection] = []
        var later: [Connection] = []
        while let first = heap.firstTime, now.saturatingDifference(first) > delay {
            let (time, place) = heap.pop()
            guard let connection = parked[place] else { continue }
            parked[place] = nil
            freePlaces.append(place)
            // Skip an entry replaced by an earlier one, or of a connection already forgotten.
            guard connection.retirementEntry == time, !connection.isRetired else { continue }
            connection.retirementEntry = nil
            guard connection.isFinished else { continue }  // Opened again: added when it finishes.
            if now.saturatingDifference(connection.lastTime) > delay { due.append(connection) } else { later.append(connection) }
        }
        for connection in later { add(connection) }
        return due
    }
}

/// Items by time, earliest first: a binary min-heap.
struct TimeHeap<Item> {
    // Times apart from the items: the comparisons read times only, where reading the time
    // of a (time, item) pair copied the pair, and the item with it (a retain and a release
    // of a connection for each comparison).
    private var times: [Int64] = []
    private var items: [Item] = []

    /// The earliest time, if any.
    var firstTime: Int64? { times.first }

    mutating func push(_ time: Int64, _ item: Item) {
        times.append(time)
        items.append(item)
        var child = times.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard times[child] < times[parent] else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry; the heap must not be empty.
    mutating func pop() -> (time: Int64, item: Item) {
        swapAt(0, times.count - 1)
        let top = (time: times.removeLast(), item: items.removeLast())
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < times.count, times[left] < times[smallest] { smallest = left }
            if right < times.count, times[right] < times[smallest] { smallest = right }
            guard smallest != parent else { return top }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        times.swapAt(i, j)
        items.swapAt(i, j)
    }
}
