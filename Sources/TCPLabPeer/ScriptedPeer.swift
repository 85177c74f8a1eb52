import TCPLabPacket
import TCPLabSystem

/// tcplab as the other end of a connection: segments written by hand go into a TUN device
/// in the lab's namespace, and the kernel's answers are read back from it.
///
/// The kernel's end has the addresses ``kernelAddresses`` on the device; everything else
/// in their prefixes (``peerAddresses``) routes into the device, so a segment the kernel
/// sends a peer reaches tcplab and nothing leaves the namespace. Each peer actor is one
/// end (address and port) with its own sequence numbers; segments are sorted to the actor
/// whose address and port they are sent to.
public final class ScriptedPeer {
    /// The interface name in the lab's namespace.
    public static let deviceName = "tcplab-peer"
    /// The kernel's own addresses on the device, with their prefixes: the rest of each
    /// prefix is the peer's.
    public static let kernelAddresses = ["192.0.2.2/24", "2001:db8::2/64"]
    /// The addresses a peer actor may have (TEST-NET-1, RFC 5737; the documentation
    /// prefix, RFC 3849).
    public static let peerAddresses: [IPAddress] = [IPAddress("192.0.2.1")!, IPAddress("2001:db8::1")!]

    /// One peer actor's end of its connection.
    public struct Connection {
        /// The actor.
        public let actor: String
        /// The peer's address and port.
        public let local: Endpoint
        /// The kernel socket's end; learnt from the first segment the kernel sends when nil.
        public var remote: Endpoint?
        /// The peer's initial sequence number.
        public let initialSequence: UInt32
        /// The kernel's initial sequence number, from its SYN or SYN-ACK.
        public var kernelInitialSequence: UInt32?
        /// The peer's next unsent sequence number.
        public var nextSequence: UInt32
        /// One past the last sequence number the kernel sent (SYN and FIN count one).
        public var kernelNext: UInt32?
        /// The kernel's last TSval, echoed by `ts` without values.
        var kernelTimestamp: UInt32?
        /// Segments read for this actor and not yet expected.
        var pending: [TCPSegment] = []

        /// A connection from `local` to `remote` with the initial sequence number `isn`.
        public init(actor: String, local: Endpoint, remote: Endpoint?, initialSequence: UInt32) {
            self.actor = actor
            self.local = local
            self.remote = remote
            self.initialSequence = initialSequence
            nextSequence = initialSequence
        }
    }

    /// The device.
    public let device: TunDevice
    /// The connections, by actor.
    public private(set) var connections: [String: Connection] = [:]
    private var identification: UInt16 = 1
    private let clock = ContinuousClock.now

    /// Makes the device, brings it up with the kernel's addresses, and sets up `connections`.
    public init(connections: [Connection]) throws(TunDevice.Failure) {
        device = try TunDevice(name: Self.deviceName)
        do throws(TunDevice.Failure) {
            try device.configure(addresses: Self.kernelAddresses)
        } catch {
            device.close()
            throw error
        }
        for connection in connections { self.connections[connection.actor] = connection }
    }

    /// Closes the device, which removes it.
    public func close() { device.close() }

    /// The Ctrl-C descriptor became readable during a wait.
    public struct Interrupted: Error {}

    // MARK: Sending

