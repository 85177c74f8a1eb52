import TCPLabEngine
import TCPLabReport
import XCTest

/// TCP is a byte stream: no message boundaries, framing, and Nagle's delay
/// (Labs/stream-boundaries.yaml).
final class StreamBoundariesLabTests: LabTestCase {
    override class var labName: String { "stream-boundaries" }

    /// Every step and expectation of the lab held.
    func testLabPasses() throws {
        let result = lab
        XCTAssertTrue(result.passed, result.failures)
    }

    /// Three sends, three segments on the wire, one recv with all the bytes: the
    /// receiver cannot tell where one message ended.
    func testThreeSendsArriveInOneRecv() throws {
        let result = lab
        XCTAssertEqual(result.step("conn", "recv")?.observed, #"14 bytes: "one\ntwo\nthree\n""#)
        // Captured: the client's first three data segments carry 4, 4 and 6 bytes.
        let first = result.segments(from: "client", label: "data").prefix(3).map(\.len)
        XCTAssertEqual(Array(first), [4, 4, 6])
    }

    /// With a 4-byte length before each message, the receiver gets the messages back.
    func testLengthPrefixedFramingRecoversTheMessages() throws {
        let messages = lab.steps("conn", "recv framed").map(\.observed)
        XCTAssertEqual(messages, [#"3 bytes: "one""#, #"3 bytes: "two""#, #"5 bytes: "three""#])
    }

    /// Write, write, read with Nagle: the second write waits for the ACK of the first,
    /// which the receiver delays by about 40 ms (TCP_DELACK_MIN, HZ/25, rounded up to
    /// the 4 ms tick). The delay shows both in the receiver's recv and on the wire.
    func testNagleWithDelayedACKHoldsTheSecondWrite() throws {
        let result = lab
        let wait = try XCTUnwrap(result.step("conn2", "recv 6 bytes")?.duration)
        XCTAssertEqual(wait, 0.044, accuracy: 0.025, "conn2 waited \(wait) s")
        // Captured: client2's data segments "hello", "GET ", "/\n", and between the last
        // two the server's delayed pure ACK.
        let data = result.segments(from: "client2", label: "data")
        XCTAssertEqual(data.map(\.len), [5, 4, 2])
        let gap = data[2].time - data[1].time
        XCTAssertEqual(gap, 0.044, accuracy: 0.025, "the second piece left \(gap) s after the first")
        let ack = result.segments(from: "server", to: "client2", label: "pure ACK").last { $0.frame < data[2].frame }
        XCTAssertEqual(ack?.ack, data[1].seq + 4, "the delayed ACK acknowledges \"GET \"")
    }

    /// With TCP_NODELAY the same exchange does not wait.
    func testNoDelaySendsTheSecondWriteAtOnce() throws {
        let result = lab
        let wait = try XCTUnwrap(result.step("conn3", "recv 6 bytes")?.duration)
        XCTAssertLessThan(wait, 0.015)
        let data = result.segments(from: "client3", label: "data")
        XCTAssertEqual(data.map(\.len), [5, 4, 2])
        XCTAssertLessThan(data[2].time - data[1].time, 0.010)
    }
}
