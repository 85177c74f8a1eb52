import Glibc
import TCPLabPacket
import TCPLabSystem

/// A real kernel TCP socket for test scenarios; every call goes through `systemCall`.
struct TestSocket {
    let fd: Int32

    init(ipv6: Bool = false, nonBlocking: Bool = false) throws {
        let type = SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | (nonBlocking ? SOCK_NONBLOCK.rawValue : 0)
        fd = try systemCall("socket") { socket(ipv6 ? AF_INET6 : AF_INET, Int32(type), 0) }
    }

    private init(fd: Int32) { self.fd = fd }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        try systemCall("setsockopt") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// SO_LINGER {on, 0}: close() sends RST instead of FIN.
    func setLingerZero() throws {
        var value = linger(l_onoff: 1, l_linger: 0)
        try systemCall("setsockopt") { setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size)) }
    }

    func bind(_ endpoint: Endpoint) throws {
        try withAddress(endpoint) { address, length in try systemCall("bind") { Glibc.bind(fd, address, length) } }
    }

    func listen(backlog: Int32) throws { try systemCall("listen") { Glibc.listen(fd, backlog) } }

    func connect(_ endpoint: Endpoint) throws {
        try withAddress(endpoint) { address, length in try systemCall("connect") { Glibc.connect(fd, address, length) } }
    }

    func accept(nonBlocking: Bool = false) throws -> TestSocket {
        let accepted = try systemCall("accept") { Glibc.accept(fd, nil, nil) }
        if nonBlocking {
            let flags = try systemCall("fcntl(F_GETFL)") { fcntl(accepted, F_GETFL) }
            try systemCall("fcntl(F_SETFL)") { fcntl(accepted, F_SETFL, flags | O_NONBLOCK) }
        }
        return TestSocket(fd: accepted)
    }

    /// Starts a connect on a non-blocking socket; the handshake goes on in the kernel.
    func startConnect(_ endpoint: Endpoint) throws {
        do {
            try connect(endpoint)
        } catch let error as SystemCallError where error.errno == Errno(rawValue: EINPROGRESS) {
            return
        }
    }

    /// Sends until the kernel's buffers are full (EAGAIN on a non-blocking socket); returns the bytes taken.
    func sendUntilFull(chunk: Int = 16384) throws -> Int {
        let bytes = [UInt8](repeating: 0x61, count: chunk)
        var total = 0
        while true {
            do {
                total += try bytes.withUnsafeBytes { buffer in
                    try systemCall("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
                }
            } catch let error as SystemCallError where error.errno == .wouldBlock {
                return total
            }
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            offset += try bytes.withUnsafeBytes { buffer in
                try systemCall("send") { Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    func receive(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = try buffer.withUnsafeMutableBytes { raw in
            try systemCall("recv") { recv(fd, raw.baseAddress, raw.count, 0) }
        }
        return Array(buffer.prefix(count))
    }

    /// Receives until `count` bytes or end of stream.
    func receive(exactly count: Int) throws -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count {
            let chunk = try receive(max: count - received.count)
            if chunk.isEmpty { break }
            received += chunk
        }
        return received
    }

    func shutdown(_ how: Int32) throws { try systemCall("shutdown") { Glibc.shutdown(fd, how) } }

    func close() { _ = Glibc.close(fd) }

    var localPort: UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return withUnsafeBytes(of: storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
    }

    private func withAddress(_ endpoint: Endpoint, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void) throws {
        switch endpoint.address {
        case .v4(let value):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = endpoint.port.bigEndian
            address.sin_addr = in_addr(s_addr: value.bigEndian)
            try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = endpoint.port.bigEndian
            guard inet_pton(AF_INET6, endpoint.address.description, &address.sin6_addr) == 1 else { return }
            try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}

extension Endpoint {
    static func v4(_ port: UInt16) -> Endpoint { Endpoint(address: .loopbackV4, port: port) }
    static func v6(_ port: UInt16) -> Endpoint { Endpoint(address: .loopbackV6, port: port) }
}
