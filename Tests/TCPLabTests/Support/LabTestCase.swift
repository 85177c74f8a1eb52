import TCPLabEngine
import TCPLabReport
import XCTest

/// The base of the tests about one built-in lab, each of which states one fact of the same
/// run (the lab runs once per test process, see ``LabRuns``).
///
/// `setUpWithError` checks for root in a statement of its own, then runs the lab; the tests
/// read ``lab``, a plain property. So the skip for a missing privilege is thrown where
/// XCTest treats it as a skip, never inside an `XCTAssert…` or `XCTUnwrap` argument, where
/// it would be caught and counted as a failure.
class LabTestCase: XCTestCase {
    /// The built-in lab the class is about (a name `tcplab list` prints); subclasses override it.
    class var labName: String { "" }

    private var result: LabResult?

    /// The lab's result, set before every test.
    var lab: LabResult {
        guard let result else { preconditionFailure("setUpWithError runs the lab before every test") }
        return result
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try TestEnvironment.requireRoot()
        result = try LabRuns.result(Self.labName)
    }
}
