import Foundation
import PackagePlugin

/// Compiles the lab files in Labs/ into the target as Swift source, so the built-in labs
/// travel inside the `tcplab` binary: `tcplab list` and `tcplab run NAME` work from any
/// directory and from a copy installed elsewhere, with no resource bundle to lose.
@main
struct EmbedLabs: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let labs = context.package.directoryURL.appending(path: "Labs")
        let files = try FileManager.default.contentsOfDirectory(at: labs, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltInLabFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) lab files from Labs/",
                executable: try context.tool(named: "tcplab-embed-labs").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]),
        ]
    }
}
