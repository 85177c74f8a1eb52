import CBPF
import CTCPLabKernelLog
import Synchronization
import TCPLabPacket
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's own log of one network namespace's TCP sockets, recorded with eBPF while
/// a lab runs.
///
/// Stands for libbpf: the BPF object of BPF/tcplab.bpf.c (embedded, see BPF/generate) is
/// opened with bpf_object__open_mem, told the namespace's inode in its read-only data,
/// loaded with CO-RE relocations against the running kernel's BTF, and each program is
/// attached (tp_btf and fentry/fexit: bpf_link file descriptors, no tracefs). A thread
/// polls the ring buffer with a deadline of 10 ms per wait until ``stop()``, which
/// drains what is left and destroys the links, the ring buffer and the object: nothing
/// outlives the log, and if the process dies the kernel closes the descriptors and
/// detaches the programs itself.
///
/// Loading needs CAP_BPF and CAP_PERFMON in the initial user namespace (root); in a user
/// namespace ``start(networkNamespaceInode:)`` throws ``KernelLogError/notPermitted(_:)``.
public final class KernelLog {
    private let object: OpaquePointer
    private var links: [OpaquePointer] = []
    private var ringBuffer: OpaquePointer?
    private let collector = Collector()
    private var reader: pthread_t?
    private let clockAtStart: KernelClock

    /// What a stopped log recorded.
    public struct Record: Sendable {
        /// The events, in the order the kernel wrote them, timed on the capture's clock.
        public var events: [KernelEvent]
        /// The clock offset measured when the log started.
        public var clockAtStart: KernelClock
        /// The clock offset measured when it stopped.
        public var clockAtStop: KernelClock
        /// When it stopped recording (CLOCK_REALTIME, nanoseconds): later events are not in it.
        public var stopTime: Int64
        /// Whether the function probes ran (timewait and request sockets seen directly).
        public var functionProbes: Bool
        /// Why they did not, when the kernel refused them.
        public var functionProbesRefusal: SystemCallError?
        /// The kernel's IDs of the log's programs and links while it ran, to check that
        /// none is left (``KernelLog/programExists(id:)``, ``KernelLog/linkExists(id:)``).
        public var programIDs: [UInt32]
        /// The links' IDs.
        public var linkIDs: [UInt32]
        /// Whether the kernel had let go of every program and link when stop() returned.
        public var released: Bool
        /// The runs the kernel skipped, by program name (bpf_prog_info.recursion_misses):
        /// a BPF tracing program does not run again on a CPU where it is already running,
        /// as when a softirq handling the lab's packet interrupts the program's run for
        /// another socket. The event of a skipped run is missing from ``events``.
        public var missedRuns: [String: UInt64] = [:]
        /// Events the programs made but the ring buffer refused (bpf_ringbuf_reserve
        /// returned NULL), missing from ``events`` too.
        public var lostEvents: UInt64 = 0
    }

    /// Raw events, appended by the ring buffer's callback on the reader thread.
    private final class Collector: Sendable {
        let events = Mutex<[tcplab_event]>([])
        /// Set by stop(): the reader's signal to finish.
        let stopping = Atomic<Bool>(false)
    }

    /// Loads and attaches the programs, recording the sockets of the namespace whose
    /// inode is `networkNamespaceInode` (``currentNetworkNamespaceInode()``).
    public static func start(networkNamespaceInode: UInt64) throws(KernelLogError) -> KernelLog {
        silenceLibbpf()
        let withProbes = functionProbesAllowed.withLock { $0 } ?? true
        do throws(KernelLogError) {
            let log = try open(networkNamespaceInode: networkNamespaceInode, functionProbes: withProbes)
            functionProbesAllowed.withLock { $0 = withProbes }
            return log
        } catch .notPermitted(let error) where withProbes {
            // Some kernels refuse fentry/fexit (and have no kprobes) while allowing BTF
            // tracepoints: record without the function probes, and remember that.
            let log = try open(networkNamespaceInode: networkNamespaceInode, functionProbes: false)
            functionProbesAllowed.withLock { $0 = false }
            log.functionProbesRefusal = error
            return log
        }
    }

    /// Whether this kernel lets the process attach fentry/fexit programs, once known.
    private static let functionProbesAllowed = Mutex<Bool?>(nil)

    /// Whether the function probes (timewait and request sockets) run; see ``start(networkNamespaceInode:)``.
    public var functionProbes: Bool { !functionProbesDisabled }
    private var functionProbesDisabled = false
    /// Why the function probes were refused, when they were on this log's start.
    public private(set) var functionProbesRefusal: SystemCallError?

