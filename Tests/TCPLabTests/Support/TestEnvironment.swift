import Foundation
import Glibc
import XCTest

/// Where things are, and what this machine lets the tests do.
///
/// Every skip of the suite comes from here, and each one is thrown by a `require…` call
/// written as a statement of its own, in `setUpWithError` or at the top of a test. Thrown
/// inside an `XCTAssert…` or `XCTUnwrap` argument, an `XCTSkip` is caught by the assertion
/// and counted as a failure; ``SuiteShapeTests`` reads the test sources and fails if a
/// `require…` call or an `XCTSkip` appears anywhere else.
///
/// A skip must never hide a broken machine where the tests are meant to run in full: as
/// root, a missing privilege fails the test instead of skipping it, and on CI (`CI` set in
/// the environment, as CI services do) so does a missing tool, because `.ci/setup`
/// installs them all.
enum TestEnvironment {
    /// The directory holding the built products (`tcplab` beside the test bundle).
    static var productsDirectory: URL {
        // On Linux the bundle URL is the build directory itself; on other systems, the .xctest bundle.
        let bundle = Bundle(for: BundleLocator.self).bundleURL
        return bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    }

    /// The `tcplab` executable built with the tests.
    static var tcplab: String { productsDirectory.appendingPathComponent("tcplab").path }

    /// The package's root directory (holding Package.swift, Captures/, Labs/, Tests/).
    ///
    /// Found by walking up from the products (`<root>/.build/<triple>/debug`), so a copy of
    /// the repository with its `.build` (as `.ci/run` makes for its unprivileged run) reads
    /// its own files; the source path compiled in is the fallback. Tests find the package's
    /// files through this, never through `#filePath` (``SuiteShapeTests`` checks).
    static var packageRoot: URL {
        var directory = productsDirectory.standardizedFileURL
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Whether the tests run on CI, where every tool `.ci/setup` installs must be present.
    static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return !value.isEmpty && value != "false" && value != "0"
    }

    /// Whether the process runs as root.
    static var isRoot: Bool { geteuid() == 0 }

    /// Skips the test unless it runs as root: namespaces and packet capture need
    /// CAP_SYS_ADMIN and CAP_NET_RAW. CI runs as root, so these tests run there.
    ///
    /// As root without those capabilities (a container that dropped them), the test fails:
    /// a root run that quietly skipped the labs would pass while checking nothing.
    static func requireRoot() throws {
        guard isRoot else {
            throw XCTSkip("needs root: creating a network namespace (CAP_SYS_ADMIN) and capturing on its lo (CAP_NET_RAW)")
        }
        let missing = [(21, "CAP_SYS_ADMIN"), (13, "CAP_NET_RAW"), (12, "CAP_NET_ADMIN")]
            .filter { effectiveCapabilities & (1 << UInt64($0.0)) == 0 }.map(\.1)
        if !missing.isEmpty {
            throw EnvironmentFailure("runs as root but lacks \(missing.joined(separator: ", ")); a root run must not skip the labs")
        }
    }

    /// Skips the test unless labs can run here: as root, or as an ordinary user on a kernel
    /// that lets ordinary users create user namespaces (tcplab then runs its labs in one).
    static func requireLabPrivilege() throws {
        if isRoot { return try requireRoot() }
        if !userNamespacesAllowed {
            throw XCTSkip("needs root, or a kernel that lets ordinary users create user namespaces (unshare -Urn fails here)")
        }
    }

    /// Skips the test unless `tool` is on PATH (the README's test command installs them all);
    /// fails instead on CI, where `.ci/setup` has installed it.
    static func requireTool(_ tool: String) throws {
        let found = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
        if found { return }
        if isCI { throw EnvironmentFailure("\(tool) is not installed, but CI installs it (bash .ci/setup)") }
        throw XCTSkip("\(tool) is not installed (bash .ci/setup installs it)")
    }

    /// The directory `relativePath` (such as "shared/captures") beside the package or beside
    /// a directory above it, holding `marker`; a skip naming `what` where there is none.
    ///
    /// For data kept outside the repository, which neither `.ci/setup` nor a clone brings:
    /// it skips even as root and on CI. The ordinary user's run on CI works on a copy in
    /// /tmp, so there it finds nothing and skips.
    static func requireDirectoryNearPackage(_ relativePath: String, holding marker: String, _ what: String) throws -> URL {
        var directory = packageRoot
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            let candidate = directory.appendingPathComponent(relativePath)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) { return candidate }
        }
        throw XCTSkip("\(what) is not here: no \(relativePath)/\(marker) beside \(packageRoot.path) or above it")
    }

    /// The skip for a privilege the kernel refused although the test's `require…` passed:
    /// a failure as root, a skip otherwise. Throw it as a statement.
    static func privilegeRefused(_ reason: String) -> any Error {
        isRoot ? EnvironmentFailure("refused while running as root: \(reason)") : XCTSkip(reason)
    }

    /// A fresh temporary directory, removed when the test case finishes.
    static func temporaryDirectory(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The effective capability set (CapEff in /proc/self/status), as bits.
    private static var effectiveCapabilities: UInt64 {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
        return line.flatMap { UInt64($0.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
    }

    /// Whether an ordinary user may create a user namespace with a network namespace,
    /// asked of the kernel once by trying it (`unshare -Urn true`).
    private static let userNamespacesAllowed: Bool = {
        guard let run = try? ChildProcess.run(["unshare", "-Urn", "true"]) else { return false }
        return run.status == 0
    }()

    private final class BundleLocator {}
}

/// The machine cannot run a test it is meant to run (root without capabilities, a tool
/// missing on CI): the test fails with this reason instead of skipping.
struct EnvironmentFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
