import ArgumentParser
import TCPLabAnalysis
import TCPLabPacket

/// The options that choose which connection summaries are printed, shared by `inspect`
/// and `watch`.
struct SummaryOptions: ParsableArguments {
    @Option(
        name: .customLong("only"),
        help: ArgumentHelp(
            "Show only connections that answer this question (repeat for any of several; defined below).",
            valueName: "QUESTION"))
    var only: [ConnectionFilter] = []

    @Option(name: .customLong("port"), help: ArgumentHelp("Show only connections with an endpoint on this port (repeatable).", valueName: "PORT"))
    var ports: [UInt16] = []

    @Option(name: .customLong("host"), help: ArgumentHelp("Show only connections with an endpoint at this IPv4 or IPv6 address (repeatable).", valueName: "ADDRESS"))
    var hosts: [HostAddress] = []

    /// The selection these options describe.
    var selection: ConnectionSelection {
        ConnectionSelection(only: only, ports: ports, hosts: hosts.map(\.address))
    }
}

extension ConnectionFilter: ExpressibleByArgument {}

/// An address typed after `--host`.
struct HostAddress: ExpressibleByArgument {
    let address: IPAddress

    init?(argument: String) {
        guard let address = IPAddress(argument) else { return nil }
        self.address = address
    }
}

extension SummaryOptions {
    /// What `--help` says about summaries: the columns' codes and the questions, from the
    /// tables in TCPLabAnalysis.
    static var help: String {
        """
        --format summary prints one line per connection, in the order connections end: \
        start and duration in seconds, the endpoints, Zeek's conn_state and history, how it \
        opened and ended, who closed first, bytes and segments each way, retransmissions, \
        resets and the handshake round trip. summary-jsonl prints the same as JSON, one \
        object a line.

        conn_state (Zeek's codes; the originator is the client, the side that sent the first SYN):
        \(indented(ZeekConnectionState.legend))

        history (Zeek's letters, upper case from the client, lower case from the server):
        \(indented(ConnectionHistory.legend))

        --only QUESTION:
        \(indented(ConnectionFilter.legend))
        """
    }

    private static func indented(_ text: String) -> String {
        text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
}
