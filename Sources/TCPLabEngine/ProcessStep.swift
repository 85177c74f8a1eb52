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

    /// A verb of the step: the word a lab writes, what it does (the step table's text in
    /// Labs/README.md), and the step it makes for a socket's name.
    struct Verb: Sendable {
        /// As a lab writes it: "hold".
        let word: String
        /// What it does, one line (Markdown).
        let meaning: String
        /// The step for the named socket.
        let make: @Sendable (String) -> ProcessStep

        /// "hold NAME".
        var synopsis: String { "\(word) NAME" }
    }

    /// The verbs, in the order Labs/README.md lists them: the parser, its messages and the
    /// step table's rows all read this one list.
    static let verbs: [Verb] = [
        Verb(word: "hold",
             meaning: "a child process (cat) takes NAME's socket and the lab closes its own descriptor, which sends nothing (see \"A process that dies\"); a later `socket` step for NAME ends the child first",
             make: { .hold(socket: $0) }),
        Verb(word: "kill",
             meaning: "SIGKILL to that child, then waitpid(2): the kernel closes the socket as the process dies, and the report says what that sends",
             make: { .kill(socket: $0) }),
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
        let usage = "a process step is " + Self.verbs.map(\.synopsis).joined(separator: " or ")
        guard words.count == 2 else { throw ProblemText(usage) }
        guard let verb = Self.verbs.first(where: { $0.word == words[0] }) else {
            throw ProblemText("unknown process step '\(words[0])'; " + usage)
        }
        self = verb.make(words[1])
    }

    /// Why a process step's text is not one.
    struct ProblemText: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
