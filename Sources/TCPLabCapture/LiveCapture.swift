import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TCPLabPacket
import TCPLabSystem

/// Records packets on a network interface with libpcap, on a background thread.
///
/// ``start()`` returns only once the capture is active (pcap_activate and the filter are
/// done), so no segment sent after it is missed. Immediate mode (pcap_set_immediate_mode)
/// hands each packet over as it arrives instead of in TPACKET_V3 blocks, and ``stop()``
/// drains everything the kernel already holds before it returns, so the last segment of a
/// scenario, often an RST, is never lost.
public final class LiveCapture: @unchecked Sendable {
    /// libpcap's packet counters at the end of a capture (pcap_stats).
    public struct Statistics: Hashable, Sendable {
        /// Packets the filter accepted (ps_recv).
        public var received: UInt32
        /// Packets dropped because the buffer was full (ps_drop).
        public var dropped: UInt32
        /// Packets the interface or driver dropped (ps_ifdrop).
        public var droppedByInterface: UInt32
    }

    /// The interface captured on.
    public let interface: String
    /// The BPF filter (pcap-filter(7)).
    public let filter: String
    /// Bytes kept of each packet.
    public let snapshotLength: Int32

    // `condition` guards `captured`; the handle and descriptors belong to the thread that
    // runs the loop between start() and stop()'s join.
    private let condition = Condition()
    private var captured: [CapturedPacket] = []
    private var handle: OpaquePointer?
    // A socket pair whose second end stop() writes to, to wake the thread out of poll(2).
    private var wakePipe: (read: Int32, write: Int32) = (-1, -1)
    private var thread: pthread_t?
    private var linkType = LinkType.ethernet
    private var loopError: CaptureError?

    /// A capture of `interface` (default `lo`) through `filter` (default all TCP).
    public init(interface: String = "lo", filter: String = "tcp", snapshotLength: Int32 = 262_144) {
        self.interface = interface
        self.filter = filter
        self.snapshotLength = snapshotLength
    }

    deinit {
        if thread != nil { _ = try? stop() }
    }

