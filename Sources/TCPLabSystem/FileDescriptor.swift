#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open file descriptor: a thin, typed view of the kernel's integer handle.
///
/// Stands for the `int fd` of open(2), read(2), write(2) and close(2); each method goes
/// through ``systemCall(_:_:)``. The owner closes it explicitly, as with swift-system's type.
public struct FileDescriptor: Hashable, Sendable {
    /// The kernel's number for the descriptor.
    public let rawValue: Int32

    /// Wraps a descriptor that is already open.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Standard output (descriptor 1).
    public static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error (descriptor 2).
    public static let standardError = FileDescriptor(rawValue: 2)

    /// Opens `path` for reading (open(2) with O_RDONLY | O_CLOEXEC).
    public static func openForReading(_ path: String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("open") { open(path, O_RDONLY | O_CLOEXEC) })
    }

    /// Creates or truncates `path` for writing (open(2) with O_WRONLY | O_CREAT | O_TRUNC, mode 0644).
    public static func openForWriting(_ path: String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("open") {
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        })
    }

    /// Reads up to `buffer.count` bytes into `buffer` (read(2)); 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        try systemCall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Writes all of `bytes` (write(2), repeated after short writes).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try systemCall("write") {
                Glibc.write(rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            }
        }
    }

    /// Whether the descriptor names a directory (fstat(2)).
    public func isDirectory() throws(SystemCallError) -> Bool {
        var info = stat()
        try systemCall("fstat") { fstat(rawValue, &info) }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size in bytes of the regular file the descriptor names, or nil for anything else
    /// (a pipe, a device, /proc's files, which report 0) (fstat(2)'s `st_size`).
    public func regularFileSize() throws(SystemCallError) -> Int? {
        var info = stat()
        try systemCall("fstat") { fstat(rawValue, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        return Int(exactly: info.st_size)
    }

    /// Whether the descriptor is a terminal (isatty(3)).
    public var isTerminal: Bool { isatty(rawValue) == 1 }

    /// Closes the descriptor (close(2)). EINTR is not retried here: Linux has already
    /// released the descriptor when close reports it.
    public func close() throws(SystemCallError) {
        if Glibc.close(rawValue) == -1 {
            let error = Errno.current
            if error != .interrupted { throw SystemCallError(call: "close", errno: error) }
        }
    }
}

extension FileDescriptor {
    /// The whole content of a small file (a lab file, a /proc file): open(2), read(2) to
    /// the end, close(2). A directory fails with EISDIR.
    public static func readAll(_ path: String) throws(SystemCallError) -> [UInt8] {
        let file = try openForReading(path)
        defer { try? file.close() }
        if try file.isDirectory() { throw SystemCallError(call: "read(\(path))", errno: .isDirectory) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try systemCall("read(\(path))") {
                chunk.withUnsafeMutableBytes { raw in Glibc.read(file.rawValue, raw.baseAddress, raw.count) }
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
