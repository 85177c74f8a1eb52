import TCPLabAnalysis
import TCPLabPacket

extension KernelEvent {
    /// The connections the log saw as full sockets that the kernel later held in
    /// FIN-WAIT-2 or TIME-WAIT (a timewait socket of theirs took a packet, or `held`, what
    /// sock_diag listed while the log ran, says so), without any move of theirs into
    /// FIN-WAIT-2 or CLOSING in the log. See ``KernelLogGap``.
    public static func gaps(
        in events: [KernelEvent], held: [(local: Endpoint, remote: Endpoint, state: TCPState, moment: String)]
    ) -> [KernelLogGap] {
        struct Ends: Hashable {
            var local: Endpoint
            var remote: Endpoint
        }
        var seen: [Ends] = []
        var known: Set<Ends> = []
        var reached: Set<Ends> = []
        for event in events where event.kind == .state || event.kind == .timewait || event.kind == .timewaitChange {
            guard event.source.port != 0, event.destination.port != 0 else { continue }
            let ends = Ends(local: event.source, remote: event.destination)
            if known.insert(ends).inserted { seen.append(ends) }
            // A timewait event is the handover itself; a full socket's move into
            // FIN-WAIT-2 or CLOSING is what precedes any timewait socket.
            if event.kind != .state || [.finWait2, .closing].contains(event.newState?.state) { reached.insert(ends) }
        }
        var gaps: [KernelLogGap] = []
        for ends in seen where !reached.contains(ends) {
            if let taken = events.first(where: { event in
                event.kind == .drop && event.oldState?.state == .timeWait
                    && event.destination == ends.local && event.source == ends.remote
            }) {
                gaps.append(KernelLogGap(local: ends.local, remote: ends.remote, evidence: .timewaitTookPacket(taken)))
            } else if let listed = held.first(where: { socket in
                socket.local == ends.local && socket.remote == ends.remote && [.finWait2, .timeWait].contains(socket.state)
            }) {
                gaps.append(KernelLogGap(local: ends.local, remote: ends.remote, evidence: .listed(listed.state, moment: listed.moment)))
            }
        }
        return gaps
    }
}
