import TCPLabAnalysis
import TCPLabKernelLog
import TCPLabPacket
import XCTest

/// When the kernel log provably lacks a connection's moves: a timewait socket is only made
/// from a full socket in FIN-WAIT-2 or CLOSING, so a connection the kernel held in
/// FIN-WAIT-2 or TIME-WAIT must have a logged move into one of them. Under heavy load
/// (`tcplab run --jobs 8` on two cores) the kernel sometimes does not run the log's programs
/// for an orphan's moves on its peer's delayed ACK; these records are what such a run left.
final class KernelLogGapTests: XCTestCase {
    static let server = Endpoint(address: IPAddress("127.0.0.1")!, port: 8080)
    static let client = Endpoint(address: IPAddress("127.0.0.1")!, port: 56472)
    static let socket: UInt64 = 0xffff_8880_1234_5600

    /// A state event of the server's accepted socket.
    private func move(_ old: UInt8, _ new: UInt8, at time: Int64, source: Endpoint = server) -> KernelEvent {
        KernelEvent(
            kind: .state, time: time, source: source, destination: Self.client,
            oldState: KernelState(rawValue: old), newState: KernelState(rawValue: new),
            reason: nil, flags: nil, socket: Self.socket)
    }

    /// The client's FIN, taken by the server's timewait socket (now TIME-WAIT) and freed.
    private let finTakenByTimewait = KernelEvent(
        kind: .drop, time: 9_000, source: client, destination: server,
        oldState: KernelState(rawValue: 6), newState: KernelState(rawValue: 6),
        reason: "NOT_SPECIFIED", flags: [.ack, .fin], socket: 0xffff_8880_5678_9a00)

    /// The accepted socket's way to FIN-WAIT-1, as the log has it when the moves on the
    /// delayed ACK are lost (TCP_LISTEN 10, SYN_RECV 3, ESTABLISHED 1, FIN_WAIT1 4).
    private var untilFinWait1: [KernelEvent] {
        [move(10, 3, at: 1_000), move(3, 1, at: 1_100), move(1, 4, at: 2_000)]
    }

    /// The log saw the socket reach FIN-WAIT-1 and then its timewait socket take the
    /// client's FIN, with no move into FIN-WAIT-2 between: the moves are missing.
    func testTimewaitSocketWithoutTheMovesThatMakeOneIsAGap() {
        let gaps = KernelEvent.gaps(in: untilFinWait1 + [finTakenByTimewait], held: [])
        XCTAssertEqual(gaps, [KernelLogGap(local: Self.server, remote: Self.client, evidence: .timewaitTookPacket(finTakenByTimewait))])
    }

    /// With FIN-WAIT-1 → FIN-WAIT-2 and the handover to the timewait socket (the full
    /// socket's move to CLOSED, its port already given up) the record is whole.
    func testOrphansWholeWayToItsTimewaitSocketIsNoGap() {
        let whole = untilFinWait1 + [move(4, 5, at: 5_000), move(5, 7, at: 5_010, source: Endpoint(address: Self.server.address, port: 0)), finTakenByTimewait]
        XCTAssertEqual(KernelEvent.gaps(in: whole, held: []), [])
    }

    /// A simultaneous close reaches TIME-WAIT through CLOSING, not FIN-WAIT-2: that move
    /// accounts for the timewait socket as well.
    func testTimeWaitReachedThroughClosingIsNoGap() {
        let events = untilFinWait1 + [move(4, 11, at: 5_000), finTakenByTimewait]
        XCTAssertEqual(KernelEvent.gaps(in: events, held: []), [])
    }

    /// An orphan whose timewait socket took no packet before the log stopped is still
    /// shown by sock_diag: listed in FIN-WAIT-2 while the log has it in FIN-WAIT-1.
    func testSockDiagListingInFinWait2WithoutTheMoveIsAGap() {
        let held = [(local: Self.server, remote: Self.client, state: TCPState.finWait2, moment: "check at line 67")]
        let gaps = KernelEvent.gaps(in: untilFinWait1, held: held)
        XCTAssertEqual(gaps, [KernelLogGap(local: Self.server, remote: Self.client, evidence: .listed(.finWait2, moment: "check at line 67"))])
    }

    /// A socket the kernel still lists in FIN-WAIT-1 (its FIN not yet acknowledged) lacks
    /// nothing: no evidence, no gap.
    func testSocketStillInFinWait1IsNoGap() {
        let held = [(local: Self.server, remote: Self.client, state: TCPState.finWait1, moment: "after the last step")]
        XCTAssertEqual(KernelEvent.gaps(in: untilFinWait1, held: held), [])
    }

    /// A timewait socket for ends the log never saw as a full socket (made before the log
    /// started, or another lab's) proves nothing about this log.
    func testTimewaitSocketOfAConnectionTheLogNeverSawIsNoGap() {
        XCTAssertEqual(KernelEvent.gaps(in: [finTakenByTimewait], held: []), [])
    }
}
