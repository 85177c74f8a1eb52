import TCPLabPacket

/// A connection's 4-tuple, the same whichever way a segment travels.
struct ConnectionKey: Hashable {
    let low: Endpoint
    let high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if a < b { low = a; high = b } else { low = b; high = a }
    }
}
