import TCPLabAnalysis
import TCPLabKernelLog
import TCPLabPacket
import Synchronization

/// Whether labs may record the kernel log, learned by the first lab that tries; shared by
/// the runs of one runner so an unprivileged run tries once and says why once.
final class KernelLogAvailability: Sendable {
    /// Why the kernel log is off, once known.
    let offReason = Mutex<String?>(nil)
}

extension LabSession {
    /// Starts the kernel log for the lab's namespace, unless it is known to be off; a
    /// refusal turns it off for this lab (and, when it is for lack of privilege, for the
    /// runner's later labs) with the reason in the result.
    func startKernelLog() {
        guard let availability = kernelLogAvailability else { return }
        if let reason = availability.offReason.withLock({ $0 }) {
            result.kernelLogOff = reason
            return
        }
        do {
            let inode = try KernelLog.currentNetworkNamespaceInode()
            kernelLog = try KernelLog.start(networkNamespaceInode: inode)
        } catch let error as KernelLogError {
            result.kernelLogOff = error.description
            if case .notPermitted = error { availability.offReason.withLock { $0 = error.description } }
        } catch {
            result.kernelLogOff = "\(error)"
        }
    }

    /// Stops the kernel log, keeping its record.
    func stopKernelLog() {
        guard let kernelLog else { return }
        kernelRecord = kernelLog.stop()
        self.kernelLog = nil
    }

    /// Puts the kernel log in the result: each event on the capture's timeline (seconds
    /// since `firstTimestamp`) and named by its lab socket; then checks it against the
    /// wire's transitions.
    func recordKernelLog(firstTimestamp: Int64, segments: [AnnotatedSegment]) {
        guard let record = kernelRecord else { return }
        result.kernelClock = KernelClockRecord(
            offset: record.clockAtStart.offset, uncertainty: record.clockAtStart.uncertainty,
            drift: record.clockAtStop.offset - record.clockAtStart.offset)
        result.kernelLog = record.events.map { event in
            KernelLogEntry(time: Double(event.time - firstTimestamp) / 1e9, socket: socketName(for: event), event: event)
        }
    }

    /// The lab's name for the socket an event concerns: the lab socket with the same ends,
    /// the listener for its request sockets and unaccepted connections, else the actor
    /// that held the local end (or the end itself).
    func socketName(for event: KernelEvent) -> String {
        let local = event.kind == .drop ? event.destination : event.source
        let remote = event.kind == .drop ? event.source : event.destination
        let owners = sockets.values.filter { $0.local == local || ($0.isListener && $0.local?.port == local.port) }
        if event.kind != .request && event.kind != .synAckRetransmission,
           let exact = owners.first(where: { !$0.isListener && $0.remote == remote }) {
            return exact.name
        }
        if let listener = owners.first(where: { $0.isListener }) {
            let listening = event.oldState?.state == .listen || event.newState?.state == .listen || remote.port == 0
            return listening ? listener.name : "(\(listener.name) queue)"
        }
        return actor(for: local, time: event.time)
    }
}
