#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a system call that reports failure as -1 and `errno`, retrying it while it fails
/// with EINTR, and throws ``SystemCallError`` naming the call otherwise.
///
/// The one wrapper every system call in TCPLab goes through. A signal (Ctrl-C, SIGCHLD)
/// may interrupt a blocking call at any time; retrying makes that invisible.
///
/// - Parameters:
///   - name: The C function's name, for the error (`"accept4"`).
///   - body: The call. It returns a negative value, normally -1, on failure.
/// - Returns: What the call returned.
@discardableResult
@inline(__always)
public func systemCall<Result: BinaryInteger>(_ name: String, _ body: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = body()
        if result >= 0 { return result }
        let error = Errno.current
        if error == .interrupted { continue }
        throw SystemCallError(call: name, errno: error)
    }
}

/// Runs a call that returns its error number instead of setting `errno` (the pthread
/// functions, posix_spawn), retrying EINTR and throwing ``SystemCallError`` otherwise.
public func systemCallReturningErrno(_ name: String, _ body: () -> Int32) throws(SystemCallError) {
    while true {
        let code = body()
        if code == 0 { return }
        if code == EINTR { continue }
        throw SystemCallError(call: name, errno: Errno(rawValue: code))
    }
}
