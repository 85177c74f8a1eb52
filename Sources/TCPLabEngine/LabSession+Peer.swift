import TCPLabPacket
import TCPLabPeer
import TCPLabReport
import TCPLabSystem

extension LabSession {
    /// Makes the TUN device and the scripted peers' connections, for a lab with a peer.
    /// Returns false, with the reason in the result, when this user may not open
    /// /dev/net/tun: the lab is skipped, not failed.
    func startPeer() throws -> Bool {
        var connections: [ScriptedPeer.Connection] = []
        var generator = SystemRandomNumberGenerator()
        for actor in lab.actors {
            guard let end = actor.peer else { continue }
            connections.append(ScriptedPeer.Connection(
                actor: actor.name, local: end.address, remote: end.to,
                initialSequence: end.initialSequence ?? UInt32.random(in: 0 ... .max, using: &generator)))
            // The peer's segments are named after it in the capture, from the start.
            endpoints.append((end.address, actor.name, 0))
        }
        do throws(TunDevice.Failure) {
            peer = try ScriptedPeer(connections: connections)
        } catch {
            guard error.isUnavailable else { throw error }
            result.skipped = error.description
            return false
        }
        result.steps.append(StepResult(
            line: 0, actor: "setup", action: "TUN device \(ScriptedPeer.deviceName): kernel end \(ScriptedPeer.kernelAddresses.joined(separator: " and ")), peers behind it",
            expected: nil, observed: "up in the lab's namespace", status: .passed, time: elapsed, note: nil))
        return true
    }

    /// Runs one line of a scripted peer; `within` is the step's time, which a line's own
    /// `within` replaces.
    func perform(peerStep: PeerStep, of actor: String, within: Duration) throws -> (Bool, String) {
        guard let peer else { return (false, "the scripted peer is not running") }
        switch peerStep.action {
        case .send(let segment):
            let observed = try peer.send(segment, as: actor)
            // A segment sent from several ports (ports=N): each of them is the actor's in the capture.
            if segment.ports > 1, let local = peer.connections[actor]?.local,
               let ports = ScriptedPeer.ports(segment.ports, from: local.port) {
                for port in ports.dropFirst() { endpoints.append((Endpoint(address: local.address, port: port), actor, 0)) }
            }
            return (observed.hasPrefix("sent "), observed)
        case .expect(let pattern, let time):
            return try expect(pattern, of: actor, within: time ?? within, peer: peer)
        case .expectNothing(let time):
            return try expect(nil, of: actor, within: time ?? within, peer: peer)
        }
    }

    private func expect(_ pattern: PeerPattern?, of actor: String, within: Duration, peer: ScriptedPeer) throws -> (Bool, String) {
        let outcome: ScriptedPeer.Expectation
        do {
            outcome = try peer.expect(pattern, actor: actor, until: .now + within, interrupt: interruption?.descriptor)
        } catch is ScriptedPeer.Interrupted {
            throw Interrupted()
        }
        let waited = LabResult.formatSeconds(outcome.waited.inSeconds)
        guard let segment = outcome.segment else {
            return (outcome.passed, outcome.passed ? "nothing came in \(waited) s" : "nothing came within \(waited) s")
        }
        // The segment that came is shown either way; on a mismatch, as what came instead.
        return (outcome.passed, (outcome.passed ? "" : "came instead: ") + segment + " after \(waited) s")
    }
}
