/// A system call that failed, with the call's name and the errno it set.
///
/// Every system call in TCPLab goes through ``systemCall(_:_:)``, which throws this type,
/// so a message always says which call failed and why: `bind: EADDRINUSE (Address already in use)`.
public struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C function that failed (`"connect"`).
    public let call: String
    /// What it set `errno` to.
    public let errno: Errno

    /// Records that `call` failed with `errno`.
    public init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }

    /// "connect: ECONNREFUSED (Connection refused)".
    public var description: String { "\(call): \(errno)" }
}
