import TCPLabPacket

/// The sets of flags the analysis tests on every segment, made once.
///
/// A literal set such as `[.syn, .ack]` in a large function was built as an array on each
/// use (three allocations per segment in the annotation): named here, each is a constant.
extension TCPFlags {
    /// SYN and ACK: which of the two a segment carries tells the handshake's steps apart.
    static let synAndACK: TCPFlags = [.syn, .ack]
    /// SYN and FIN, the flags that take a sequence number of their own (RFC 9293 section 3.4).
    static let synOrFIN: TCPFlags = [.syn, .fin]
    /// FIN and RST: either beside a SYN makes a segment no endpoint sends.
    static let finOrRST: TCPFlags = [.fin, .rst]
    /// SYN, FIN and RST: a segment with none of them is data or an acknowledgment only.
    static let synFINOrRST: TCPFlags = [.syn, .fin, .rst]
    /// SYN, ACK, FIN and RST: a segment whose only one of these is ACK is a plain acknowledgment.
    static let lifecycle: TCPFlags = [.syn, .ack, .fin, .rst]
}
