import TCPLabAnalysis
import TCPLabPacket
import XCTest

/// RFC 9293's state machine is one table (``TransitionTable``), and the analyzer moves each
/// endpoint only by its rows. These tests read the table as data (complete, consistent,
/// every row citing a real section) and feed the analyzer synthetic connections to see
/// which row each segment names. No root, no network.
final class StateMachineTableTests: XCTestCase {
    // MARK: The table as data

    /// Every state of RFC 9293's diagram has rows leaving it: no state is a dead end the
    /// table forgot (CLOSED's rows answer segments; TIME-WAIT's end with its timer).
    func testEveryStateHasRows() {
        for state in TCPState.allCases {
            XCTAssertFalse(TransitionTable.rows.filter { $0.from == state }.isEmpty, "no row leaves \(state)")
        }
    }

    /// Every state is reachable from CLOSED by the table's rows, and CLOSED from every
    /// state: the table is one connected machine, as the RFC's figure 5 is.
    func testEveryStateIsReachableFromClosedAndLeadsBackToIt() {
        func reachable(from start: TCPState, forward: Bool) -> Set<TCPState> {
            var seen: Set<TCPState> = [start]
            var frontier = [start]
            while let state = frontier.popLast() {
                for row in TransitionTable.rows where (forward ? row.from : row.to) == state {
                    let next = forward ? row.to : row.from
                    if seen.insert(next).inserted { frontier.append(next) }
                }
            }
            return seen
        }
        XCTAssertEqual(reachable(from: .closed, forward: true), Set(TCPState.allCases))
        XCTAssertEqual(reachable(from: .closed, forward: false), Set(TCPState.allCases))
    }

    /// Each row cites a section that RFC 9293 has (3.3.2, 3.5.x, 3.6.x, 3.10.x...): the list
    /// of sections is checked against the RFC's table of contents once, here.
    func testEveryRowCitesASectionOfRFC9293() {
        let contents: Set<String> = [
            "3.3.2", "3.5", "3.5.1", "3.5.2", "3.5.3", "3.6", "3.6.1", "3.8.3", "3.8.4",
            "3.10.1", "3.10.2", "3.10.4", "3.10.5", "3.10.7.1", "3.10.7.2", "3.10.7.3", "3.10.7.4", "3.10.8",
        ]
        XCTAssertEqual(Set(RFC9293Section.all.map(\.number)), contents)
        for row in TransitionTable.rows {
            XCTAssertTrue(RFC9293Section.all.contains(row.section), "\(row.id) cites §\(row.section.number)")
        }
        // Segments arriving are §3.10.7.x, calls their own §3.10.x, timers §3.10.8.
        for row in TransitionTable.rows where row.inRFC {
            switch row.event {
            case .passiveOpen, .activeOpen: XCTAssertEqual(row.section, .openCall, row.id)
            case .close: XCTAssertEqual(row.section, .closeCall, row.id)
            case .abort: XCTAssertEqual(row.section, .abortCall, row.id)
            case .userTimeout, .timeWaitTimeout: XCTAssertEqual(row.section, .timeouts, row.id)
            default: break
            }
        }
    }

    /// A row's id is stable and readable: unique, and "state/event" with the state it
    /// leaves, so `reaches:` in a lab file and the kernel's confirmation can name it.
    func testRowIDsAreUniqueAndNameTheStateTheyLeave() {
        XCTAssertEqual(Set(TransitionTable.rows.map(\.id)).count, TransitionTable.rows.count, "duplicate ids")
        for row in TransitionTable.rows {
            let state = row.from.rawValue.lowercased()
            XCTAssertTrue(row.id.hasPrefix(state + "/"), "\(row.id) does not start with \(state)/")
            XCTAssertEqual(TransitionTable.row(row.id)?.to, row.to)
        }
    }

    /// One state and one event lead to one row (for an endpoint's way of opening): the
    /// analyzer's lookup can never pick between two.
    func testTheTableIsDeterministic() {
        for opening in [StateTransition.Opening.passive, .active] {
            var seen: Set<String> = []
            for row in TransitionTable.rows where row.opening == nil || row.opening == opening {
                XCTAssertTrue(seen.insert("\(row.from) \(row.event)").inserted, "two rows for \(row.from), \(row.event) (\(opening))")
            }
        }
    }

