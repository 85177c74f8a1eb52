import TCPLabEngine
import TCPLabPeer
import XCTest

/// `ports=N` makes one peer line a flood: the same segment from N source ports, as N
/// clients would send it (Labs/two-queues.yaml sends 16 SYNs this way).
final class PeerFloodScriptTests: XCTestCase {
    private func parseError(_ text: String) -> String? {
        do {
            _ = try PeerStep(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    /// A send line without `ports` sends once; `ports=32` sends from 32 ports.
    func testPortsWordSetsHowManySourcePortsSend() throws {
        guard case .send(let one) = try PeerStep(parsing: "send S mss=1460").action else { return XCTFail("not a send") }
        XCTAssertEqual(one.ports, 1)
        guard case .send(let flood) = try PeerStep(parsing: "send S mss=1460 sackok wscale=7 ports=32").action else { return XCTFail("not a send") }
        XCTAssertEqual(flood.ports, 32)
        XCTAssertEqual(flood.flags, [.syn])
        XCTAssertEqual(flood.windowScale, 7)
    }

    /// The ports run from the peer's own port upwards, and a range that would pass port
    /// 65535 is refused rather than wrapped around to port 0.
    func testPortsRunUpwardsFromThePeersOwnAndNeverWrap() {
        XCTAssertEqual(ScriptedPeer.ports(32, from: 40000), 40000...40031)
        XCTAssertEqual(ScriptedPeer.ports(1, from: 65535), 65535...65535)
        XCTAssertEqual(ScriptedPeer.ports(6, from: 65530), 65530...65535)
        XCTAssertNil(ScriptedPeer.ports(7, from: 65530))
    }

    /// `ports` takes 1 to 1000, and only in send: an expect concerns the peer's own port.
    func testPortsIsOneToAThousandAndOnlyInSend() {
        XCTAssertEqual(parseError("send S ports=0"), "ports takes 1 to 1000 source ports, not '0'")
        XCTAssertEqual(parseError("send S ports=1001"), "ports takes 1 to 1000 source ports, not '1001'")
        XCTAssertEqual(parseError("send S ports=-3"), "ports takes 1 to 1000 source ports, not '-3'")
        XCTAssertEqual(parseError("send S ports"), "'ports' needs a value, e.g. ports=32")
        XCTAssertTrue(parseError("expect SA ports=3")?.hasPrefix("unknown word 'ports=3' in expect") == true, parseError("expect SA ports=3") ?? "parsed")
    }

    /// The vocabulary's table carries the word, so Labs/README.md documents it.
    func testVocabularyTableDocumentsPorts() {
        XCTAssertTrue(PeerVocabulary.markdown.contains("| `ports=32` | send |"))
    }

    /// A lab whose flood would pass port 65535, or send from another peer's end, is a
    /// `file:line:` error before anything runs.
    func testLabFileRefusesFloodPortsPastTheEndOrOnAnotherPeer() {
        func refusal(_ steps: String, port: Int = 40000) -> LabFileError? {
            let text = """
                title: A lab
                summary: One line.
                teaches: Something.
                actors:
                  flood:
                    description: tcplab
                    peer: 192.0.2.1:\(port)
                    to: 192.0.2.2:8080
                  other:
                    description: tcplab too
                    peer: 192.0.2.1:40010
                    to: 192.0.2.2:8080
                steps:
                \(steps)
                lesson: What happened.

                """
            do {
                _ = try LabFile.parse(text, name: "t", source: "t.yaml")
                return nil
            } catch {
                return error
            }
        }
        XCTAssertNil(refusal("  - flood: send S ports=10"))
        let overlap = refusal("  - flood: send S ports=11")
        XCTAssertEqual(overlap?.line, 14)
        XCTAssertEqual(overlap?.message, "ports=11 sends from 192.0.2.1 ports 40000 to 40010, which include other's end 192.0.2.1:40010: give the peers ports further apart")
        let past = refusal("  - flood: send S ports=7", port: 65530)
        XCTAssertEqual(past?.message, "ports=7 from flood's port 65530 would pass port 65535")
        XCTAssertNil(refusal("  - flood: send S ports=6", port: 65530))
    }
}
