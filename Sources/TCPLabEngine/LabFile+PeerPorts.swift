import TCPLabPacket
import TCPLabPeer

extension LabFile {
    /// Checks the ports a peer's `send ... ports=N` lines send from, before anything runs:
    /// they must stay at or below 65535 and must not be another peer's end, whose segments
    /// would then be sorted to the wrong actor.
    static func checkPeerPorts(actors: [Lab.Actor], steps: [Step], file: String) throws(LabFileError) {
        let ends = actors.compactMap { actor in actor.peer.map { (actor: actor.name, end: $0.address) } }
        for step in steps {
            guard case .peer(let name, let line) = step.action, case .send(let segment) = line.action, segment.ports > 1,
                  let own = ends.first(where: { $0.actor == name })?.end else { continue }
            guard let ports = ScriptedPeer.ports(segment.ports, from: own.port) else {
                throw LabFileError(file: file, line: step.line, message: "ports=\(segment.ports) from \(name)'s port \(own.port) would pass port 65535")
            }
            if let other = ends.first(where: { $0.actor != name && $0.end.address == own.address && ports.contains($0.end.port) }) {
                throw LabFileError(file: file, line: step.line, message: "ports=\(segment.ports) sends from \(own.address) ports \(ports.lowerBound) to \(ports.upperBound), which include \(other.actor)'s end \(other.end): give the peers ports further apart")
            }
        }
    }
}
