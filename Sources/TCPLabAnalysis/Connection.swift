import TCPLabPacket

/// One connection the analyzer follows: both sides' flows and what the capture showed.
final class Connection {
    /// A wait for a later segment that decides how an earlier one is annotated.
    enum Question {
        /// Does the server answer the SYN (it was listening), or reset it (nothing listened)?
        case synAnswer
        /// Does the other side keep sending after this side's FIN (a half-close), close too,
        /// or had it already sent its own FIN (a simultaneous close)?
        case finRole(closer: Side, finRecord: Int)
        /// Was the connection open after all when the SYN (at `synRecord`) came, or does
        /// the receiver's SYN-ACK or RST show it had none (the capture missed its end)?
        case keptOpen(synRecord: Int)
    }

    let stream: Int
    let client: Endpoint
    let server: Endpoint
    /// What each side sent and knows. Both are unchecked for exclusive access at run time
    /// (checks on them cost a tenth of the analysis): a connection is the analyzer's alone,
    /// and the one long access, ``TCPAnalyzer/Core``'s passing both flows `inout` to its
    /// annotating functions, reaches them only through those parameters while it lasts.
    @exclusivity(unchecked) var fromClient = FlowState()
    @exclusivity(unchecked) var fromServer = FlowState()

    /// Set when the capture starts after the handshake (cleared if it opens again).
    var joinedMidstream: Bool
    /// No SYN showed who opened the connection: the roles were guessed from the ports.
    let rolesGuessed: Bool
    /// How often the connection opened again on the same four-tuple after a reset.
    var reopenings = 0
    var lastSYNTime: Int64 = 0
    var initialRoundTrip: Int64 = 0
    var simultaneousOpen = false
    var handshakeCompleted = false

    var firstFrame: Int
    var lastFrame: Int
    var firstTime: Int64
    var lastTime: Int64
    var segments = 0
    var retransmissions = 0

    var resetBy: Side?
    var refused = false
    var firstToClose: Side?
    var halfClose = false
    var simultaneousClose = false
    var threeWayClose = false

    /// The sequence number of a bare SYN that arrived while the receiver held the
    /// connection open (``carryOn(from:synSender:syn:)``).
    var synOnOpenConnection: UInt32?
    /// The side whose next pure ACK answers such a SYN: RFC 5961's challenge ACK.
    var owesChallengeACK: Side?
    /// The time of this connection's valid entry in the analyzer's ``RetirementQueue``, if
    /// it has one.
    var retirementEntry: Int64?
    /// Forgotten by the analyzer (summarised): its entries in the queue are skipped.
    var isRetired = false

    /// The open question, and the records (by number) whose annotation waits on it.
    var question: Question?
    var waitingRecords: [Int] = []

    init(
        stream: Int, client: Endpoint, server: Endpoint, joinedMidstream: Bool, rolesGuessed: Bool = false,
        frame: Int, time: Int64
    ) {
        self.stream = stream
        self.rolesGuessed = rolesGuessed
        self.client = client
        self.server = server
        self.joinedMidstream = joinedMidstream
        self.firstFrame = frame
        self.lastFrame = frame
        self.firstTime = time
        self.lastTime = time
        if joinedMidstream {
            fromClient.assumeSynchronized()
            fromServer.assumeSynchronized()
        }
    }

    func side(of endpoint: Endpoint) -> Side { endpoint == client ? .client : .server }

    /// Starts the lifecycle again after a reset, for a new handshake on the same four-tuple
    /// (tshark keeps such a handshake in the same stream when the SYN repeats the first
    /// one's sequence number, and takes a SYN-ACK's new number as the side's base).
    ///
    /// Both sides forget what they sent and received; the sequence analysis and the
    /// relative numbering carry on. A SYN-ACK answers a SYN: its sender received that SYN,
    /// whose sequence number is one below the SYN-ACK's acknowledgment number.
    func reopen(bySYNACK synACK: TCPSegment?) {
        fromClient.resetLifecycle()
        fromServer.resetLifecycle()
        joinedMidstream = false
        simultaneousOpen = false
        handshakeCompleted = false
        resetBy = nil
        refused = false
        firstToClose = nil
        halfClose = false
        simultaneousClose = false
        threeWayClose = false
        reopenings &+= 1
        if let synACK {
            fromClient.sentSYN = true
            fromClient.initialSequence = synACK.acknowledgmentNumber &- 1
            fromServer.receivedSYN = true
        }
    }

