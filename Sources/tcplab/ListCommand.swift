import ArgumentParser
import TCPLabEngine

/// `tcplab list`: the built-in labs, one line each.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the built-in labs with their one-line summaries and what each requires of the kernel.")

    func run() throws {
        let labs: [Lab]
        do {
            labs = try LabCatalog.builtIn()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        let width = labs.map(\.name.count).max() ?? 0
        var text = ""
        for lab in labs {
            // Requirements on the lab's own line, so each line still starts with a name.
            let requires = lab.requires.map { " (requires \($0))" } ?? ""
            text += lab.name + String(repeating: " ", count: width - lab.name.count + 2) + lab.summary + requires + "\n"
        }
        print(text, terminator: "")
    }
}
