/// Which end of a connection: the client sent the first SYN, the server answered it.
///
/// With no SYN in the capture, the roles are guessed from the ports: the lower port (a
/// well-known port, typically) is the server's; with equal ports, the first sender is the
/// client. ``ConnectionSummary/rolesGuessed`` says when.
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
