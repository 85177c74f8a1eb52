import TCPLabAnalysis
import TCPLabIsolation
import TCPLabKernel
import TCPLabPacket
import TCPLabPeer
import TCPLabReport
import TCPLabSocket
import TCPLabSystem

/// A lab: a scenario on real sockets, what it expects of the kernel and the wire, and the
/// lesson. Read from a lab file (see Labs/README.md) by ``LabFile``.
public struct Lab: Sendable {
    /// The name `tcplab run` takes: the file name without ".yaml".
    public var name: String
    /// Where it was read from (a path, or "built-in:NAME.yaml").
    public var source: String
    /// A title.
    public var title: String
    /// One line for `tcplab list`.
    public var summary: String
    /// What it teaches, a paragraph.
    public var teaches: String
    /// Sysctls set in the lab's namespace before the first step.
    public var sysctls: [Setting]
    /// An nftables ruleset loaded into the lab's namespace before the first step.
    public var firewall: String?
    /// Rate limiting on the namespace's lo, set up before the first step.
    public var shaping: Shaping?
    /// The actors and what each stands for.
    public var actors: [Actor]
    /// The steps, in order.
    public var steps: [Step]
    /// What the annotated capture must show.
    public var capture: [CaptureExpectation]
    /// Rows of RFC 9293's state table (``TransitionTable``) the lab means to reach; the
    /// run fails when its capture does not traverse one.
    public var reaches: [Reach] = []
    /// What the kernel must offer (`requires:`); a kernel without it skips the lab.
    public var requires: Requirements? = nil
    /// lo's MTU and segmentation offload during the lab (`setup: loopback:`).
    public var loopback: Loopback? = nil
    /// The lesson, shown with the results; its placeholders (`{gap: first-retry}`) are
    /// filled from the run (``Lab/filledLesson(from:)``).
    public var lesson: String
    /// The lesson's placeholders, read and checked with the file.
    public var lessonPlaceholders: [LessonPlaceholder] = []

    /// A named role that owns sockets: server, client, client2...
    public struct Actor: Sendable {
        /// Its name.
        public var name: String
        /// What it stands for.
        public var description: String
        /// Capabilities its calls are made without (dropped from the effective set for
        /// each call), as for a server that does not run as root.
        public var lacks: [Capability] = []
        /// For a scripted peer (tcplab itself, through a TUN device): its end.
        public var peer: PeerEnd? = nil
    }

    /// A scripted peer's end of its connection (Labs/README.md, "A scripted peer").
    public struct PeerEnd: Sendable {
        /// Its address (192.0.2.1 or 2001:db8::1) and port.
        public var address: Endpoint
        /// The kernel socket it talks to; nil: learnt from the first segment the kernel sends it.
        public var to: Endpoint?
        /// Its initial sequence number; nil: a random one.
        public var initialSequence: UInt32?
    }

    /// Whether any actor is a scripted peer.
    public var hasPeer: Bool { actors.contains { $0.peer != nil } }

    /// A token bucket (tc-tbf(8)) on the namespace's lo: every segment waits its turn, so
    /// segments sent at nearly the same moment cross on the wire.
    public struct Shaping: Sendable {
        /// The rate, as tc writes it ("100kbit").
        public var rate: String
        /// The bucket size in bytes.
        public var burst: Int
        /// The longest a packet may wait in the queue.
        public var latency: Duration
        /// lo's MTU while the lab runs; a segment larger than the bucket could never pass.
        public var mtu: Int
    }

    /// The namespace's lo as a lab wants it (ip-link(8)), set before the first step.
    public struct Loopback: Sendable {
        /// lo's MTU; nil keeps 65536. A socket's default MSS follows from it (MTU − 40).
        public var mtu: Int?
        /// Whether TCP may hand lo one large "super-segment" for many MSS-sized segments
        /// (GSO, generic segmentation offload). lo never splits them, so its capture shows
        /// them whole; off (gso_max_segs 1) makes TCP build each segment itself, as the
        /// wire of a network card would carry them.
        public var segmentationOffload: Bool
    }

