import TCPLabPacket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A kernel TCP socket, always non-blocking underneath, so that every wait has a deadline.
///
/// Stands for a descriptor from socket(2) with SOCK_STREAM. Each method is one system
/// call through ``systemCall(_:_:)``, so a failure is a ``SystemCallError`` carrying the
/// call's name and the errno's; waiting (what a blocking call would do) is ``wait(for:until:interrupt:)``,
/// which is poll(2). The descriptor is closed by ``close()`` or, at the latest, on deinit.
public final class Socket {
    /// The address family: AF_INET or AF_INET6.
    public enum Family: String, Sendable, Codable {
        /// IPv4 (AF_INET).
        case ipv4
        /// IPv6 (AF_INET6).
        case ipv6
    }

    /// What shutdown(2) closes.
    public enum Shutdown: String, Sendable, Codable, CaseIterable {
        /// SHUT_RD: no more receiving.
        case read = "RD"
        /// SHUT_WR: no more sending; the peer gets FIN.
        case write = "WR"
        /// SHUT_RDWR: both.
        case both = "RDWR"
    }

    /// poll(2) events.
    public struct Events: OptionSet, Sendable {
        /// The raw `events` bits.
        public let rawValue: Int16
        /// Makes events from raw bits.
        public init(rawValue: Int16) { self.rawValue = rawValue }
        /// POLLIN: data, a FIN, or a connection to accept.
        public static let readable = Events(rawValue: Int16(POLLIN))
        /// POLLOUT: room in the send buffer; a connect has finished.
        public static let writable = Events(rawValue: Int16(POLLOUT))
        /// POLLERR: an error is pending (SO_ERROR).
        public static let error = Events(rawValue: Int16(POLLERR))
        /// POLLHUP: both directions are shut.
        public static let hangUp = Events(rawValue: Int16(POLLHUP))
        /// POLLRDHUP: the peer shut down its sending side.
        public static let peerHalfClosed = Events(rawValue: Int16(0x2000))
    }

    /// Thrown by ``wait(for:until:interrupt:)`` when the interrupt descriptor became readable.
    public struct Interrupted: Error {}

    /// The family.
    public let family: Family
    /// The descriptor, or -1 once closed.
    public private(set) var descriptor: Int32

    /// Creates a socket (socket(2) with SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC).
    public init(family: Family) throws(SystemCallError) {
        self.family = family
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        descriptor = try systemCall("socket") { socket(family == .ipv4 ? AF_INET : AF_INET6, type, 0) }
    }

    private init(family: Family, descriptor: Int32) {
        self.family = family
        self.descriptor = descriptor
    }