    private static func open(networkNamespaceInode: UInt64, functionProbes: Bool) throws(KernelLogError) -> KernelLog {
        guard let object = bpf_object__open_mem(tcplab_bpf_object_address(), Int(tcplab_bpf_object_size), nil) else {
            throw .system(SystemCallError(call: "bpf_object__open_mem", errno: Errno.current))
        }
        let log = KernelLog(object: object)
        do throws(KernelLogError) {
            if !functionProbes { log.disableFunctionProbes() }
            try log.configure(inode: networkNamespaceInode)
            try log.load()
            try log.attach()
            try log.startReading()
        } catch {
            _ = log.stop()
            throw error
        }
        return log
    }

    private init(object: OpaquePointer) {
        self.object = object
        self.clockAtStart = KernelClock.measure()
    }

    /// Leaves the fentry and fexit programs out of the load.
    private func disableFunctionProbes() {
        functionProbesDisabled = true
        var program: OpaquePointer? = nil
        while let next = bpf_object__next_program(object, program) {
            program = next
            let section = bpf_program__section_name(next).map { String(cString: $0) } ?? ""
            if section.hasPrefix("fentry/") || section.hasPrefix("fexit/") { bpf_program__set_autoload(next, false) }
        }
    }

    /// Writes the namespace's inode into the program's read-only data, before loading.
    private func configure(inode: UInt64) throws(KernelLogError) {
        var map: OpaquePointer? = nil
        while let next = bpf_object__next_map(object, map) {
            map = next
            guard let name = bpf_map__name(next), String(cString: name).hasSuffix(".rodata") else { continue }
            var config = tcplab_config(netns_inode: UInt32(truncatingIfNeeded: inode))
            do throws(SystemCallError) {
                try systemCall("bpf_map__set_initial_value") {
                    bpf_map__set_initial_value(next, &config, MemoryLayout<tcplab_config>.size)
                }
            } catch {
                throw .system(error)
            }
            return
        }
        throw .system(SystemCallError(call: "bpf_object__next_map(.rodata)", errno: Errno(rawValue: ENOENT)))
    }

    private func load() throws(KernelLogError) {
        do throws(SystemCallError) {
            try systemCall("bpf_object__load") { bpf_object__load(object) }
        } catch {
            throw Self.classify(error)
        }
    }

    private func attach() throws(KernelLogError) {
        var program: OpaquePointer? = nil
        while let next = bpf_object__next_program(object, program) {
            program = next
            guard bpf_program__autoload(next) else { continue }
            guard let link = bpf_program__attach(next) else {
                let name = bpf_program__name(next).map { String(cString: $0) } ?? "?"
                throw Self.classify(SystemCallError(call: "bpf_program__attach(\(name))", errno: Errno.current))
            }
            links.append(link)
            if let id = Self.programID(fd: bpf_program__fd(next)) { programIDs.append(id) }
        }
    }

    private var programIDs: [UInt32] = []

    private static func programID(fd: Int32) -> UInt32? {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : nil
    }

    /// How many runs the kernel skipped for the program behind `fd` (recursion_misses).
    private static func recursionMisses(fd: Int32) -> UInt64 {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.recursion_misses : 0
    }

    /// The programs' skipped runs so far, by name, leaving out those that skipped none.
    private func missedRuns() -> [String: UInt64] {
        var missed: [String: UInt64] = [:]
        var program: OpaquePointer? = nil
        while let next = bpf_object__next_program(object, program) {
            program = next
            guard bpf_program__autoload(next), bpf_program__fd(next) >= 0 else { continue }
            let count = Self.recursionMisses(fd: bpf_program__fd(next))
            if count > 0 { missed[bpf_program__name(next).map { String(cString: $0) } ?? "?"] = count }
        }
        return missed
    }

    /// The events the ring buffer refused, summed over the CPUs (the `lost` per-CPU array).
    private func lostEvents() -> UInt64 {
        let fd = bpf_object__find_map_fd_by_name(object, "lost")
        let cpus = libbpf_num_possible_cpus()
        guard fd >= 0, cpus > 0 else { return 0 }
        var key: UInt32 = 0
        var values = [UInt64](repeating: 0, count: Int(cpus))
        guard bpf_map_lookup_elem(fd, &key, &values) == 0 else { return 0 }
        return values.reduce(0, &+)
    }

    private static func linkID(fd: Int32) -> UInt32? {
        var info = bpf_link_info()
        var length = UInt32(MemoryLayout<bpf_link_info>.size)
        return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : nil
    }