    /// A sysctl and its value.
    public struct Setting: Sendable {
        /// Its name, "net.ipv4.tcp_abort_on_overflow".
        public var name: String
        /// The value to write.
        public var value: String
        /// Line in the lab file.
        public var line: Int
    }
}

/// One step of a lab.
public struct Step: Sendable {
    /// Line in the lab file.
    public var line: Int
    /// What the step does.
    public var action: Action
    /// How long it may wait (a connect, accept, recv, or a wait step).
    public var within: Duration
    /// Text to show with the step.
    public var note: String?
    /// How long the call must take, in seconds, when the time is the lesson (Nagle's delay).
    public var took: Comparison?
    /// The round, for a step repeated by `repeat`.
    public var round: Round?
    /// A question the reader answers before the step runs (`tcplab run --predict`).
    public var predict: Prediction?
    /// The name the lesson's placeholders use for it (`id: nagle-send`, `{took: nagle-send}`).
    public var id: String?
    /// The row of ``StepKind/all`` that read a step of its own keyword (`wait`, `process`,
    /// ...), whose run function performs it; nil for a socket call and a peer's segment.
    var kind: StepKind?

    /// A question about a step's outcome, asked before it runs, with the answer the lab
    /// expects and why; the run then shows whether the kernel agreed.
    public struct Prediction: Sendable {
        /// "What does connect() return?"
        public var question: String
        /// The choices offered, in order.
        public var choices: [String]
        /// Index in `choices` of the answer the lab's expectation stands for.
        public var answer: Int
        /// Why that is the answer, told after the step.
        public var why: String?
    }

    /// Which round of a repeated step this is.
    public struct Round: Sendable, CustomStringConvertible {
        /// From 1.
        public var number: Int
        /// How many rounds there are.
        public var count: Int

        /// "round 2 of 3".
        public var description: String { "round \(number) of \(count)" }
    }

    /// What a step does.
    public enum Action: Sendable {
        /// A socket call made by a socket (an actor's own, or one it accepted), with the
        /// outcome it expects (nil: it must succeed).
        case call(socket: String, Call, expect: Outcome?, as: String?)
        /// Wait until a condition holds, or fail at the deadline.
        case wait(WaitCondition)
        /// Check a fact now.
        case check(Check)
        /// Set sysctls in the lab's namespace.
        case sysctl([Lab.Setting])
        /// Run nftables commands (nft -f, one per line) in the lab's namespace.
        case firewall(String)
        /// A scripted peer sends a segment or expects one.
        case peer(String, PeerStep)
        /// A child process takes a socket, or is killed (``ProcessStep``).
        case process(ProcessStep)
    }
}

/// A socket call, as a lab writes it ("connect 127.0.0.1:8080 nonblocking").
public enum Call: Sendable, CustomStringConvertible {
    /// socket(2): a new TCP socket.
    case socket(Socket.Family)
    /// setsockopt(2).
    case setsockopt(SocketOption, [Int32])
    /// bind(2).
    case bind(Endpoint)
    /// listen(2).
    case listen(backlog: Int32)
    /// connect(2); blocking waits for the handshake, non-blocking returns EINPROGRESS.
    case connect(Endpoint, blocking: Bool)
    /// connect(2) with AF_UNSPEC: dissolves the socket's connection (an abort, on TCP).
    case disconnect
    /// accept(2), waiting for a connection.
    case accept
    /// send(2) of the given bytes; blocking waits for buffer room, non-blocking takes what
    /// fits. With `signal`, without MSG_NOSIGNAL: a SIGPIPE the kernel raises is caught and
    /// reported.
    case send(Payload, blocking: Bool, signal: Bool = false)
    /// recv(2).
    case recv(Amount)
    /// shutdown(2).
    case shutdown(Socket.Shutdown)
    /// close(2).
    case close
    /// poll(2) with no wait: which events hold now (POLLIN, POLLOUT, POLLRDHUP asked for;
    /// POLLERR and POLLHUP always reported).
    case poll
    /// getsockopt(SO_ERROR): the error pending on the socket, e.g. after a refused
    /// non-blocking connect.
    case pendingError