    deinit {
        let descriptor = descriptor
        if descriptor >= 0 { SpawnFence.closing { _ = Glibc.close(descriptor) } }
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { descriptor < 0 }

    /// Sets an option (setsockopt(2)); SO_LINGER takes (on, seconds), the others one value.
    public func setOption(_ option: SocketOption, _ values: [Int32]) throws(SystemCallError) {
        let call = "setsockopt(\(option.rawValue))"
        if option == .linger {
            var value = linger(l_onoff: values.first ?? 0, l_linger: values.dropFirst().first ?? 0)
            try systemCall(call) { setsockopt(descriptor, option.level, option.name, &value, socklen_t(MemoryLayout<linger>.size)) }
        } else {
            var value = values.first ?? 0
            try systemCall(call) { setsockopt(descriptor, option.level, option.name, &value, socklen_t(MemoryLayout<Int32>.size)) }
        }
    }

    /// Reads an integer option back (getsockopt(2)).
    public func option(_ option: SocketOption) throws(SystemCallError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try systemCall("getsockopt(\(option.rawValue))") { getsockopt(descriptor, option.level, option.name, &value, &length) }
        return value
    }

    /// Binds to a local address and port (bind(2)).
    public func bind(_ endpoint: Endpoint) throws(SystemCallError) {
        try endpoint.withSocketAddress { address, length throws(SystemCallError) in
            try systemCall("bind") { Glibc.bind(descriptor, address, length) }
        }
    }

    /// Starts listening with `backlog` (listen(2)).
    public func listen(backlog: Int32) throws(SystemCallError) {
        try systemCall("listen") { Glibc.listen(descriptor, backlog) }
    }

    /// Starts connecting (connect(2)). Returns true if already connected; false when the
    /// handshake goes on (EINPROGRESS): wait until writable, then call ``finishConnect(to:)``
    /// (or read ``pendingError()``, as an event loop does).
    public func startConnect(to endpoint: Endpoint) throws(SystemCallError) -> Bool {
        do throws(SystemCallError) {
            try endpoint.withSocketAddress { address, length throws(SystemCallError) in
                try systemCall("connect") { Glibc.connect(descriptor, address, length) }
            }
            return true
        } catch where error.errno == .inProgress {
            return false
        }
    }

    /// Completes a connect that ``startConnect(to:)`` began, once the socket is writable:
    /// connect(2) once more, as the kernel's own blocking connect does at the end of its wait.
    ///
    /// If the handshake succeeded the socket is fully connected, so a later connect fails
    /// EISCONN. If it failed, this throws the handshake's error (ECONNREFUSED, ETIMEDOUT)
    /// and the kernel returns the socket to unconnected, so it may connect again; reading
    /// SO_ERROR instead would leave it "connecting", and its next connect would fail
    /// ECONNABORTED. Returns false while the handshake still goes on (EALREADY): poll may
    /// call the socket ready after a soft error (an ICMP error that came while the socket
    /// was busy, RFC 1122 section 4.2.3.9), which the kernel's blocking connect sleeps through.
    public func finishConnect(to endpoint: Endpoint) throws(SystemCallError) -> Bool {
        do {
            try endpoint.withSocketAddress { address, length throws(SystemCallError) in
                try systemCall("connect") { Glibc.connect(descriptor, address, length) }
            }
            return true
        } catch where error.errno == Errno(rawValue: EISCONN) {
            return true
        } catch where error.errno == Errno(rawValue: EALREADY) {
            return false
        }
    }

    /// Dissolves the socket's association: connect(2) with an address of family AF_UNSPEC
    /// (connect(2), "connectionless sockets may dissolve the association"). On TCP, Linux
    /// aborts the connection (tcp_disconnect: RST from a synchronized state) and leaves the
    /// socket unconnected, so it may connect again.
    public func disconnect() throws(SystemCallError) {
        var address = sockaddr()
        address.sa_family = sa_family_t(AF_UNSPEC)
        try systemCall("connect(AF_UNSPEC)") { Glibc.connect(descriptor, &address, socklen_t(MemoryLayout<sockaddr>.size)) }
    }

    /// Takes and clears the pending error (getsockopt SO_ERROR); nil if none.
    public func pendingError() throws(SystemCallError) -> Errno? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try systemCall("getsockopt(SO_ERROR)") { getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value == 0 ? nil : Errno(rawValue: value)
    }

    /// Takes a connection from the accept queue (accept(2)); EAGAIN when it is empty.
    /// The new socket is made non-blocking too.
    public func accept() throws(SystemCallError) -> Socket {
        // Close-on-exec before any child can be spawned: one spawned between accept(2)
        // and fcntl(2) would keep the connection open for its whole life (accept4 is not
        // in Swift's Glibc module).
        let listener = descriptor
        return try SpawnFence.makingDescriptor { () throws(SystemCallError) -> Socket in
            let accepted = try systemCall("accept") { Glibc.accept(listener, nil, nil) }
            let socket = Socket(family: family, descriptor: accepted)
            let flags = try systemCall("fcntl(F_GETFL)") { fcntl(accepted, F_GETFL) }
            try systemCall("fcntl(F_SETFL)") { fcntl(accepted, F_SETFL, flags | O_NONBLOCK) }
            _ = try systemCall("fcntl(F_SETFD)") { fcntl(accepted, F_SETFD, FD_CLOEXEC) }
            return socket
        }
    }

    /// Sends what the send buffer takes (send(2) with MSG_NOSIGNAL, so a reset peer gives
    /// EPIPE, not SIGPIPE). Returns the bytes taken; EAGAIN when none fit.
    ///
    /// With `raisingSIGPIPE`, MSG_NOSIGNAL is left out, as in a program that never heard of
    /// it: the kernel then also sends the calling thread SIGPIPE on a broken connection,
    /// so block and collect it (``PendingSignal``) or the process ends.
    public func send(_ bytes: ArraySlice<UInt8>, raisingSIGPIPE: Bool = false) throws(SystemCallError) -> Int {
        let flags = raisingSIGPIPE ? Int32(0) : Int32(MSG_NOSIGNAL)
        return try systemCall("send") {
            bytes.withUnsafeBytes { raw in Glibc.send(descriptor, raw.baseAddress, raw.count, flags) }
        }
    }

    /// Receives up to `maximum` bytes (recv(2)); empty at end of stream, EAGAIN when nothing waits.
    public func receive(maximum: Int) throws(SystemCallError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = try systemCall("recv") {
            buffer.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress, raw.count, 0) }
        }
        buffer.removeLast(maximum - count)
        return buffer
    }

    /// Shuts down one or both directions (shutdown(2)).
    public func shutdown(_ how: Shutdown) throws(SystemCallError) {
        let value: Int32
        switch how {
        case .read: value = Int32(SHUT_RD)
        case .write: value = Int32(SHUT_WR)
        case .both: value = Int32(SHUT_RDWR)
        }
        try systemCall("shutdown") { Glibc.shutdown(descriptor, value) }
    }

    /// Closes the descriptor (close(2)); what the kernel sends then (FIN, RST) depends on
    /// the options and on unread data. Closing twice does nothing.
    public func close() throws(SystemCallError) {
        guard descriptor >= 0 else { return }
        let closing = descriptor
        descriptor = -1
        // close(2) is not retried on EINTR: Linux has released the descriptor already. It
        // must be the last reference, not one a child being spawned still holds.
        let failure: Errno? = SpawnFence.closing {
            Glibc.close(closing) != 0 && errno != EINTR ? Errno.current : nil
        }
        if let failure { throw SystemCallError(call: "close", errno: failure) }
    }

    /// The socket's inode number (fstat(2)'s st_ino), which sock_diag and `ss -e` report:
    /// it tells apart sockets that share an address, like a SO_REUSEPORT group.
    public func inode() throws(SystemCallError) -> UInt64 {
        var status = stat()
        try systemCall("fstat") { fstat(descriptor, &status) }
        return UInt64(status.st_ino)
    }

    /// The local address (getsockname(2)).
    public func localEndpoint() throws(SystemCallError) -> Endpoint? {
        try endpoint(call: "getsockname") { getsockname($0, $1, $2) }
    }

    /// The peer's address (getpeername(2)); ENOTCONN when not connected.
    public func remoteEndpoint() throws(SystemCallError) -> Endpoint? {
        try endpoint(call: "getpeername") { getpeername($0, $1, $2) }
    }

    private func endpoint(
        call: String, _ body: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws(SystemCallError) -> Endpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try systemCall(call) {
            withUnsafeMutableBytes(of: &storage) { raw in
                body(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
            }
        }
        return Endpoint(socketAddress: storage)
    }

    /// Waits until one of `events` holds (poll(2)), the deadline passes (empty result), or
    /// `interrupt` becomes readable (``Interrupted``). Returns the events that hold; error
    /// and hang-up conditions are reported even when not asked for.
    public func wait(for events: Events, until deadline: ContinuousClock.Instant, interrupt: Int32? = nil) throws -> Events {
        var descriptors = [pollfd(fd: descriptor, events: events.rawValue, revents: 0)]
        if let interrupt { descriptors.append(pollfd(fd: interrupt, events: Int16(POLLIN), revents: 0)) }
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return [] }
            let milliseconds = Self.pollMilliseconds(remaining)
            let ready = try systemCall("poll") { poll(&descriptors, nfds_t(descriptors.count), milliseconds) }
            if descriptors.count > 1 && descriptors[1].revents != 0 { throw Interrupted() }
            if ready > 0 { return Events(rawValue: descriptors[0].revents) }
        }
    }

    /// A positive duration as poll(2)'s timeout: milliseconds, rounded up so a wait never
    /// ends before its deadline.
    private static func pollMilliseconds(_ remaining: Duration) -> Int32 {
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// Waits until `deadline` for nothing but `interrupt` (poll(2) on that descriptor alone):
    /// a pause between two looks at a state no event announces.
    public static func pause(until deadline: ContinuousClock.Instant, interrupt: Int32?) throws {
        var descriptors = interrupt.map { [pollfd(fd: $0, events: Int16(POLLIN), revents: 0)] } ?? []
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return }
            let milliseconds = Self.pollMilliseconds(remaining)
            let ready = try systemCall("poll") { poll(&descriptors, nfds_t(descriptors.count), milliseconds) }
            if ready > 0 { throw Interrupted() }
        }
    }

    /// What poll(2) reports right now, without waiting.
    public func readiness(_ events: Events) throws(SystemCallError) -> Events {
        var descriptor = pollfd(fd: self.descriptor, events: events.rawValue, revents: 0)
        _ = try systemCall("poll") { poll(&descriptor, 1, 0) }
        return Events(rawValue: descriptor.revents)
    }
}