    /// Sends `segment` as `actor`, filling in what the line left out; returns the segment
    /// as sent, in the ladder's relative numbers.
    public func send(_ segment: PeerSegment, as actor: String) throws(SystemCallError) -> String {
        guard var connection = connections[actor] else { return "no peer named \(actor)" }
        guard let remote = connection.remote else {
            return "\(actor) does not know the kernel's end yet: give the actor 'to: ADDRESS:PORT', or expect the kernel's segment first"
        }
        let kernelBase = connection.kernelInitialSequence ?? 0
        let sequence = segment.sequence?.onWire(base: connection.initialSequence) ?? connection.nextSequence
        var acknowledgment: UInt32 = 0
        if let written = segment.acknowledgment {
            acknowledgment = written.onWire(base: kernelBase)
        } else if segment.flags.contains(.ack) {
            acknowledgment = connection.kernelNext ?? 0
        }
        var options = TCPOptions()
        options.maximumSegmentSize = segment.maximumSegmentSize
        options.windowScale = segment.windowScale
        options.sackPermitted = segment.sackPermitted
        switch segment.timestamps {
        case .automatic?:
            let (seconds, attoseconds) = clock.duration(to: .now).components
            let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            options.timestamp = TCPOptions.Timestamp(value: UInt32(truncatingIfNeeded: milliseconds + 1), echoReply: connection.kernelTimestamp ?? 0)
        case .values(let value, let echoReply)?:
            options.timestamp = TCPOptions.Timestamp(value: value, echoReply: echoReply)
        case nil: break
        }
        guard let ports = Self.ports(segment.ports, from: connection.local.port) else {
            return "ports=\(segment.ports) from port \(connection.local.port) would pass port 65535"
        }
        var crafted = CraftedSegment(header: TCPSegment(
            source: connection.local, destination: remote, sequenceNumber: sequence, acknowledgmentNumber: acknowledgment,
            flags: segment.flags, window: segment.window, options: options), payload: segment.payload)
        let description = Self.describe(crafted.header, sequenceBase: connection.initialSequence, acknowledgmentBase: kernelBase)
        // The peer's own port first, then the others: each copy is a segment of its own
        // connection, as if from another client at the same address.
        for port in ports {
            crafted.header.source = Endpoint(address: connection.local.address, port: port)
            try device.write(crafted.packet(identification: identification))
            identification &+= 1
        }
        let end = sequence &+ crafted.header.sequenceLength
        if Int32(bitPattern: end &- connection.nextSequence) > 0 { connection.nextSequence = end }
        connections[actor] = connection
        guard ports.count > 1 else { return "sent " + description }
        return "sent " + description + " from \(ports.count) ports, \(ports.lowerBound) to \(ports.upperBound)"
    }

    /// The source ports of a segment sent `count` times from `first` on; nil past 65535.
    public static func ports(_ count: UInt16, from first: UInt16) -> ClosedRange<UInt16>? {
        let (last, overflow) = first.addingReportingOverflow(max(count, 1) - 1)
        return overflow ? nil : first...last
    }

    // MARK: Expecting

    /// What an expectation met: the segment that came (nil: none), how long the wait took,
    /// and whether it was what the line asked for.
    public struct Expectation {
        /// Whether the line's expectation held.
        public var passed: Bool
        /// The segment that came, in the ladder's relative numbers; nil if none came.
        public var segment: String?
        /// How long the peer waited for it (or for silence).
        public var waited: Duration
    }

    /// Takes the next segment the kernel sends `actor`, waiting until `deadline`, and
    /// tells whether it matches `pattern` (nil: no segment may come).
    public func expect(_ pattern: PeerPattern?, actor: String, until deadline: ContinuousClock.Instant, interrupt: Int32?) throws -> Expectation {
        let started = ContinuousClock.now
        guard let segment = try next(for: actor, until: deadline, interrupt: interrupt) else {
            return Expectation(passed: pattern == nil, segment: nil, waited: started.duration(to: .now))
        }
        var connection = connections[actor]!
        connection.take(segment)
        connections[actor] = connection
        let text = Self.describe(segment, sequenceBase: connection.kernelInitialSequence ?? 0, acknowledgmentBase: connection.initialSequence)
        let passed = pattern.map { connection.matches(segment, $0) } ?? false
        return Expectation(passed: passed, segment: text, waited: started.duration(to: .now))
    }

    /// The next segment for `actor`: one already read, or the next the device delivers
    /// for it (segments for other actors are kept for them).
    private func next(for actor: String, until deadline: ContinuousClock.Instant, interrupt: Int32?) throws -> TCPSegment? {
        guard connections[actor] != nil else { return nil }
        if let first = connections[actor]?.pending.first {
            connections[actor]?.pending.removeFirst()
            return first
        }
        while true {
            switch try device.read(until: deadline, interrupt: interrupt) {
            case .timedOut: return nil
            case .interrupted: throw Interrupted()
            case .packet(let bytes):
                guard case .tcp(let segment) = PacketDecoder.decode(bytes, linkType: .raw) else { continue }
                guard let owner = connections.values.first(where: { $0.receives(segment) }) else { continue }
                if connections[owner.actor]?.remote == nil { connections[owner.actor]?.remote = segment.source }
                if owner.actor == actor { return segment }
                connections[owner.actor]?.pending.append(segment)
            }
        }
    }