    /// What to send.
    public enum Payload: Sendable {
        /// Text, as written.
        case text(String)
        /// A number of bytes of a repeating pattern.
        case bytes(Int)
        /// A message with a length prefix: 4 bytes of length, big-endian, then the text.
        case framed(String)

        var data: [UInt8] {
            switch self {
            case .text(let text): return Array(text.utf8)
            case .bytes(let count):
                // "abc...z" repeated, built by doubling: megabytes in a few copies.
                var bytes = Array("abcdefghijklmnopqrstuvwxyz".utf8)
                while bytes.count < count { bytes += bytes }
                bytes.removeLast(bytes.count - count)
                return bytes
            case .framed(let text):
                let body = Array(text.utf8)
                let length = UInt32(body.count)
                return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) } + body
            }
        }
    }

    /// How much to receive.
    public enum Amount: Sendable {
        /// One recv call: whatever is there (up to 64 KiB), waiting until something is.
        case once
        /// Exactly this many bytes, over as many calls as it takes, or fewer at end of stream.
        case exactly(Int)
        /// Everything until the peer's FIN (recv returns 0).
        case untilEnd
        /// One recv call that does not wait: EAGAIN when nothing is there.
        case nonblocking
        /// One length-prefixed message: 4 bytes of length, then that many bytes.
        case framed
    }

    /// The call as a lab file writes it.
    public var description: String {
        switch self {
        case .socket(let family): return "socket \(family)"
        case .setsockopt(let option, let values): return "setsockopt \(option.rawValue) " + values.map(String.init).joined(separator: " ")
        case .bind(let endpoint): return "bind \(endpoint)"
        case .listen(let backlog): return "listen \(backlog)"
        case .connect(let endpoint, let blocking): return "connect \(endpoint)" + (blocking ? "" : " nonblocking")
        case .disconnect: return "connect AF_UNSPEC"
        case .accept: return "accept"
        case .send(let payload, let blocking, let signal):
            var text: String
            switch payload {
            case .text(let body): text = "send \"\(body.escapedForDisplay)\""
            case .bytes(let count): text = "send \(count) bytes"
            case .framed(let body): text = "send framed \"\(body.escapedForDisplay)\""
            }
            if !blocking { text += " nonblocking" }
            if signal { text += " without MSG_NOSIGNAL" }
            return text
        case .recv(.once): return "recv"
        case .recv(.exactly(let count)): return "recv \(count) bytes"
        case .recv(.untilEnd): return "recv all"
        case .recv(.nonblocking): return "recv nonblocking"
        case .recv(.framed): return "recv framed"
        case .shutdown(let how): return "shutdown \(how.rawValue)"
        case .close: return "close"
        case .poll: return "poll"
        case .pendingError: return "getsockopt SO_ERROR"
        }
    }
}

/// What a call is expected to return.
public enum Outcome: Sendable, CustomStringConvertible {
    /// It succeeds.
    case success
    /// It fails with this errno.
    case failure(Errno)
    /// It fails with this errno and the kernel raises this signal ("SIGPIPE").
    case failureRaising(Errno, String)
    /// It returns exactly this text (recv).
    case text(String)
    /// It returns or moves this many bytes (send, recv; 0 is end of stream for recv).
    case count(Comparison)
    /// It is still waiting when the step's time (`within`) runs out: a blocking call blocks.
    case blocks
    /// poll reports exactly these events (names like POLLIN; empty for none).
    case events([String])
    /// recv returns every byte the named socket's sends took, in order: nothing lost,
    /// nothing twice.
    case everythingSent(by: String)

    /// As a lab file writes it.
    public var description: String {
        switch self {
        case .success: return "ok"
        case .failure(let errno): return errno.name
        case .failureRaising(let errno, let signal): return "\(errno.name) and \(signal)"
        case .text(let text): return "\"\(text.escapedForDisplay)\""
        case .count(let comparison): return "\(comparison) bytes"
        case .blocks: return "blocks"
        case .events(let names): return names.isEmpty ? "none" : names.joined(separator: " ")
        case .everythingSent(let socket): return "everything \(socket) sent"
        }
    }
}

