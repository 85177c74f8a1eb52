import ArgumentParser

/// `tcplab`: learn and test the TCP connection lifecycle on real sockets.
@main
struct TCPLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcplab",
        abstract: "Learn and test the TCP connection lifecycle: annotated captures of real sockets.",
        subcommands: [ListCommand.self, RunCommand.self, InspectCommand.self, WatchCommand.self, CoverageCommand.self])
}
