/// The TCP options of one segment that matter for the connection's lifecycle.
///
/// Stands for the options of RFC 9293 section 3.2 (MSS), RFC 7323 (window scale and
/// timestamps) and RFC 2018 (SACK). Unknown options are skipped by their length.
public struct TCPOptions: Hashable, Sendable {
    /// Maximum segment size (kind 2), sent on SYNs.
    public var maximumSegmentSize: UInt16?
    /// Window scale shift count (kind 3), sent on SYNs; values over 14 are kept as sent.
    public var windowScale: UInt8?
    /// SACK permitted (kind 4), sent on SYNs.
    public var sackPermitted = false
    /// SACK blocks (kind 5): ranges of sequence numbers the receiver holds beyond the ACK.
    public var sackBlocks: [SACKBlock] = []
    /// Timestamps (kind 8): the sender's clock and the echo of the peer's.
    public var timestamp: Timestamp?
    /// Whether the option list was cut short or had an impossible length.
    public var isMalformed = false

    /// No options.
    public init() {}

    /// One SACK block: the left edge and the right edge (one past the last byte held).
    public struct SACKBlock: Hashable, Sendable {
        /// First sequence number held.
        public var left: UInt32
        /// Sequence number after the last byte held.
        public var right: UInt32
        /// A block from `left` to `right`.
        public init(left: UInt32, right: UInt32) {
            self.left = left
            self.right = right
        }
    }

    /// The timestamps option (RFC 7323 section 3).
    public struct Timestamp: Hashable, Sendable {
        /// TSval: the sender's timestamp clock.
        public var value: UInt32
        /// TSecr: the most recent TSval received from the peer.
        public var echoReply: UInt32
        /// A timestamps option with these values.
        public init(value: UInt32, echoReply: UInt32) {
            self.value = value
            self.echoReply = echoReply
        }
    }
}

extension TCPOptions {
    /// Parses the option bytes that follow the fixed 20-byte header.
    ///
    /// - Parameter isCut: The capture ends inside the option list (snap length): an option
    ///   running past the end is then not kept, but not malformed either.
    init(parsing bytes: ByteReader, isCut: Bool = false) {
        self.init()
        var reader = bytes
        // Each option moves the reader by at least one byte, so the loop ends.
        while let kind = reader.peekInteger(as: UInt8.self) {
            if kind == 0 { break }  // End of option list.
            if kind == 1 { _ = reader.moveReaderIndex(forwardBy: 1); continue }  // No-operation (padding).
            guard let lengthByte = reader.getInteger(at: reader.readerIndex &+ 1, as: UInt8.self) else {
                isMalformed = !isCut
                break
            }
            let length = Int(lengthByte)
            guard length >= 2 else { isMalformed = true; break }
            guard var option = reader.readSlice(length: length) else { isMalformed = !isCut; break }
            _ = option.moveReaderIndex(forwardBy: 2)
            switch (kind, length) {
            case (2, 4):
                maximumSegmentSize = option.readInteger(as: UInt16.self)
            case (3, 3):
                windowScale = option.readInteger(as: UInt8.self)
            case (4, 2):
                sackPermitted = true
            case (5, _) where (length - 2) % 8 == 0:
                while let left = option.readInteger(as: UInt32.self), let right = option.readInteger(as: UInt32.self) {
                    sackBlocks.append(SACKBlock(left: left, right: right))
                }
            case (8, 10):
                if let value = option.readInteger(as: UInt32.self), let echoReply = option.readInteger(as: UInt32.self) {
                    timestamp = Timestamp(value: value, echoReply: echoReply)
                }
            case (2, _), (3, _), (4, _), (5, _), (8, _):
                isMalformed = true
            default:
                break
            }
        }
    }
}
