import CTCPLabShims
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TUN device in the calling thread's network namespace: IP packets the kernel routes
/// to it are read from its descriptor, and packets written to the descriptor arrive as if
/// they came in on it.
///
/// Stands for open("/dev/net/tun") and ioctl(TUNSETIFF) with IFF_TUN | IFF_NO_PI
/// (Documentation/networking/tuntap.rst): no packet-information header, each read(2) one
/// whole IP packet. The device is not persistent: it disappears when ``close()`` closes
/// the descriptor (and with the namespace at the latest).
public final class TunDevice {
    /// The interface name.
    public let name: String
    /// The descriptor; -1 once closed.
    private(set) var descriptor: Int32

    /// Why a TUN device could not be made.
    public enum Failure: Error, CustomStringConvertible {
        /// /dev/net/tun may not be opened by this user (EACCES, EPERM) or does not exist.
        case unavailable(SystemCallError)
        /// Another call failed.
        case system(SystemCallError)
        /// Configuring addresses or routes failed.
        case configuration(String)

        /// Whether this user may not make TUN devices here (a reason to skip, not a failure).
        public var isUnavailable: Bool {
            if case .unavailable = self { return true }
            return false
        }

        /// One line.
        public var description: String {
            switch self {
            case .unavailable(let error):
                let why = error.errno == .accessDenied || error.errno == .notPermitted
                    ? "this user may not open /dev/net/tun here (run as root, or give the user read and write access to /dev/net/tun)"
                    : "this system has no TUN device (/dev/net/tun, kernel module tun)"
                return "the scripted peer needs a TUN device, and \(error.call) failed with \(error.errno.name): " + why
            case .system(let error): return error.description
            case .configuration(let message): return message
            }
        }
    }

    /// Creates the device `name` (at most 15 bytes) in the calling thread's namespace.
    public init(name: String) throws(Failure) {
        self.name = name
        do throws(SystemCallError) {
            descriptor = try systemCall("open(/dev/net/tun)") { open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC) }
        } catch {
            switch error.errno {
            case .accessDenied, .notPermitted, .noSuchFile, Errno(rawValue: ENODEV): throw .unavailable(error)
            default: throw .system(error)
            }
        }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { field in
            for (index, byte) in name.utf8.prefix(field.count - 1).enumerated() { field[index] = byte }
        }
        request.ifr_ifru.ifru_flags = tcplab_iff_tun | tcplab_iff_no_pi
        do throws(SystemCallError) {
            try systemCall("ioctl(TUNSETIFF)") { ioctl(descriptor, tcplab_tunsetiff, &request) }
        } catch {
            close()
            throw error.errno == .notPermitted ? .unavailable(error) : .system(error)
        }
    }

    deinit { close() }

    /// Brings the device up with `local` addresses (prefix lengths included, "192.0.2.2/24")
    /// for the kernel's own end, so the rest of each prefix routes into the device
    /// (ip-link(8), ip-address(8)). IPv6 addresses skip duplicate address detection, which
    /// a device with no neighbours would only delay.
    public func configure(addresses: [String]) throws(Failure) {
        var commands = [["ip", "link", "set", "dev", name, "up"]]
        for address in addresses {
            commands.append(address.contains(":")
                ? ["ip", "-6", "addr", "add", address, "dev", name, "nodad"]
                : ["ip", "addr", "add", address, "dev", name])
        }
        for command in commands {
            let outcome: Command.Outcome
            do throws(SystemCallError) { outcome = try Command.run(command) } catch { throw .system(error) }
            guard outcome.status == 0 else {
                throw .configuration("\(command.joined(separator: " ")) failed: \(outcome.output)")
            }
        }
    }

    /// What ``read(until:interrupt:)`` found.
    public enum ReadOutcome {
        /// One IP packet.
        case packet([UInt8])
        /// Nothing arrived before the deadline.
        case timedOut
        /// The interrupt descriptor became readable (Ctrl-C).
        case interrupted
    }

    /// Reads one packet, waiting with poll(2) until `deadline`; `interrupt` (a descriptor
    /// that becomes readable on Ctrl-C) ends the wait early.
    public func read(until deadline: ContinuousClock.Instant, interrupt: Int32?) throws(SystemCallError) -> ReadOutcome {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try systemCall("read(\(name))") { () -> Int in
                let result = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                // Nothing queued: report it as 0 bytes, since a TUN read never returns 0 otherwise.
                if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return 0 }
                return result
            }
            if count > 0 { return .packet(Array(buffer.prefix(count))) }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            if let interrupt { descriptors.append(pollfd(fd: interrupt, events: Int16(POLLIN), revents: 0)) }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return .timedOut }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            try systemCall("poll(\(name))") { poll(&descriptors, nfds_t(descriptors.count), milliseconds) }
            if descriptors.count > 1 && descriptors[1].revents != 0 { return .interrupted }
        }
    }

    /// Writes one IP packet; the kernel receives it as if it arrived on the device.
    public func write(_ packet: [UInt8]) throws(SystemCallError) {
        let written = try systemCall("write(\(name))") {
            packet.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        }
        if written != packet.count { throw SystemCallError(call: "write(\(name))", errno: Errno(rawValue: EIO)) }
    }

    /// Closes the descriptor, which removes the device. Safe to call twice.
    public func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }
}
