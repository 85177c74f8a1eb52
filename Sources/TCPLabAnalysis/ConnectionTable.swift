/// What the analyzer and the tracker remember by 4-tuple: a dictionary, with a small cache
/// of the last connections seen in front of it.
///
/// Both look up a connection for every segment, and hashing the key with the standard
/// library's seeded SipHash, then probing, cost about a twelfth of `tcplab inspect`.
/// Segments come in bursts per connection (a window of data and its ACKs), so the
/// connections seen last answer most lookups. The cache is direct-mapped, indexed by a
/// cheap fold of the ports and addresses, and an entry counts only if its whole key
/// matches: a capture crafted to make every lookup miss costs a comparison more, never a
/// wrong answer, and the dictionary keeps its seeded hash against crafted collisions.
struct ConnectionTable<Value> {
    private var dictionary: [ConnectionKey: Value] = [:]
    /// The entries looked up or stored last, each at its key's ``ConnectionKey/cacheIndex``:
    /// keys and values apart, so that comparing a key copies no value.
    private var cachedKeys: ContiguousArray<ConnectionKey?>
    private var cachedValues: ContiguousArray<Value?>

    /// Cache entries: enough for the connections of a busy server's bursts, small enough
    /// (some 64 KiB) to stay in the processor's cache.
    static var cacheSize: Int { 1 << ConnectionKey.cacheIndexBits }

    init() {
        cachedKeys = ContiguousArray(repeating: nil, count: Self.cacheSize)
        cachedValues = ContiguousArray(repeating: nil, count: Self.cacheSize)
    }

    /// The value remembered for `key`, if any.
    mutating func value(for key: ConnectionKey) -> Value? {
        let index = key.cacheIndex
        if cachedKeys[index] == key, let value = cachedValues[index] { return value }
        guard let value = dictionary[key] else { return nil }
        cachedKeys[index] = key
        cachedValues[index] = value
        return value
    }

    /// Remembers `value` for `key`.
    mutating func set(_ value: Value, for key: ConnectionKey) {
        dictionary[key] = value
        let index = key.cacheIndex
        cachedKeys[index] = key
        cachedValues[index] = value
    }

    /// Forgets `key`.
    mutating func remove(_ key: ConnectionKey) {
        dictionary[key] = nil
        let index = key.cacheIndex
        if cachedKeys[index] == key {
            cachedKeys[index] = nil
            cachedValues[index] = nil
        }
    }

    /// Every value remembered, in no order.
    var values: Dictionary<ConnectionKey, Value>.Values { dictionary.values }

    /// Forgets everything.
    mutating func removeAll() {
        dictionary.removeAll()
        for index in cachedKeys.indices {
            cachedKeys[index] = nil
            cachedValues[index] = nil
        }
    }

    /// Makes room for `count` keys.
    mutating func reserveCapacity(_ count: Int) {
        dictionary.reserveCapacity(count)
    }
}
