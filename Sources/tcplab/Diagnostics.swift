import TCPLabSystem

/// Progress and problems go to standard error, so standard output stays data.
enum Diagnostics {
    static func error(_ message: String) {
        write("tcplab: \(message)\n")
    }

    /// A progress line: what runs now, how it went.
    static func progress(_ message: String) {
        write("tcplab: \(message)\n")
    }

    static func warning(_ message: String) {
        write("tcplab: warning: \(message)\n")
    }

    /// Writes `text` to standard error as it is (a prompt needs no line end).
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in try? FileDescriptor.standardError.writeAll(UnsafeRawBufferPointer(bytes)) }
    }
}