    /// Waits, at most two seconds, until the kernel has freed the programs and links: it
    /// frees them after the last descriptor closes, once readers of the tracepoints are
    /// done (an RCU grace period), so for a moment they outlive close(). No event tells
    /// when; their IDs are looked up again every millisecond.
    private static func waitUntilGone(programs: [UInt32], links: [UInt32]) -> Bool {
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            let left = programs.contains(where: programExists) || links.contains(where: linkExists)
            if !left { return true }
            if ContinuousClock.now >= deadline { return false }
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
    }

    /// Whether a BPF program with this ID is loaded (bpf(BPF_PROG_GET_FD_BY_ID)).
    public static func programExists(id: UInt32) -> Bool {
        let fd = bpf_prog_get_fd_by_id(id)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// Whether a BPF link with this ID exists (bpf(BPF_LINK_GET_FD_BY_ID)).
    public static func linkExists(id: UInt32) -> Bool {
        let fd = bpf_link_get_fd_by_id(id)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    private func startReading() throws(KernelLogError) {
        let fd = bpf_object__find_map_fd_by_name(object, "events")
        guard fd >= 0 else { throw .system(SystemCallError(call: "bpf_object__find_map_fd_by_name(events)", errno: Errno(rawValue: -fd))) }
        let context = Unmanaged.passUnretained(collector).toOpaque()
        guard let ringBuffer = ring_buffer__new(fd, { context, data, size in
            guard let context, let data, size >= MemoryLayout<tcplab_event>.size else { return 0 }
            let event = UnsafeRawPointer(data).loadUnaligned(as: tcplab_event.self)
            Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().events.withLock { $0.append(event) }
            return 0
        }, context, nil) else {
            throw .system(SystemCallError(call: "ring_buffer__new", errno: Errno.current))
        }
        self.ringBuffer = ringBuffer
        let collector = self.collector
        do throws(SystemCallError) {
            // The reader waits at most 10 ms at a time, so stop() never waits longer.
            reader = try PosixThread.start { [ringBuffer] in
                while !collector.stopping.load(ordering: .acquiring) {
                    let polled = ring_buffer__poll(ringBuffer, 10)
                    if polled < 0 && polled != -EINTR { break }
                }
            }
        } catch {
            throw .system(error)
        }
    }

    /// Stops recording: joins the reader, drains the ring buffer, and destroys the links,
    /// the ring buffer and the object. Returns what was recorded.
    public func stop() -> Record {
        let stopTime = KernelClock.read(CLOCK_REALTIME)
        let linkIDs = links.compactMap { Self.linkID(fd: bpf_link__fd($0)) }
        // Links first: a program stops running when its link goes, so nothing is written
        // after this point; then the reader finishes, the rest is drained, and the object
        // closes the programs and maps.
        for link in links { bpf_link__destroy(link) }
        links = []
        let missed = closed ? [:] : missedRuns()
        let lost = closed ? 0 : lostEvents()
        collector.stopping.store(true, ordering: .releasing)
        if let reader {
            pthread_join(reader, nil)
            self.reader = nil
        }
        if let ringBuffer {
            ring_buffer__consume(ringBuffer)
            ring_buffer__free(ringBuffer)
            self.ringBuffer = nil
        }
        if !closed {
            bpf_object__close(object)
            closed = true
        }
        let released = Self.waitUntilGone(programs: programIDs, links: linkIDs)
        let clockAtStop = KernelClock.measure()
        let raw = collector.events.withLock { events in
            defer { events = [] }
            return events
        }
        return Record(events: raw.map { KernelEvent($0, clock: clockAtStart) }, clockAtStart: clockAtStart, clockAtStop: clockAtStop, stopTime: stopTime, functionProbes: functionProbes, functionProbesRefusal: functionProbesRefusal,
            programIDs: programIDs, linkIDs: linkIDs, released: released, missedRuns: missed, lostEvents: lost)
    }

    private var closed = false

    deinit { _ = stop() }

    /// The inode of the calling thread's network namespace (stat of
    /// /proc/thread-self/ns/net), what the BPF program compares each socket's with.
    public static func currentNetworkNamespaceInode() throws(SystemCallError) -> UInt64 {
        var status = stat()
        try systemCall("stat(/proc/thread-self/ns/net)") { stat("/proc/thread-self/ns/net", &status) }
        return UInt64(status.st_ino)
    }

    /// EPERM and EACCES from loading or attaching mean missing privileges.
    private static func classify(_ error: SystemCallError) -> KernelLogError {
        error.errno == .notPermitted || error.errno == .accessDenied ? .notPermitted(error) : .system(error)
    }

    /// libbpf prints warnings to stderr by default; the log reports failures itself.
    private static func silenceLibbpf() {
        _ = libbpf_set_print(nil)
    }
}
