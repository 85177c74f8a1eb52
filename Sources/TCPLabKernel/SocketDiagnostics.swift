import CTCPLabShims
import TCPLabAnalysis
import TCPLabPacket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Asks the kernel for every TCP socket in the calling thread's network namespace.
///
/// Stands for a NETLINK_SOCK_DIAG dump: one SOCK_DIAG_BY_FAMILY request
/// (`struct inet_diag_req_v2`, all states) per address family, answered by one
/// `struct inet_diag_msg` per socket, as `ss -tan` does it (sock_diag(7)).
public enum SocketDiagnostics {
    /// Every TCP socket, IPv4 then IPv6, in every state (listeners, request sockets in
    /// SYN-RECEIVED, TIME-WAIT sockets, which no process holds any more).
    public static func tcpSockets() throws(SystemCallError) -> [KernelSocket] {
        let netlink = try systemCall("socket(AF_NETLINK)") {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue | SOCK_CLOEXEC.rawValue), NETLINK_SOCK_DIAG)
        }
        defer { _ = close(netlink) }
        var sockets: [KernelSocket] = []
        for family in [UInt8(AF_INET), UInt8(AF_INET6)] {
            try dump(family: family, on: netlink, sequence: UInt32(family), into: &sockets)
        }
        return sockets
    }

    private static func dump(family: UInt8, on netlink: Int32, sequence: UInt32, into sockets: inout [KernelSocket]) throws(SystemCallError) {
        struct Request {
            var header: nlmsghdr
            var body: inet_diag_req_v2
        }
        var request = Request(header: nlmsghdr(), body: inet_diag_req_v2())
        request.header.nlmsg_len = UInt32(MemoryLayout<Request>.size)
        request.header.nlmsg_type = UInt16(SOCK_DIAG_BY_FAMILY)
        request.header.nlmsg_flags = UInt16(NLM_F_REQUEST | NLM_F_DUMP)
        request.header.nlmsg_seq = sequence
        request.body.sdiag_family = family
        request.body.sdiag_protocol = UInt8(IPPROTO_TCP)
        request.body.idiag_states = ~0  // Every state, TIME-WAIT and NEW_SYN_RECV included.
        request.body.idiag_ext = UInt8(1 << (INET_DIAG_INFO - 1))  // struct tcp_info, as ss -i asks.
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        try systemCall("sendto(SOCK_DIAG_BY_FAMILY)") {
            withUnsafeBytes(of: &request) { bytes in
                withUnsafeBytes(of: &kernel) { address in
                    sendto(netlink, bytes.baseAddress, bytes.count, 0,
                           address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try systemCall("recv(NETLINK_SOCK_DIAG)") {
                buffer.withUnsafeMutableBytes { raw in recv(netlink, raw.baseAddress, raw.count, 0) }
            }
            if try decode(buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[..<count]) }, into: &sockets) {
                return
            }
        }
    }

    /// Decodes one datagram of netlink messages, appending each socket. Returns true at the
    /// end of the dump (NLMSG_DONE). Exposed to tests for decoding recorded replies.
    public static func decode(_ datagram: UnsafeRawBufferPointer, into sockets: inout [KernelSocket]) throws(SystemCallError) -> Bool {
        let headerSize = MemoryLayout<nlmsghdr>.size
        var offset = 0
        while offset + headerSize <= datagram.count {
            let header = datagram.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self)
            let length = Int(header.nlmsg_len)
            guard length >= headerSize, offset + length <= datagram.count else { return true }
            let payload = offset + Int(tcplab_nlmsg_align(UInt32(headerSize)))
            switch Int32(header.nlmsg_type) {
            case NLMSG_DONE:
                return true
            case NLMSG_ERROR:
                let code = datagram.loadUnaligned(fromByteOffset: payload, as: Int32.self)
                if code != 0 { throw SystemCallError(call: "sock_diag", errno: Errno(rawValue: -code)) }
            default:
                if offset + length - payload >= MemoryLayout<inet_diag_msg>.size {
                    let message = datagram.loadUnaligned(fromByteOffset: payload, as: inet_diag_msg.self)
                    if var socket = KernelSocket(message) {
                        let attributes = payload + Int(tcplab_nlmsg_align(UInt32(MemoryLayout<inet_diag_msg>.size)))
                        socket.info = info(in: datagram, from: attributes, to: offset + length)
                        sockets.append(socket)
                    }
                }
            }
            offset += Int(tcplab_nlmsg_align(UInt32(length)))
        }
        return false
    }
}

extension SocketDiagnostics {
    /// The INET_DIAG_INFO attribute (`struct tcp_info`) among the netlink attributes
    /// (`struct rtattr`: 2 bytes of length, 2 of type, the value, padded to 4) from `start`
    /// to `end`; nil when the socket has none.
    static func info(in datagram: UnsafeRawBufferPointer, from start: Int, to end: Int) -> TCPInfo? {
        var offset = start
        while offset + 4 <= end {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = Int32(datagram.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
            guard length >= 4, offset + length <= end else { return nil }
            if type == Int32(INET_DIAG_INFO) {
                return TCPInfo(bytes: Array(datagram[(offset + 4)..<(offset + length)]))
            }
            offset += Int(tcplab_nlmsg_align(UInt32(length)))
        }
        return nil
    }
}

extension KernelSocket {
    /// Decodes `struct inet_diag_msg`; nil for a state number this code does not know.
    init?(_ message: inet_diag_msg) {
        guard let state = TCPState(kernelState: message.idiag_state) else { return nil }
        let id = message.id
        let isIPv6 = message.idiag_family == UInt8(AF_INET6)
        func address(_ words: (UInt32, UInt32, UInt32, UInt32)) -> IPAddress {
            if !isIPv6 { return .v4(UInt32(bigEndian: words.0)) }
            return .v6(
                high: UInt64(UInt32(bigEndian: words.0)) << 32 | UInt64(UInt32(bigEndian: words.1)),
                low: UInt64(UInt32(bigEndian: words.2)) << 32 | UInt64(UInt32(bigEndian: words.3)))
        }
        self.init(
            state: state,
            local: Endpoint(address: address(id.idiag_src), port: UInt16(bigEndian: id.idiag_sport)),
            remote: Endpoint(address: address(id.idiag_dst), port: UInt16(bigEndian: id.idiag_dport)),
            receiveQueue: message.idiag_rqueue, sendQueue: message.idiag_wqueue,
            timer: Timer(kernelTimer: message.idiag_timer), expiresMilliseconds: message.idiag_expires,
            retransmits: message.idiag_retrans, inode: message.idiag_inode)
    }
}
