/// Collects output in memory and writes it to a file descriptor in large pieces.
///
/// Printing a million JSON lines one write(2) at a time would spend most of its time in the
/// kernel; this keeps one buffer of up to 256 KiB and writes it when full, and on ``flush()``.
/// The buffer grows as output comes, so a writer that writes little costs little.
public final class BufferedWriter {
    /// Where the bytes go.
    public let destination: FileDescriptor
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// A writer to `destination` that flushes every `capacity` bytes.
    public init(_ destination: FileDescriptor, capacity: Int = 256 * 1024) {
        self.destination = destination
        self.capacity = capacity
    }

    /// Appends the UTF-8 bytes of `text`.
    @inline(__always)
    public func write(_ text: String) throws(SystemCallError) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { try flush() }
    }

    /// Appends raw bytes.
    @inline(__always)
    public func write<Bytes: Collection>(bytes: Bytes) throws(SystemCallError) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes `bytes` after what is collected. A large piece (a quarter of the buffer or
    /// more: a renderer's batch of lines) is not copied into the buffer but written from
    /// where it is, after the buffer is flushed; a small one is appended.
    public func write(_ bytes: RawSpan) throws(SystemCallError) {
        guard bytes.byteCount >= capacity / 4 else {
            // As typed bytes: Array copies those with one memcpy, raw ones byte by byte.
            bytes.withUnsafeBytes { buffer.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
            if buffer.count >= capacity { try flush() }
            return
        }
        try flush()
        try bytes.withUnsafeBytes { (raw) throws(SystemCallError) in try destination.writeAll(raw) }
    }

    /// Writes everything collected so far.
    public func flush() throws(SystemCallError) {
        guard !buffer.isEmpty else { return }
        let failure: SystemCallError? = buffer.withUnsafeBytes { bytes in
            do throws(SystemCallError) { try destination.writeAll(bytes) } catch { return error }
            return nil
        }
        // Emptied whether or not the write worked: what failed to go out is not retried.
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }
}
