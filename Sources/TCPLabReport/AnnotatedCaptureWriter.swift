import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket

/// Writes an annotated copy of a capture as pcapng: every frame, each TCP segment with its
/// annotation (labels, then both endpoints' states) as its packet comment, which Wireshark
/// shows and tshark prints as `frame.comment`.
///
/// Frames come as analysis events whose context is the packet (``CapturedPacket/Reference``).
public final class AnnotatedCaptureWriter {
    private let writer: PcapngWriter
    private var interfaces: [InterfaceKey: Int] = [:]

    private struct InterfaceKey: Hashable {
        let index: Int
        let linkType: LinkType
    }

    /// Creates (or replaces) the file at `path`.
    public init(path: String) throws {
        writer = try PcapngWriter(path: path)
    }

    /// Writes the frame behind `event`; connection summaries are not frames and are skipped.
    public func write(_ event: AnalysisEvent) throws {
        switch event {
        case .segment(let segment, let context):
            guard let packet = (context as? CapturedPacket.Reference)?.packet else { return }
            try write(packet, comment: segment.comment)
        case .skipped(_, let reason, let context):
            guard let packet = (context as? CapturedPacket.Reference)?.packet else { return }
            try write(packet, comment: "not analysed: \(reason)")
        case .connection:
            return
        }
    }

    private func write(_ packet: CapturedPacket, comment: String) throws {
        let key = InterfaceKey(index: packet.interfaceIndex, linkType: packet.linkType)
        let interface: Int
        if let known = interfaces[key] {
            interface = known
        } else {
            interface = try writer.addInterface(CaptureInterface(linkType: packet.linkType, snapshotLength: 262_144))
            interfaces[key] = interface
        }
        try writer.write(packet, interface: interface, comment: comment)
    }

    /// Finishes the file.
    public func close() throws { try writer.close() }
}
