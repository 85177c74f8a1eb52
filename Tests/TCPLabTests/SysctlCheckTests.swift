import TCPLabEngine
import XCTest

/// `check: {sysctl: NAME, value: V}` reads a network setting in the lab's namespace; the
/// file is checked before anything runs (the lab's own reading is in
/// DataRetransmissionLabTests).
final class SysctlCheckTests: XCTestCase {
    private let header = """
        title: A lab
        summary: One line.
        teaches: Something.
        actors:
          client: connects
        lesson: What happened.

        """

    /// A sysctl check names a network setting and the value it must have, as text.
    func testSysctlCheckParsesWithItsValue() throws {
        let lab = try LabFile.parse(header + "steps:\n  - check: {sysctl: net.ipv4.tcp_retries2, value: 15}\n", name: "t", source: "t.yaml")
        guard case .check(.sysctl(let name, let value)) = lab.steps.first?.action else {
            return XCTFail("not a sysctl check: \(String(describing: lab.steps.first?.action))")
        }
        XCTAssertEqual(name, "net.ipv4.tcp_retries2")
        XCTAssertEqual(value, "15")
    }

    /// Only network settings may be read, and the value is required; each mistake is one
    /// error with its line.
    func testSysctlCheckRefusesOtherSettingsAndAMissingValue() {
        for (steps, message) in [
            ("steps:\n  - check: {sysctl: kernel.hostname, value: x}\n", "'kernel.hostname' is not a network sysctl"),
            ("steps:\n  - check: {sysctl: net.ipv4.tcp_retries2}\n", "check on a sysctl needs 'value'"),
        ] {
            do {
                _ = try LabFile.parse(header + steps, name: "t", source: "t.yaml")
                XCTFail("accepted: \(steps)")
            } catch {
                XCTAssertTrue(error.message.hasPrefix(message), error.message)
                XCTAssertEqual(error.line, 8)
            }
        }
    }
}