    /// Where Linux departs from the RFC the row says so, in the words the kernel's behaviour
    /// was measured with (/work/shared facts): TIME-WAIT's fixed 60 s, RST instead of FIN
    /// with unread data, the listener's invisible SYN-RECEIVED, FIN-WAIT-2's tcp_fin_timeout.
    func testLinuxDeparturesAreWrittenBesideTheirRows() throws {
        func linux(_ id: String) throws -> String { try XCTUnwrap(TransitionTable.row(id)?.linux, id) }
        XCTAssertTrue(try linux("time-wait/time-wait-timeout").contains("60 s, fixed (TCP_TIMEWAIT_LEN), not 2 MSL"))
        XCTAssertTrue(try linux("established/close").contains("RST instead of FIN (RFC 2525"))
        XCTAssertTrue(try linux("listen/syn").contains("TCP_NEW_SYN_RECV"))
        XCTAssertTrue(try linux("fin-wait-2/fin-wait-2-timeout").contains("tcp_fin_timeout"))
        XCTAssertTrue(try linux("established/rst-in-window").contains("challenge ACK (RFC 5961"))
        XCTAssertFalse(try XCTUnwrap(TransitionTable.row("listen/send")).onLinux, "connect() on a listener fails")
        for row in TransitionTable.rows where !row.inRFC {
            XCTAssertNotNil(row.linux, "\(row.id) is Linux's own and must say why")
        }
    }

    /// The HTML state diagram draws its arrows from the table's rows, so the figure and the
    /// analysis cannot disagree: figure 5's twenty arrows, SYN-SENT's three ways to CLOSED in one.
    func testTheDiagramsArrowsAreTheTablesRows() {
        XCTAssertEqual(TransitionTable.diagramRowIDs.compactMap(TransitionTable.row(_:)).count, TransitionTable.diagramRowIDs.count)
        let edges = TransitionTable.diagramEdges
        XCTAssertEqual(edges.count, 21)
        XCTAssertEqual(edges.first { $0.from == .listen && $0.to == .synReceived }?.why, "rcv SYN / snd SYN,ACK")
        XCTAssertEqual(edges.first { $0.from == .synSent && $0.to == .closed }?.why, "CLOSE, timeout, rcv RST")
    }

    // MARK: The analyzer names the rows

    /// A handshake and a four-way close: every segment that moves an endpoint names the row,
    /// the client's SYN its connect(), the listener's SYN-ACK the SYN it took, each FIN its
    /// CLOSE on the sender and its arrival on the receiver.
    func testHandshakeAndFourWayCloseNameTheirRows() {
        var c = SyntheticConnection()
        c.handshake()
        c.send(.client, [.fin, .ack])
        c.send(.server, .ack)
        c.send(.server, [.fin, .ack])
        c.send(.client, .ack)
        let rows = Self.rows(c.analyze().segments)
        XCTAssertEqual(rows, [
            "client closed/active-open",
            "client syn-sent/syn-ack; server listen/syn",
            "server syn-received/ack-of-syn",
            "client established/close; server established/fin",
            "client fin-wait-1/ack-of-fin",
            "client fin-wait-2/fin; server close-wait/close",
            "server last-ack/ack-of-fin",
        ])
    }

    /// The transition carries the states around it and agrees with the states printed: the
    /// receiver of the first FIN goes ESTABLISHED → CLOSE-WAIT by §3.10.7.4.
    func testATransitionAgreesWithTheStatesAroundIt() throws {
        var c = SyntheticConnection()
        c.handshake()
        c.send(.client, [.fin, .ack])
        let segments = c.analyze().segments
        let move = try XCTUnwrap(segments[3].serverTransition)
        XCTAssertEqual([move.from, move.to], [.established, .closeWait])
        XCTAssertEqual(move.rows.map(\.section), [.arrivesOther])
        XCTAssertEqual(segments[3].serverState, move.to)
        XCTAssertEqual(segments[2].serverState, move.from)
        XCTAssertEqual(move.description, "ESTABLISHED → CLOSE-WAIT by established/fin (RFC 9293 §3.10.7.4)")
    }

