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
    }

    let stream: Int
    let client: Endpoint
    let server: Endpoint
    /// Text of the endpoints, made once for the many segments that print them.
    let clientText: String
    let serverText: String
    var fromClient = FlowState()
    var fromServer = FlowState()

    /// Set when the capture starts after the handshake.
    let joinedMidstream: Bool
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

    /// The open question, and the records (by number) whose annotation waits on it.
    var question: Question?
    var waitingRecords: [Int] = []

    init(stream: Int, client: Endpoint, server: Endpoint, joinedMidstream: Bool, frame: Int, time: Int64) {
        self.stream = stream
        self.client = client
        self.server = server
        self.clientText = client.description
        self.serverText = server.description
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
            timeWait: timeWait, firstToClose: firstToClose,
            handshakeRoundTrip: handshakeCompleted && initialRoundTrip > 0 ? initialRoundTrip : nil,
            bytesFromClient: fromClient.bytes, bytesFromServer: fromServer.bytes,
            segments: segments, retransmissions: retransmissions,
            frames: firstFrame...lastFrame, firstTimestamp: firstTime, lastTimestamp: lastTime,
            clientState: clientState, serverState: serverState)
    }
}
