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

    /// Calls `body` with each frame's number (from 1, as tshark counts), the packet and its
    /// decoding; returns the exit status and how many frames were read.
    func forEach(_ body: (Int, CapturedPacket, DecodedPacket) throws -> Void) rethrows -> (status: Int32, frames: Int) {
        var frame = 0
        while true {
            let packet: CapturedPacket
            do {
                guard let next = try reader.next() else { return (0, frame) }
                packet = next
            } catch {
                Diagnostics.warning("\(file): \(error)")
                return (2, frame)
            }
            frame += 1
            let decoded = packet.decode()
            if case .skipped(.unsupportedLinkType) = decoded {
                Diagnostics.error("\(file): frame \(frame) has link type \(packet.linkType), which tcplab does not decode")
                return (1, frame)
            }
            try body(frame, packet, decoded)
        }
    }
}
