import TCPLabSystem

/// Why a capture file cannot be read, or where it stops making sense.
///
/// Each case renders as one line a person can act on; the caller prefixes the file name.
public enum CaptureFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// open(2) or read(2) failed.
    case system(SystemCallError)
    /// The path names a directory.
    case isDirectory
    /// The file has no bytes at all.
    case empty
    /// The first four bytes are no pcap or pcapng magic number.
    case notACaptureFile(firstBytes: [UInt8])
    /// A pcap or pcapng version this reader does not know.
    case unsupportedVersion(major: Int, minor: Int)
    /// The file ends in the middle of a record or block.
    case truncated(afterFrames: Int, offset: Int)
    /// A record or block length that cannot be right.
    case badLength(afterFrames: Int, offset: Int, detail: String)
    /// A pcapng packet names an interface that no Interface Description Block described.
    case unknownInterface(index: Int, afterFrames: Int, offset: Int)
    /// A packet whose time, with its interface's resolution and offset, lies outside the years
    /// 1677 to 2262 (nanoseconds since 1970 in 64 bits).
    case timestampOutOfRange(afterFrames: Int, offset: Int)
    /// A packet block before any Section Header Block, or a pcapng structure error.
    case malformed(afterFrames: Int, offset: Int, detail: String)

    /// How many frames were read before the problem; more than 0 means the file is damaged, not unusable.
    public var framesRead: Int {
        switch self {
        case .truncated(let n, _), .badLength(let n, _, _), .unknownInterface(_, let n, _), .malformed(let n, _, _),
            .timestampOutOfRange(let n, _):
            return n
        default:
            return 0
        }
    }

    /// One line saying what is wrong.
    public var description: String {
        switch self {
        case .system(let error):
            switch error.errno {
            case .noSuchFile: return "no such file"
            case .isDirectory: return "is a directory, not a capture file"
            case .accessDenied: return "permission denied"
            default: return "cannot read it (\(error))"
            }
        case .isDirectory:
            return "is a directory, not a capture file"
        case .empty:
            return "is empty, not a capture file"
        case .notACaptureFile(let bytes):
            let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "is not a pcap or pcapng capture file (it starts with \(hex))"
        case .unsupportedVersion(let major, let minor):
            return "uses capture file format version \(major).\(minor), which tcplab does not read"
        case .truncated(let frames, let offset):
            return "is cut short in the middle of a record at byte \(offset), after \(frames) frame\(frames == 1 ? "" : "s")"
        case .badLength(let frames, let offset, let detail):
            return "has a corrupt length at byte \(offset) (\(detail)), after \(frames) frame\(frames == 1 ? "" : "s")"
        case .unknownInterface(let index, let frames, let offset):
            return "has a packet at byte \(offset) for interface \(index), which the file never describes, after \(frames) frame\(frames == 1 ? "" : "s")"
        case .timestampOutOfRange(let frames, let offset):
            return "has a packet at byte \(offset) whose time is out of range (before 1677 or after 2262), after \(frames) frame\(frames == 1 ? "" : "s")"
        case .malformed(let frames, let offset, let detail):
            return "is malformed at byte \(offset) (\(detail)), after \(frames) frame\(frames == 1 ? "" : "s")"
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
