import TCPLabKernel

extension LabSession {
    /// Whether the kernel's tcp_info for a socket shows what a check asks of the handshake
    /// (options in use, window scales, MSS), and the facts as `ss -i` prints them.
    func evaluateInfo(_ facts: SocketFacts, _ info: TCPInfo?) -> (Bool, String) {
        guard let info else { return (false, "the kernel gave no tcp_info for it (a request or TIME-WAIT socket)") }
        var holds = true
        if let negotiated = facts.negotiated { holds = holds && negotiated == info.options }
        if let comparison = facts.sendWindowScale { holds = holds && comparison.allows(Double(info.sendWindowScale)) }
        if let comparison = facts.receiveWindowScale { holds = holds && comparison.allows(Double(info.receiveWindowScale)) }
        if let comparison = facts.sendMSS { holds = holds && comparison.allows(Double(info.sendMSS)) }
        let names = info.options.names
        let shown = "options in use: \(names.isEmpty ? "none" : names.joined(separator: ", ")) (ss -i: \(info.summary))"
        return (holds, shown)
    }
}
