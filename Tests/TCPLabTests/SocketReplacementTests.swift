import TCPLabEngine
import XCTest

/// A step that replaces a socket an actor still holds closes the old one first. That close
/// puts a FIN or an RST on the wire, so the report says so instead of hiding it.
final class SocketReplacementTests: XCTestCase {
    /// A second `socket` step for a connected client closes the connection (FIN), and the
    /// step's result says which socket was closed, in which state, and what that sent.
    func testReplacingAConnectedSocketSaysItSendsFIN() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse("""
            title: Replace
            summary: A socket step replaces an open socket.
            teaches: Nothing.
            actors:
              server: listens
              client: connects, then makes a new socket
            steps:
              - server: socket
              - server: bind 127.0.0.1:8080
              - server: listen 8
              - client: socket
              - client: connect 127.0.0.1:8080
              - server: accept
                as: conn
              - client: socket
              - wait: {segment: {from: client, flags: F}}
              - check: {socket: conn, state: CLOSE-WAIT}
            lesson: None.
            """, name: "replace", source: "replace.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.failures)
        let sockets = result.steps.filter { $0.actor == "client" && $0.action.hasPrefix("socket") }
        XCTAssertEqual(sockets.map(\.observed), [
            "ok",
            "ok; closed the socket client held (ESTABLISHED): that sends FIN",
        ])
    }

    /// Replacing a socket that never connected sends nothing, and the report says that too.
    func testReplacingAnUnconnectedSocketSaysItHadNoConnection() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse("""
            title: Replace
            summary: A socket step replaces an unconnected socket.
            teaches: Nothing.
            actors:
              client: makes two sockets
            steps:
              - client: socket
              - client: socket
            lesson: None.
            """, name: "replace", source: "replace.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.failures)
        XCTAssertEqual(result.steps.last?.observed, "ok; closed the socket client held, which had no connection")
    }
}
