/// A step about the process that holds a socket (`process: hold client`, `process: kill
/// client`): the socket is handed to a real child process, which is then killed, so the
/// kernel closes the socket as it does for any process that dies.
///
/// What a dying process's sockets send is the lesson of killed-peer: FIN, or RST when data
/// was left unread (RFC 2525, section 2.17), and never an error of its own on the peer.
public enum ProcessStep: Sendable, CustomStringConvertible {
    /// A child process (``TCPLabSystem/HoldingProcess``) takes the socket, and the lab
    /// closes its own descriptor: from now on the child is the socket's only holder.
    case hold(socket: String)
    /// SIGKILL to the child holding the socket, then waitpid(2): when the step ends, the
    /// child is gone and the kernel has closed its descriptors.
    case kill(socket: String)

    /// The verbs, with what each does, for the parser's messages.
    static let verbs: [(word: String, usage: String)] = [
        ("hold", "hold NAME (a child process takes NAME's socket; the lab closes its copy)"),
        ("kill", "kill NAME (SIGKILL to the process holding NAME's socket)"),
    ]

    /// The socket the step is about.
    public var socket: String {
        switch self {
        case .hold(let socket), .kill(let socket): return socket
        }
    }

    /// As a lab file writes it: "hold client".
    public var description: String {
        switch self {
        case .hold(let socket): return "hold \(socket)"
        case .kill(let socket): return "kill \(socket)"
        }
    }

    /// Parses "hold NAME" or "kill NAME"; the error says what is wrong. Whether NAME is a
    /// socket is the lab file's to check.
    init(parsing text: String) throws(ProblemText) {
        let words = text.split(separator: " ").map(String.init)
        let usage = "a process step is " + Self.verbs.map(\.usage).joined(separator: " or ")
        guard words.count == 2 else { throw ProblemText(usage) }
        switch words[0] {
        case "hold": self = .hold(socket: words[1])
        case "kill": self = .kill(socket: words[1])
        default: throw ProblemText("unknown process step '\(words[0])'; " + usage)
        }
    }

    /// Why a process step's text is not one.
    struct ProblemText: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
