import Foundation
import Glibc
import XCTest

/// A real headless Chromium, driven through chromedriver's W3C WebDriver HTTP interface,
/// for tests that load tcplab's pages as a reader's browser would.
///
/// chromedriver listens on a loopback port of its own; the browser opens only file: URLs.
/// Both processes end with ``close()`` (or when the test case tears down).
final class Browser {
    private let driver: ChildProcess
    private let base: String
    private let session: String

    /// Starts chromedriver and a headless Chromium session. The test checks first that both
    /// are installed (`TestEnvironment.requireTool`, in its setUpWithError).
    init(for test: XCTestCase, width: Int = 1400, height: Int = 1000) throws {
        let port = try Browser.freeLoopbackPort()
        let directory = try TestEnvironment.temporaryDirectory(for: test)
        // chromedriver says on stdout when it listens; its stdout goes to the pipe we read.
        driver = try ChildProcess(
            ["sh", "-c", "exec chromedriver --port=\(port) --allowed-ips=127.0.0.1 1>&2"], pipeStderr: true)
        base = "http://127.0.0.1:\(port)"
        guard try driver.waitForErrorLine(containing: "started successfully", timeout: 20) else {
            driver.signal(SIGTERM)
            _ = try? driver.wait()
            throw EnvironmentFailure("chromedriver did not start listening on port \(port) within 20 s")
        }
        let profile = directory.appendingPathComponent("profile").path
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=\(width),\(height)", "--user-data-dir=\(profile)",
                        ],
                    ],
                    "goog:loggingPrefs": ["browser": "ALL"],
                ] as [String: Any],
            ],
        ]
        // Whatever goes wrong from here, chromedriver must not outlive the test.
        let created: [String: Any]
        do {
            created = try Browser.request("POST", base + "/session", body: capabilities)
        } catch {
            driver.signal(SIGTERM)
            _ = try? driver.wait()
            throw error
        }
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.signal(SIGTERM)
            _ = try? driver.wait()
            throw EnvironmentFailure("chromedriver made no session: \(created)")
        }
        session = id
        test.addTeardownBlock { [self] in close() }
    }

    private var closed = false

    /// Ends the session and chromedriver.
    func close() {
        guard !closed else { return }
        closed = true
        _ = try? Browser.request("DELETE", "\(base)/session/\(session)", body: nil)
        driver.signal(SIGTERM)
        _ = try? driver.wait()
    }

    /// Opens a file in the browser and waits for its load event (WebDriver's default).
    func open(_ path: String) throws {
        _ = try command("POST", "url", ["url": "file://" + path])
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try command("POST", "execute/sync", ["script": script, "args": arguments])
    }

    /// Clicks the first element matching the CSS selector, as a mouse would.
    func click(_ selector: String) throws {
        let found = try command("POST", "element", ["using": "css selector", "value": selector])
        guard let element = found as? [String: Any], let id = element.values.first as? String else {
            throw EnvironmentFailure("no element matches \(selector)")
        }
        _ = try command("POST", "element/\(id)/click", [:])
    }

    /// The browser's console messages at SEVERE level (errors), since the last call.
    func consoleErrors() throws -> [String] {
        let entries = try command("POST", "se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { ($0["level"] as? String) == "SEVERE" }.map { "\($0["message"] ?? "")" }
    }

    /// A PNG of the window.
    func screenshot() throws -> Data {
        guard let text = try command("GET", "screenshot", nil) as? String, let data = Data(base64Encoded: text) else {
            throw EnvironmentFailure("chromedriver returned no screenshot")
        }
        return data
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]?) throws -> Any? {
        let reply = try Browser.request(method, "\(base)/session/\(session)/\(path)", body: body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw EnvironmentFailure("WebDriver \(path): \(error): \(value["message"] ?? "")")
        }
        return reply["value"]
    }

    /// One HTTP/1.1 exchange with chromedriver on a fresh connection (Connection: close).
    ///
    /// A plain socket rather than URLSession: chromedriver writes headers without a space
    /// after the colon ("Content-Length:915"), which swift-corelibs-foundation rejects.
    private static func request(_ method: String, _ url: String, body: [String: Any]?) throws -> [String: Any] {
        guard let parsed = URL(string: url), let port = parsed.port else { throw EnvironmentFailure("bad URL \(url)") }
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        var head = "\(method) \(parsed.path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n\r\n"
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw EnvironmentFailure("socket: errno \(errno)") }
        defer { _ = Glibc.close(descriptor) }
        // A page load may take a while; a minute is the most any one command may take.
        var limit = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw EnvironmentFailure("connect to chromedriver: errno \(errno)") }
        let outgoing = Array(head.utf8) + [UInt8](payload)
        var sent = 0
        while sent < outgoing.count {
            let n = outgoing[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw EnvironmentFailure("send to chromedriver: errno \(errno)") }
            sent += n
        }
        // Read the header, then exactly Content-Length bytes: chromedriver keeps the
        // connection open despite "Connection: close".
        var incoming: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        var length = 0
        let separator: [UInt8] = [13, 10, 13, 10]
        while headerEnd.map({ incoming.count < $0 + length }) ?? true {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw EnvironmentFailure("recv from chromedriver: errno \(errno)")
            }
            incoming += buffer[..<n]
            if headerEnd == nil, incoming.count >= 4,
               let split = (0...(incoming.count - 4)).first(where: { Array(incoming[$0..<$0 + 4]) == separator }) {
                headerEnd = split + 4
                let header = String(decoding: incoming[..<split], as: UTF8.self).lowercased()
                for line in header.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let headerEnd else { throw EnvironmentFailure("chromedriver's answer has no header end") }
        let content = Data(incoming[headerEnd...])
        if content.isEmpty { return [:] }
        return (try JSONSerialization.jsonObject(with: content) as? [String: Any]) ?? [:]
    }

    /// A loopback TCP port nobody listens on now (bind to port 0, read it, close).
    private static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = Glibc.close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw EnvironmentFailure("no free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
