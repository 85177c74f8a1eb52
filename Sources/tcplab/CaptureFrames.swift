import TCPLabCapture
import TCPLabPacket

/// The first stage every command over a capture file shares: its frames in file order,
/// each decoded, until the end of the file or the damage that stops it.
///
/// Damage part way keeps every frame before it: a warning names the file and the problem,
/// and the status is 2. A frame of a link type tcplab does not decode stops the read with
/// an error, status 1.
struct CaptureFrames {
    let reader: CaptureFileReader
    let file: String
    /// How many frames have been read.
    private(set) var frames = 0
    /// The exit status the read has earned so far: 0, or 2 after damage, 1 after a frame
    /// of a link type tcplab does not decode.
    private(set) var status: Int32 = 0
    /// The file's fragmented IP datagrams, put back together as tshark does.
    private let fragments = FragmentReassembler()

    init(reader: CaptureFileReader, file: String) {
        self.reader = reader
        self.file = file
    }

    /// Reads and decodes the next frame and calls `body` with its number (from 1, as
    /// tshark counts), the packet and its decoding; false at the end of the file or at what
    /// stops the read (``status`` says which).
    @inline(__always)
    mutating func step(_ body: (Int, CapturedPacket, DecodedPacket) throws -> Void) rethrows -> Bool {
        guard status == 0 else { return false }
        let packet: CapturedPacket
        do {
            guard let next = try reader.next() else { return false }
            packet = next
        } catch {
            Diagnostics.warning("\(file): \(error)")
            status = 2
            return false
        }
        frames += 1
        let decoded = packet.decode(reassembling: fragments)
        if case .skipped(.unsupportedLinkType) = decoded {
            Diagnostics.error("\(file): frame \(frames) has link type \(packet.linkType), which tcplab does not decode")
            status = 1
            return false
        }
        try body(frames, packet, decoded)
        return true
    }

    /// Calls `body` with each frame left (see ``step(_:)``).
    mutating func forEach(_ body: (Int, CapturedPacket, DecodedPacket) throws -> Void) rethrows {
        while try step(body) {}
    }
}
