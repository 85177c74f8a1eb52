#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error number as the kernel returns it, with its symbolic name.
///
/// Stands for the C `errno` value (see errno(3)). Lab files and messages use the names
/// (`ECONNRESET`), so the type converts both ways.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The number, as in `<errno.h>`.
    public let rawValue: Int32

    /// Wraps an error number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The errno whose symbolic name is `name` (`"EADDRINUSE"`), or nil if Linux has none.
    public init?(name: String) {
        guard let code = Errno.codesByName[name] else { return nil }
        self.rawValue = code
    }

    /// The symbolic name (`"ECONNREFUSED"`); `"errno 200"` for a number Linux does not define.
    public var name: String { Errno.namesByCode[rawValue] ?? "errno \(rawValue)" }

    /// The C library's text for the error (strerror(3)).
    public var message: String { String(cString: strerror(rawValue)) }

    /// The name and the text, as in "ECONNRESET (Connection reset by peer)".
    public var description: String { "\(name) (\(message))" }

    /// The current thread's `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// Every name Linux defines, in the kernel's order (aliases last).
    public static var allNames: [String] { table.map(\.name) }

    private static let codesByName: [String: Int32] = Dictionary(
        table.map { ($0.name, $0.code) }, uniquingKeysWith: { first, _ in first })
    private static let namesByCode: [Int32: String] = Dictionary(
        table.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
}

extension Errno {
    /// Interrupted system call (EINTR): the wrapper retries it.
    public static let interrupted = Errno(rawValue: EINTR)
    /// Resource temporarily unavailable (EAGAIN, EWOULDBLOCK).
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// Operation not permitted (EPERM).
    public static let notPermitted = Errno(rawValue: EPERM)
    /// Permission denied (EACCES).
    public static let accessDenied = Errno(rawValue: EACCES)
    /// No such file or directory (ENOENT).
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// Is a directory (EISDIR).
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// Broken pipe (EPIPE): the reader has gone, or the peer reset the connection.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// Connection reset by peer (ECONNRESET).
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// Operation now in progress (EINPROGRESS): a non-blocking connect has started.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    /// Connection timed out (ETIMEDOUT).
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
}