    /// Whether a bare SYN from `sender` with a new sequence number finds the receiver
    /// holding this connection open: its state synchronized but not TIME-WAIT (where a
    /// SYN may open a new connection). An RST the receiver took has moved it to CLOSED; one
    /// it refused (RFC 5961) has not, whatever `aborted` says. Linux then answers with a
    /// challenge ACK (tcp_validate_incoming, RFC 5961 section 4) and nothing changes.
    func receiverKeepsOpen(againstSYNFrom sender: Side) -> Bool {
        let receiver = sender == .client ? fromServer : fromClient
        let state = receiver.state(as: sender.peer)
        return state.isSynchronized && state != .timeWait
    }

    /// Takes on the lifecycle of `earlier`, which the receiver keeps open against the bare
    /// SYN `syn` from `synSender` (the client of this connection). tshark starts a new
    /// stream with new relative numbers at such a SYN; the states carry on.
    func carryOn(from earlier: Connection, synSender: Side, syn: TCPSegment) {
        let (sent, received) = synSender == .client ? (earlier.fromClient, earlier.fromServer) : (earlier.fromServer, earlier.fromClient)
        fromClient.takeLifecycle(of: sent)
        fromServer.takeLifecycle(of: received)
        joinedMidstream = true  // This stream's opening is the earlier one's.
        synOnOpenConnection = syn.sequenceNumber
    }

    /// Undoes ``carryOn(from:synSender:syn:)`` when the receiver answers the SYN with a
    /// SYN-ACK or an RST, as only an endpoint without the connection does: the SYN opened
    /// a new connection after all, from CLOSED.
    func openAfterAll() {
        guard let initialSequence = synOnOpenConnection else { return }
        fromClient.resetLifecycle()
        fromServer.resetLifecycle()
        fromClient.sentSYN = true
        fromClient.initialSequence = initialSequence
        fromClient.tableState = .synSent
        fromClient.sentEnd = initialSequence &+ 1
        fromClient.hasSentEnd = true
        fromServer.receivedSYN = true
        fromServer.hasSentEnd = false
        joinedMidstream = false
        synOnOpenConnection = nil
        owesChallengeACK = nil
    }

    var clientState: TCPState { fromClient.state(as: .client) }
    var serverState: TCPState { fromServer.state(as: .server) }

    /// Nothing more can happen on the wire: reset, refused, or both FINs acknowledged.
    var isFinished: Bool {
        fromClient.aborted || (fromClient.finAcknowledged && fromServer.finAcknowledged)
    }

    func summary() -> ConnectionSummary {
        let opening: ConnectionSummary.Opening
        if joinedMidstream {
            opening = .notSeen
        } else if simultaneousOpen && handshakeCompleted {
            opening = .simultaneousOpen
        } else if handshakeCompleted {
            opening = .threeWayHandshake
        } else {
            opening = .notCompleted
        }
        let ending: ConnectionSummary.Ending
        var timeWait: [Side] = []
        if refused {
            ending = .refused
        } else if let side = resetBy {
            ending = .reset(by: side)
        } else if fromClient.sentFIN && fromServer.sentFIN {
            if simultaneousClose {
                ending = .simultaneousClose
            } else if halfClose {
                ending = .halfCloseThenClose
            } else if threeWayClose {
                ending = .threeWayClose
            } else {
                ending = .fourWayClose
            }
            if fromClient.closedFirst { timeWait.append(.client) }
            if fromServer.closedFirst { timeWait.append(.server) }
        } else if let side = firstToClose {
            ending = .halfClosed(by: side)
        } else {
            ending = .stillOpen
        }
        return ConnectionSummary(
            stream: stream, client: client, server: server, opening: opening, ending: ending,
            rolesGuessed: rolesGuessed, reopenings: reopenings,
            timeWait: timeWait, firstToClose: firstToClose,
            handshakeRoundTrip: handshakeCompleted && initialRoundTrip > 0 && synOnOpenConnection == nil ? initialRoundTrip : nil,
            bytesFromClient: fromClient.bytes, bytesFromServer: fromServer.bytes,
            segments: segments, retransmissions: retransmissions,
            frames: firstFrame...lastFrame, firstTimestamp: firstTime, lastTimestamp: lastTime,
            clientState: clientState, serverState: serverState)
    }
}
