import Foundation
import Glibc
import XCTest

/// Where things are, and what this machine lets the tests do.
enum TestEnvironment {
    /// The directory holding the built products (`tcplab` beside the test bundle).
    static var productsDirectory: URL {
        // On Linux the bundle URL is the build directory itself; on other systems, the .xctest bundle.
        let bundle = Bundle(for: BundleLocator.self).bundleURL
        return bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    }

    /// The `tcplab` executable built with the tests.
    static var tcplab: String { productsDirectory.appendingPathComponent("tcplab").path }

    /// Skips the test unless it runs as root: namespaces and packet capture need
    /// CAP_SYS_ADMIN and CAP_NET_RAW. CI runs as root, so these tests run there.
    static func requireRoot() throws {
        if geteuid() != 0 {
            throw XCTSkip("needs root: creating a network namespace (CAP_SYS_ADMIN) and capturing on its lo (CAP_NET_RAW)")
        }
    }

    /// Skips the test unless `tool` is on PATH (the README's test command installs them all).
    static func requireTool(_ tool: String) throws {
        let found = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
        if !found { throw XCTSkip("\(tool) is not installed (apt-get install tshark tcpdump)") }
    }

    /// A fresh temporary directory, removed when the test case finishes.
    static func temporaryDirectory(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private final class BundleLocator {}
}