    /// A SYN answered by RST/ACK: nothing listened, so the "server" was CLOSED and answered
    /// by §3.10.7.1; the client's connect() is refused by §3.10.7.3.
    func testARefusedSYNIsClosedAnsweringAndSYNSentReset() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, [.rst, .ack])
        let segments = c.analyze().segments
        XCTAssertEqual(Self.rows(segments), ["client closed/active-open", "client syn-sent/rst; server closed/segment"])
        XCTAssertEqual(segments.map(\.serverState), [.closed, .closed])
    }

    /// In SYN-SENT an RST that does not acknowledge the SYN is not acceptable (§3.10.7.3):
    /// it moves nothing, and the SYN-ACK after it opens the connection.
    func testAnRSTWithoutAnAcceptableACKLeavesSYNSent() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, [.rst, .ack], ack: 1000)  // acknowledges the ISN, not ISN + 1
        c.send(.server, [.syn, .ack], seq: 5000, ack: 1001)
        let segments = c.analyze().segments
        XCTAssertEqual(segments[1].clientState, .synSent)
        XCTAssertNil(segments[1].clientTransition)
        XCTAssertEqual(segments[2].clientTransition?.rows.map(\.id), ["syn-sent/syn-ack"])
    }

    /// FINs that cross (figure 13): each side's FIN left before the other's arrived. The
    /// first FIN's record shows the server's whole path, CLOSE then the FIN in FIN-WAIT-1
    /// (ESTABLISHED → FIN-WAIT-1 → CLOSING); the server's own FIN moves nothing more.
    func testCrossingFINsShowEachSidesCloseThenClosing() throws {
        var c = SyntheticConnection()
        c.handshake()
        let clientFIN = c.nextSequence(of: .client)
        c.send(.client, [.fin, .ack])
        c.send(.server, [.fin, .ack], ack: clientFIN)  // sent before the client's FIN arrived
        c.send(.client, .ack)
        c.send(.server, .ack)
        let segments = c.analyze().segments
        let serverPath = try XCTUnwrap(segments[3].serverTransition)
        XCTAssertEqual(serverPath.rows.map(\.id), ["established/close", "fin-wait-1/fin"])
        XCTAssertEqual([serverPath.from, serverPath.to], [.established, .closing])
        XCTAssertNil(segments[4].serverTransition)
        XCTAssertEqual(segments[4].clientTransition?.rows.map(\.id), ["fin-wait-1/fin"])
        XCTAssertEqual(Self.rows([segments[5], segments[6]]), ["server closing/ack-of-fin", "client closing/ack-of-fin"])
        XCTAssertEqual([segments[6].clientState, segments[6].serverState], [.timeWait, .timeWait])
    }

    /// An RST after unanswered keep-alive probes is Linux's keep-alive timeout (§3.8.4),
    /// not an application's abort.
    func testAnRSTAfterKeepAliveProbesIsTheKeepAliveTimeout() {
        var c = SyntheticConnection()
        c.handshake()
        let next = c.nextSequence(of: .client)
        c.send(.client, .ack, seq: next &- 1)
        c.send(.client, .ack, seq: next &- 1)
        c.send(.client, [.rst, .ack], seq: next)
        let segments = c.analyze().segments
        XCTAssertEqual(segments[3].labels, [.keepAlive])
        XCTAssertEqual(Self.rows([segments[5]]), ["client established/keepalive-timeout; server established/rst"])
    }

    /// A listener whose first segment after its SYN-ACK is an RST without ACK never took
    /// the handshake's ACK (Linux: accept queue full, tcp_abort_on_overflow=1): SYN-RECEIVED's
    /// abort, whatever the ACK seemed to do on the wire.
    func testAListenersRSTRightAfterItsSYNACKIsSYNReceivedsAbort() {
        var c = SyntheticConnection()
        c.handshake()
        c.send(.client, [.ack, .psh], bytes: 5)
        c.send(.server, .rst, ack: 0)
        let segments = c.analyze().segments
        XCTAssertEqual(segments[4].serverTransition?.rows.map(\.id), ["syn-received/abort"])
        XCTAssertEqual(segments[4].serverTransition?.from, .synReceived)
    }

    /// An RST in SYN-RECEIVED sends a listener's connection back to LISTEN (§3.10.7.4):
    /// the listener never stopped listening.
    func testAnRSTInSYNReceivedReturnsAListenersConnectionToListen() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, [.syn, .ack])
        c.send(.client, .rst, seq: c.nextSequence(of: .client))
        let segments = c.analyze().segments
        XCTAssertEqual(segments[2].serverTransition?.rows.map(\.id), ["syn-received/rst-passive"])
        XCTAssertEqual(segments[2].serverState, .listen)
    }

    /// A bare SYN from the side that received a SYN: both connected at once (figure 7).
    /// That end was no listener; it went CLOSED → SYN-SENT, then took the client's SYN.
    func testASimultaneousOpenShowsBothActiveOpens() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, .syn)
        let segments = c.analyze().segments
        XCTAssertEqual(Self.rows([segments[1]]), ["client syn-sent/syn; server closed/active-open, syn-sent/syn"])
        XCTAssertEqual([segments[1].clientState, segments[1].serverState], [.synReceived, .synReceived])
    }

    /// Data sent to a socket that was closed (not shut down) is answered with RST: a row
    /// Linux adds beside the RFC's, which would take the data.
    func testDataAfterCloseIsAnsweredByLinuxsRow() {
        var c = SyntheticConnection()
        c.handshake()
        c.send(.server, [.fin, .ack])
        c.send(.client, .ack)
        c.send(.client, [.ack, .psh], bytes: 5)
        c.send(.server, .rst)
        let segments = c.analyze().segments
        let row = segments[6].serverTransition?.rows.first
        XCTAssertEqual(row?.id, "fin-wait-2/data-after-close")
        XCTAssertEqual(row?.inRFC, false)
    }

    /// RFC 5961's check, which Linux applies: an RST in the window but not at RCV.NXT draws
    /// a challenge ACK and moves nothing; one outside the window is dropped; only the exact
    /// one ends the connection. A forged RST is not its sender's abort either.
    func testOnlyAnRSTAtRCVNXTEndsTheConnection() {
        var c = SyntheticConnection()
        c.handshake()
        let next = c.nextSequence(of: .client)
        c.send(.client, .rst, seq: next &+ 1000)
        c.send(.server, .ack)
        c.send(.client, .rst, seq: next &+ 200_000)
        c.send(.client, .rst, seq: next)
        let segments = c.analyze().segments
        XCTAssertEqual(Self.rows(Array(segments[3...])), ["server established/rst-in-window", "client established/abort; server established/rst"])
        XCTAssertEqual(segments[3].serverTransition?.rows.first?.action, .ack, "the challenge ACK")
        XCTAssertEqual(segments[5].clientState, .established, "outside the window: dropped")
        XCTAssertEqual([segments[6].clientState, segments[6].serverState], [.closed, .closed])
    }

    /// A SYN-ACK that acknowledges something the client never sent (an old duplicate,
    /// RFC 9293 figure 8) leaves it in SYN-SENT; its RST is SYN-SENT's answer, and the
    /// listener's connection goes back to LISTEN.
    func testAnOldDuplicateSYNACKIsResetAndTheClientKeepsWaiting() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        c.send(.server, [.syn, .ack], ack: 5000)
        c.send(.client, .rst, seq: 5000)
        let segments = c.analyze().segments
        XCTAssertNil(segments[1].clientTransition)
        XCTAssertEqual(Self.rows([segments[2]]), ["client syn-sent/unacceptable-ack; server syn-received/rst-passive"])
        XCTAssertEqual([segments[2].clientState, segments[2].serverState], [.synSent, .listen])
    }

    /// A segment the receiver's kernel dropped before TCP saw it (the kernel log says so: a
    /// firewall, a full accept queue) moves only its sender: the listener whose handshake
    /// ACK was dropped stays in SYN-RECEIVED, and its RST is SYN-RECEIVED's.
    func testASegmentTheKernelDroppedMovesNoReceiver() {
        var c = SyntheticConnection()
        c.handshake()
        c.send(.client, [.ack, .psh], bytes: 5)
        c.send(.server, .rst, ack: 0)
        let analyzer = TCPAnalyzer()
        analyzer.unprocessedFrames = [3, 4]
        var segments: [AnnotatedSegment] = []
        for (index, packet) in c.packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            while let event = analyzer.nextEvent() { if case .segment(let segment, _) = event { segments.append(segment) } }
        }
        XCTAssertEqual(segments.map(\.serverState), [.listen, .synReceived, .synReceived, .synReceived, .closed])
        XCTAssertEqual(segments[4].serverTransition?.rows.map(\.id), ["syn-received/abort"])
        XCTAssertEqual(segments[4].serverTransition?.from, .synReceived)
    }

    /// The pcapng comment names the row after the states, for Wireshark's packet comments.
    func testTheCommentNamesTheRow() {
        var c = SyntheticConnection()
        c.send(.client, .syn)
        XCTAssertEqual(c.analyze().segments.first?.comment,
                       "stream 0: handshake 1/3; client SYN-SENT, server LISTEN; client CLOSED → SYN-SENT by closed/active-open (RFC 9293 §3.10.1)")
    }

    /// "client row; server row, row" for each segment that names a row.
    static func rows(_ segments: [AnnotatedSegment]) -> [String] {
        segments.compactMap { segment in
            let parts = [("client", segment.clientTransition), ("server", segment.serverTransition)].compactMap { side, move in
                move.map { "\(side) " + $0.rows.map(\.id).joined(separator: ", ") }
            }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
    }
}
