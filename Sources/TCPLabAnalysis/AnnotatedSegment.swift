import TCPLabPacket

/// One TCP segment with everything the analysis says about it.
public struct AnnotatedSegment: Sendable {
    /// Position of the frame in the file, counting from 1 over all frames (as tshark does).
    public var frame: Int
    /// Connection number, counting from 0 in order of first appearance (tshark's `tcp.stream`).
    public var stream: Int
    /// Capture time.
    public var timestamp: Int64
    /// The decoded header.
    public var segment: TCPSegment
    /// Who sent it.
    public var sender: Side
    /// Sequence number relative to the sender's initial sequence number (the SYN is 0).
    public var relativeSequence: UInt32
    /// Acknowledgment number relative to the receiver's initial sequence number; without
    /// the ACK flag, the field as it is on the wire (as tshark shows it).
    public var relativeAcknowledgment: UInt32
    /// The advertised window in bytes, scaled by the negotiated window scale.
    public var window: UInt32
    /// What the segment does, in teaching words.
    public var labels: SegmentLabels
    /// tshark's sequence-analysis findings.
    public var analysis: AnalysisFlags
    /// The client's state after the segment.
    public var clientState: TCPState
    /// The server's state after the segment.
    public var serverState: TCPState
    /// The client's move on this segment by ``TransitionTable``, if it took a row.
    public var clientTransition: EndpointTransition? = nil
    /// The server's move on this segment, if it took a row.
    public var serverTransition: EndpointTransition? = nil

    /// The client endpoint as text ("127.0.0.1:40000"). Made when asked, not kept: text in
    /// every segment would cost reference counting on each copy of it.
    public var clientText: String { (sender == .client ? segment.source : segment.destination).description }
    /// The server endpoint as text.
    public var serverText: String { (sender == .client ? segment.destination : segment.source).description }
    /// The sender as text.
    public var sourceText: String { segment.source.description }
    /// The receiver as text.
    public var destinationText: String { segment.destination.description }

    /// The sender's state after the segment.
    public var senderState: TCPState { sender == .client ? clientState : serverState }

    /// The annotation as one line: labels and both states, as written to pcapng comments.
    public var comment: String {
        let text = labels.map(\.description).joined(separator: ", ")
        var comment = "stream \(stream): \(text.isEmpty ? "segment" : text); client \(clientState), server \(serverState)"
        if let clientTransition { comment += "; client \(clientTransition)" }
        if let serverTransition { comment += "; server \(serverTransition)" }
        return comment
    }
}

/// What ``TCPAnalyzer`` hands out, in file order.
public enum AnalysisEvent: Sendable {
    /// A frame carrying TCP, annotated. `context` is what the caller passed with the frame.
    case segment(AnnotatedSegment, context: AnalysisEvent.Context?)
    /// A frame that is not analysed, and why.
    case skipped(frame: Int, reason: DecodedPacket.SkipReason, context: AnalysisEvent.Context?)
    /// A connection's summary, once it can no longer change (or at the end of the input).
    case connection(ConnectionSummary)
}

extension AnalysisEvent {
    /// What a caller hands in with a frame to have it back with the frame's event (the
    /// captured packet, to copy it out): an object, so that an event without one costs
    /// nothing to pass and drop, where a value of any type went through its type's
    /// witnesses each time.
    public typealias Context = AnyObject & Sendable
}
