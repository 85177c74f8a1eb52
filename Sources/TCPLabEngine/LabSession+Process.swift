import TCPLabKernel
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension LabSession {
    /// Runs a `process:` step: hands a socket to a child process, or kills that child.
    /// The report says what the kernel's close will send, from the socket's state as
    /// sock_diag shows it just before, because nothing the lab does is hidden.
    func perform(_ step: ProcessStep) throws -> (Bool, String) {
        guard let labSocket = sockets[step.socket] else {
            // The lab file's check names every process step's socket before the run.
            throw LabSetupError(message: "a process step names '\(step.socket)', which is no socket of this lab")
        }
        switch step {
        case .hold:
            if let holder = labSocket.holder, !holder.hasEnded {
                return (false, "\(labSocket.name)'s socket is held already by child process \(holder.pid): kill it first")
            }
            guard let socket = labSocket.socket, !socket.isClosed else {
                return (false, "\(labSocket.name) has no open socket to hand over: a 'socket' step must come first")
            }
            let state = kernelRecord(of: labSocket, in: try SocketDiagnostics.tcpSockets())?.state.rawValue ?? "no connection"
            let holder = try HoldingProcess(holding: socket.descriptor)
            labSocket.holder = holder
            // The lab's descriptor goes; the open socket lives on in the child alone, so
            // this close sends nothing.
            try socket.close()
            return (true, "child process \(holder.pid) (\(HoldingProcess.program)) holds \(labSocket.name)'s socket (\(state)); the lab closed its own descriptor, which sends nothing while the child holds the socket")
        case .kill:
            guard let holder = labSocket.holder, !holder.hasEnded else {
                return (false, "no child process holds \(labSocket.name)'s socket: a 'process: hold \(labSocket.name)' step must come first")
            }
            let fate = closingFate(of: labSocket)
            let termination = try holder.kill(SIGKILL)
            let passed = termination == .signalled(SIGKILL)
            return (passed, "sent SIGKILL to child process \(holder.pid), which \(termination); the kernel closed its descriptors as it died, the last one to \(labSocket.name)'s socket \(fate)")
        }
    }

    /// What the kernel's close of `labSocket`'s socket sends, read from its state and
    /// receive queue now: FIN, or RST when received data is unread (RFC 2525, 2.17).
    func closingFate(of labSocket: LabSocket) -> String {
        let listed = (try? SocketDiagnostics.tcpSockets()) ?? []
        guard let record = kernelRecord(of: labSocket, in: listed), record.state != .closed else {
            return "(no connection): that sends nothing"
        }
        switch record.state {
        case .listen:
            return "(a listener): connections still in its accept queue are reset"
        case .established, .closeWait, .synReceived:
            return record.receiveQueue > 0
                ? "(\(record.state.rawValue), \(record.receiveQueue) bytes unread): that sends RST"
                : "(\(record.state.rawValue), nothing unread): that sends FIN"
        default:
            return "(\(record.state.rawValue))"
        }
    }
}
