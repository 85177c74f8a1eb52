/// Which end of a connection: the client sent the first SYN, the server answered it.
///
/// With no SYN in the capture, the client is the side that sent the first segment seen.
public enum Side: String, Hashable, Sendable, CustomStringConvertible {
    /// The active opener.
    case client
    /// The passive opener.
    case server

    /// The other side.
    public var peer: Side { self == .client ? .server : .client }

    /// "client" or "server".
    public var description: String { rawValue }
}