/// A condition a wait step waits for.
public enum WaitCondition: Sendable, CustomStringConvertible {
    /// The kernel reports the socket with these facts (sock_diag): a state, a queue, a timer.
    case socket(String, SocketFacts)
    /// The capture has seen a matching segment.
    case segment(SegmentPattern, Comparison)
    /// A kernel counter has grown by this much since the lab began.
    case counter(String, Comparison)

    /// In words.
    public var description: String {
        switch self {
        case .socket(let name, let facts): return facts.sentence(about: name)
        case .segment(let pattern, let count): return "the capture shows \(count) × \(pattern)"
        case .counter(let name, let change): return "\(name) has grown by \(change)"
        }
    }
}

/// A fact a check step asserts.
public enum Check: Sendable, CustomStringConvertible {
    /// A socket as the kernel reports it.
    case socket(String, SocketFacts)
    /// How many sockets the kernel reports in a state.
    case statesCount(TCPState, Comparison)
    /// A kernel counter's growth since the lab began.
    case counter(String, Comparison)
    /// A network sysctl's value in the lab's namespace (/proc/sys/net/...), as read there.
    case sysctl(String, String)

    /// In words.
    public var description: String {
        switch self {
        case .socket(let name, let facts): return facts.sentence(about: name)
        case .statesCount(let state, let count): return "kernel: sockets in \(state): \(count)"
        case .counter(let name, let change): return "counter \(name) grew by \(change)"
        case .sysctl(let name, let value): return "sysctl \(name) is \(value)"
        }
    }
}

/// What the kernel must report about one socket; nil fields are not checked.
public struct SocketFacts: Sendable, CustomStringConvertible {
    /// Its state; CLOSED means the kernel no longer lists it.
    public var state: TCPState?
    /// ss's Recv-Q.
    public var receiveQueue: Comparison?
    /// ss's Send-Q.
    public var sendQueue: Comparison?
    /// The running timer.
    public var timer: String?
    /// Seconds until the timer fires.
    public var expiresSeconds: Comparison?
    /// Exactly the options the connection uses (tcp_info's `tcpi_options`: in use only when
    /// both SYN and SYN-ACK carried them).
    public var negotiated: TCPInfo.Options?
    /// The peer's window scale shift (`tcpi_snd_wscale`).
    public var sendWindowScale: Comparison?
    /// This end's own window scale shift (`tcpi_rcv_wscale`).
    public var receiveWindowScale: Comparison?
    /// The most payload per segment this end sends (`tcpi_snd_mss`, ss's `mss:`).
    public var sendMSS: Comparison?

    /// Whether any fact comes from tcp_info (the handshake's outcome), not the socket list.
    var asksInfo: Bool { negotiated != nil || sendWindowScale != nil || receiveWindowScale != nil || sendMSS != nil }

    /// In words.
    public var description: String {
        var parts: [String] = []
        if let state { parts.append(state.rawValue) }
        if let receiveQueue { parts.append("Recv-Q \(receiveQueue)") }
        if let sendQueue { parts.append("Send-Q \(sendQueue)") }
        if let timer { parts.append("timer \(timer)") }
        if let expiresSeconds { parts.append("expires in \(expiresSeconds) s") }
        if let negotiated { parts.append("options in use: " + (negotiated.names.isEmpty ? "none" : negotiated.names.joined(separator: ", "))) }
        if let sendWindowScale { parts.append("snd-wscale \(sendWindowScale)") }
        if let receiveWindowScale { parts.append("rcv-wscale \(receiveWindowScale)") }
        if let sendMSS { parts.append("mss \(sendMSS)") }
        return parts.joined(separator: ", ")
    }

    /// "client is TIME-WAIT, expires in ≤ 58.9 s", or "conn has Recv-Q 14" without a state.
    func sentence(about socket: String) -> String {
        "\(socket) \(state == nil ? "has" : "is") \(self)"
    }
}

