import TCPLabEngine
import XCTest

/// A `firewall:` step runs nft commands in the lab's namespace, and its report says what
/// they did, verb by verb: deleting a table is not adding rules.
final class FirewallStepKindTests: XCTestCase {
    /// Adding a table and a chain, flushing the chain and deleting the table each report
    /// their own verb, in the order the commands ran.
    func testTheFirewallStepReportsWhatItsCommandsDid() throws {
        try TestEnvironment.requireRoot()
        let lab = try LabFile.parse("""
            title: Firewall
            summary: Tables come and go.
            teaches: Nothing.
            actors:
              client: does nothing
            steps:
              - firewall: |
                  add table inet lab
                  add chain inet lab input { type filter hook input priority 0; policy accept; }
                  add rule inet lab input tcp dport 8080 drop
              - firewall: |
                  flush chain inet lab input
                  add rule inet lab input tcp dport 8081 drop
              - firewall: delete table inet lab
            lesson: None.
            """, name: "firewall", source: "firewall.yaml")
        let result = LabRunner().run(lab, capturePath: nil)
        XCTAssertTrue(result.passed, result.failures)
        XCTAssertEqual(result.steps.filter { $0.action.hasPrefix("firewall") }.map(\.observed), [
            "table, chain, rule added in the lab's namespace",
            "chain flushed, rule added in the lab's namespace",
            "table deleted in the lab's namespace",
        ])
    }
}