    /// Opens and activates the capture, then starts the reading thread.
    public func start() throws(CaptureError) {
        guard handle == nil else { throw .wrongState("the capture on \(interface) is already running") }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let pcap = pcap_create(interface, &errorBuffer) else {
            throw .libpcap(call: "pcap_create", message: String(cText: errorBuffer))
        }
        do throws(CaptureError) {
            try configure(pcap)
            handle = pcap
            linkType = LinkType(rawValue: UInt32(pcap_datalink(pcap)))
            do throws(SystemCallError) {
                var ends: [Int32] = [-1, -1]
                let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue)
                try systemCall("socketpair") { socketpair(AF_UNIX, type, 0, &ends) }
                wakePipe = (ends[0], ends[1])
                thread = try PosixThread.start { self.runLoop() }
            } catch {
                throw .system(error)
            }
        } catch {
            closeWakeSockets()
            pcap_close(pcap)
            handle = nil
            throw error
        }
    }

    private func configure(_ pcap: OpaquePointer) throws(CaptureError) {
        pcap_set_snaplen(pcap, snapshotLength)
        pcap_set_immediate_mode(pcap, 1)
        pcap_set_buffer_size(pcap, 8 << 20)
        let status = pcap_activate(pcap)
        switch status {
        case 0...: break  // Success, possibly with a warning.
        case PCAP_ERROR_PERM_DENIED:
            throw .permissionDenied(interface: interface)
        case PCAP_ERROR_NO_SUCH_DEVICE:
            throw .noSuchInterface(interface)
        default:
            throw .libpcap(call: "pcap_activate", message: String(cString: pcap_geterr(pcap)))
        }
        var program = bpf_program()
        guard pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw .invalidFilter(filter, reason: String(cString: pcap_geterr(pcap)))
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(pcap, &program) == 0 else {
            throw .libpcap(call: "pcap_setfilter", message: String(cString: pcap_geterr(pcap)))
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard pcap_setnonblock(pcap, 1, &errorBuffer) == 0 else {
            throw .libpcap(call: "pcap_setnonblock", message: String(cText: errorBuffer))
        }
    }

    /// Waits for readable packets or the stop signal; after the signal, drains and returns.
    private func runLoop() {
        guard let pcap = handle else { return }
        let captureDescriptor = pcap_get_selectable_fd(pcap)
        var descriptors = [
            pollfd(fd: captureDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            do {
                try systemCall("poll") { poll(&descriptors, nfds_t(descriptors.count), -1) }
            } catch {
                record(error: .system(error))
                return
            }
            // Read whatever is ready; on the stop signal, read until nothing is left.
            let stopping = descriptors[1].revents != 0
            while true {
                let count = dispatch(pcap)
                if count <= 0 { break }
            }
            if stopping { return }
        }
    }

    private func dispatch(_ pcap: OpaquePointer) -> Int32 {
        let context = Unmanaged.passUnretained(self).toOpaque().assumingMemoryBound(to: UInt8.self)
        let count = pcap_dispatch(pcap, -1, { context, header, bytes in
            guard let context, let header, let bytes else { return }
            let capture = Unmanaged<LiveCapture>.fromOpaque(UnsafeRawPointer(context)).takeUnretainedValue()
            let info = header.pointee
            let data = Array(UnsafeRawBufferPointer(start: bytes, count: Int(info.caplen)))
            capture.append(CapturedPacket(
                timestamp: CaptureTimestamp(seconds: Int64(info.ts.tv_sec), nanoseconds: Int64(info.ts.tv_usec) * 1000),
                linkType: capture.linkType, originalLength: Int(info.len), data: data[...]))
        }, context)
        if count == PCAP_ERROR {
            record(error: .libpcap(call: "pcap_dispatch", message: String(cString: pcap_geterr(pcap))))
        }
        return count
    }

    private func append(_ packet: CapturedPacket) {
        condition.lock()
        captured.append(packet)
        condition.broadcast()
        condition.unlock()
    }

    private func record(error: CaptureError) {
        condition.lock()
        if loopError == nil { loopError = error }
        condition.broadcast()
        condition.unlock()
    }

    private func closeWakeSockets() {
        if wakePipe.read >= 0 { _ = close(wakePipe.read) }
        if wakePipe.write >= 0 { _ = close(wakePipe.write) }
        wakePipe = (-1, -1)
    }

    /// The packets captured so far, in order.
    public var packets: [CapturedPacket] {
        condition.lock()
        defer { condition.unlock() }
        return captured
    }

    /// Waits until a captured packet satisfies `predicate`, or until `timeout` passes.
    ///
    /// Packets captured before the call count too. The predicate runs without the lock held,
    /// so it may look at ``packets``. Returns the first match, or nil at the deadline.
    public func waitForPacket(
        timeout: Duration, where predicate: (CapturedPacket) -> Bool
    ) -> CapturedPacket? {
        let deadline = ContinuousClock.now + timeout
        var checked = 0
        while true {
            condition.lock()
            while captured.count == checked && loopError == nil {
                if !condition.wait(until: deadline) { break }
            }
            let fresh = captured[checked...]
            let failed = loopError != nil
            condition.unlock()
            for packet in fresh where predicate(packet) { return packet }
            checked += fresh.count
            if fresh.isEmpty && (failed || ContinuousClock.now >= deadline) { return nil }
        }
    }

    /// Waits until more than `count` packets have been captured, or `timeout` passes.
    /// Returns the number captured so far.
    public func waitForMore(than count: Int, timeout: Duration) -> Int {
        let deadline = ContinuousClock.now + timeout
        condition.lock()
        defer { condition.unlock() }
        while captured.count <= count && loopError == nil {
            if !condition.wait(until: deadline) { break }
        }
        return captured.count
    }

    /// Stops the capture after delivering every packet the kernel already holds.
    ///
    /// - Returns: All captured packets, in order, and libpcap's counters.
    public func stop() throws(CaptureError) -> (packets: [CapturedPacket], statistics: Statistics) {
        guard let pcap = handle, let running = thread else {
            throw .wrongState("the capture on \(interface) is not running")
        }
        var byte: UInt8 = 1
        _ = try? systemCall("write") { write(wakePipe.write, &byte, 1) }
        pthread_join(running, nil)
        thread = nil
        var counters = pcap_stat()
        let statisticsStatus = pcap_stats(pcap, &counters)
        pcap_close(pcap)
        handle = nil
        closeWakeSockets()
        condition.lock()
        let result = captured
        let failure = loopError
        condition.unlock()
        if let failure { throw failure }
        guard statisticsStatus == 0 else {
            return (result, Statistics(received: UInt32(result.count), dropped: 0, droppedByInterface: 0))
        }
        return (result, Statistics(received: counters.ps_recv, dropped: counters.ps_drop, droppedByInterface: counters.ps_ifdrop))
    }
}

extension LiveCapture {
    /// Removes and returns the packets captured so far, waiting up to `timeout` for the
    /// first if there is none, so a long-running consumer (`tcplab watch`) keeps memory
    /// bounded. Packets taken here are not returned again by ``packets`` or ``stop()``.
    public func takePackets(waitingUpTo timeout: Duration) -> [CapturedPacket] {
        let deadline = ContinuousClock.now + timeout
        condition.lock()
        defer { condition.unlock() }
        while captured.isEmpty && loopError == nil {
            if !condition.wait(until: deadline) { break }
        }
        let taken = captured
        captured.removeAll(keepingCapacity: true)
        return taken
    }

    /// The error that stopped the reading thread, if one did (``stop()`` throws it too).
    public var failure: CaptureError? {
        condition.lock()
        defer { condition.unlock() }
        return loopError
    }
}