/// A segment description matched against the annotated capture.
public struct SegmentPattern: Sendable, CustomStringConvertible {
    /// The sending actor.
    public var from: String?
    /// The receiving actor.
    public var to: String?
    /// Flag letters that must all be set ("S", "FA").
    public var flags: TCPFlags?
    /// Flag letters that must all be clear.
    public var withoutFlags: TCPFlags?
    /// A label the segment must carry ("SYN retransmission").
    public var label: SegmentLabel?
    /// The window in bytes, scaled as the analysis shows it.
    public var window: Comparison?
    /// Payload bytes.
    public var length: Comparison?
    /// Sequence number relative to the sender's initial one.
    public var sequence: Comparison?
    /// Acknowledgment number relative to the receiver's initial one.
    public var acknowledgment: Comparison?
    /// Options that must be present.
    public var options: [SegmentOption] = []
    /// Options that must be absent (`without-options: [timestamps]`).
    public var withoutOptions: [SegmentOption] = []
    /// The MSS option's value (`mss: 1000`); a segment without the option does not match.
    public var maximumSegmentSize: Comparison?
    /// The window scale option's shift count (`wscale: 10`); a segment without it does not match.
    public var windowScale: Comparison?
    /// Bytes the payload starts with (`payload: "GET "`, as UTF-8), as the capture holds them.
    public var payload: [UInt8]?

    /// In words: "client → server F [FIN (half-close)]".
    public var description: String {
        var text = "\(from ?? "any") → \(to ?? "any")"
        if let flags { text += " \(flags.letters)" }
        if let withoutFlags { text += " without \(withoutFlags.letters)" }
        text += fieldsDescription
        if let label { text += " [\(label.description)]" }
        return text
    }
}

/// What the capture as a whole must show.
public struct CaptureExpectation: Sendable, CustomStringConvertible {
    /// Line in the lab file.
    public var line: Int
    /// The kind of expectation.
    public var kind: Kind
    /// The name the lesson's placeholders use for it (`id: first-retry`, `{gap: first-retry}`).
    public var id: String? = nil

    /// A count, or an order.
    public enum Kind: Sendable {
        /// So many segments match.
        case count(SegmentPattern, Comparison)
        /// Matching segments appear in this order (others may come between).
        case order([SegmentPattern])
        /// Seconds from the first segment matching the first pattern to the next one
        /// matching the second.
        case gap(from: SegmentPattern, to: SegmentPattern, seconds: Comparison)
        /// Consecutive matching segments: each gap divided by the one before (a backoff).
        case gaps(SegmentPattern, ratio: Comparison)
    }

    /// In words.
    public var description: String {
        switch kind {
        case .count(let pattern, let count): return "capture: \(count) × \(pattern)"
        case .order(let patterns): return "capture, in order: " + patterns.map(\.description).joined(separator: ", then ")
        case .gap(let from, let to, let seconds): return "capture: \(seconds) s from \(from) to \(to)"
        case .gaps(let pattern, let ratio): return "capture: each gap between \(pattern) is \(ratio) × the one before"
        }
    }
}

/// A number, or a bound on one: "3", ">= 1", "< 2", "1..3".
public struct Comparison: Sendable, CustomStringConvertible {
    /// The lowest allowed value.
    public var minimum: Double
    /// The highest allowed value.
    public var maximum: Double

    /// Exactly `value`.
    public static func exactly(_ value: Double) -> Comparison { Comparison(minimum: value, maximum: value) }

    /// Whether `value` is allowed.
    public func allows(_ value: Double) -> Bool { value >= minimum && value <= maximum }

    /// As written.
    public var description: String {
        func text(_ value: Double) -> String {
            // Whole numbers without ".0"; Int64(exactly:) is nil for nan, inf and beyond Int64.
            Int64(exactly: value).map(String.init) ?? String(value)
        }
        if minimum == maximum { return text(minimum) }
        if maximum == .infinity { return "≥ \(text(minimum))" }
        if minimum == -.infinity { return "≤ \(text(maximum))" }
        return "\(text(minimum))–\(text(maximum))"
    }
}

extension String {
    /// The text with control characters written as escapes, for one-line display.
    var escapedForDisplay: String {
        var text = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