    /// "SA seq=0 ack=1 win=64240 len=0 mss=1460 sackok wscale=7": the ladder's view, with
    /// the numbers relative to the given initial sequence numbers.
    public static func describe(_ segment: TCPSegment, sequenceBase: UInt32, acknowledgmentBase: UInt32) -> String {
        var text = segment.flags.letters.isEmpty ? "(no flags)" : segment.flags.letters
        text += " seq=\(segment.sequenceNumber &- sequenceBase)"
        if segment.flags.contains(.ack) { text += " ack=\(segment.acknowledgmentNumber &- acknowledgmentBase)" }
        text += " win=\(segment.window) len=\(segment.payloadLength)"
        let options = segment.options
        if let mss = options.maximumSegmentSize { text += " mss=\(mss)" }
        if options.sackPermitted { text += " sackok" }
        if let ts = options.timestamp { text += " ts=\(ts.value),\(ts.echoReply)" }
        if let shift = options.windowScale { text += " wscale=\(shift)" }
        if !options.sackBlocks.isEmpty {
            // SACK blocks name the receiver's bytes: relative to the other initial sequence number.
            text += " sack=" + options.sackBlocks.map { "\($0.left &- acknowledgmentBase)-\($0.right &- acknowledgmentBase)" }.joined(separator: ",")
        }
        return text
    }
}

extension ScriptedPeer.Connection {
    /// Whether the kernel sent `segment` to this end.
    public func receives(_ segment: TCPSegment) -> Bool {
        segment.destination == local && (remote == nil || remote == segment.source)
    }

    /// Records what `segment` says about the kernel's sequence numbers.
    public mutating func take(_ segment: TCPSegment) {
        if segment.flags.contains(.syn) { kernelInitialSequence = segment.sequenceNumber }
        let end = segment.sequenceNumber &+ segment.sequenceLength
        if let known = kernelNext {
            if Int32(bitPattern: end &- known) > 0 { kernelNext = end }
        } else if !segment.flags.contains(.rst) {
            kernelNext = end
        }
        if let ts = segment.options.timestamp { kernelTimestamp = ts.value }
    }

    /// Whether `segment` matches `pattern`, numbers taken relative to this connection's
    /// initial sequence numbers.
    public func matches(_ segment: TCPSegment, _ pattern: PeerPattern) -> Bool {
        let flags = segment.flags
        guard flags.isSuperset(of: pattern.flags),
              flags.intersection(PeerVocabulary.alwaysChecked) == pattern.flags.intersection(PeerVocabulary.alwaysChecked)
        else { return false }
        if let sequence = pattern.sequence, sequence.onWire(base: kernelInitialSequence ?? 0) != segment.sequenceNumber { return false }
        if let acknowledgment = pattern.acknowledgment {
            guard flags.contains(.ack), acknowledgment.onWire(base: initialSequence) == segment.acknowledgmentNumber else { return false }
        }
        if let window = pattern.window, !window.contains(UInt32(segment.window)) { return false }
        if let length = pattern.length, !length.contains(UInt32(truncatingIfNeeded: segment.payloadLength)) { return false }
        let options = segment.options
        if let mss = pattern.maximumSegmentSize, !mss.allows(options.maximumSegmentSize) { return false }
        if let shift = pattern.windowScale, !shift.allows(options.windowScale) { return false }
        if pattern.sackPermitted && !options.sackPermitted { return false }
        if let timestamps = pattern.timestamps, timestamps != (options.timestamp != nil) { return false }
        if pattern.sackBlocks && options.sackBlocks.isEmpty { return false }
        return true
    }
}
