import TCPLabAnalysis

/// What one HTML page shows: a lab run or an inspected capture, as ladders with both
/// endpoints' states, plus the sections around them (steps, socket tables, lesson).
///
/// A neutral model, filled from an analysis (``HTMLRenderer``) or from a lab's result, so
/// one page renderer (``LadderPage/html()``) serves `tcplab run --html` and `inspect --html`.
public struct LadderPage: Sendable {
    /// The page heading: a lab's title or a capture's file name.
    public var title: String
    /// One line under the heading.
    public var subtitle: String
    /// For a lab: whether every expectation held. Nil for a capture.
    public var passed: Bool?
    /// Sections before the ladders (what the lab teaches, its steps).
    public var sectionsBefore: [Section]
    /// One ladder per connection (inspect) or one for the whole lab.
    public var ladders: [Ladder]
    /// Sections after the ladders (socket tables, counters, the lesson).
    public var sectionsAfter: [Section]
    /// A line at the foot of the page (where the data came from).
    public var footer: String

    /// A page with these parts.
    public init(
        title: String, subtitle: String, passed: Bool? = nil, sectionsBefore: [Section] = [], ladders: [Ladder],
        sectionsAfter: [Section] = [], footer: String = ""
    ) {
        self.title = title
        self.subtitle = subtitle
        self.passed = passed
        self.sectionsBefore = sectionsBefore
        self.ladders = ladders
        self.sectionsAfter = sectionsAfter
        self.footer = footer
    }

    /// A block of the page around the ladders.
    public enum Section: Sendable {
        /// Paragraphs of text under a heading.
        case text(title: String, paragraphs: [String])
        /// A table under a heading; `marks` colours whole rows (true: held, false: did not).
        case table(title: String, header: [String], rows: [[String]], marks: [Bool?] = [])
    }

    /// Segments between lifelines, in capture order.
    public struct Ladder: Sendable {
        /// "Stream 0: 127.0.0.1:40000 → 127.0.0.1:8080" or "The lab's segments".
        public var title: String
        /// One lifeline per endpoint, left to right (a lab may have more than two).
        public var lifelines: [String]
        /// The segments, in capture order.
        public var arrows: [Arrow]
        /// Lines shown on the ladder at their moment (what the kernel did).
        public var notes: [Note]
        /// A line under the ladder (how the connection opened and ended).
        public var summary: [String]

        /// A ladder with these parts.
        public init(title: String, lifelines: [String], arrows: [Arrow], notes: [Note] = [], summary: [String] = []) {
            self.title = title
            self.lifelines = lifelines
            self.arrows = arrows
            self.notes = notes
            self.summary = summary
        }
    }

    /// One segment, from one lifeline to another.
    public struct Arrow: Sendable {
        /// Frame number in the capture, from 1.
        public var frame: Int
        /// Connection number (tshark's tcp.stream).
        public var stream: Int
        /// Seconds since the first frame.
        public var time: Double
        /// Index of the sending lifeline.
        public var from: Int
        /// Index of the receiving lifeline.
        public var to: Int
        /// Flag letters ("SA", "AP").
        public var flags: String
        /// Relative sequence number.
        public var seq: UInt32
        /// Relative acknowledgment number (0 without ACK).
        public var ack: UInt32
        /// Payload length.
        public var len: Int
        /// Scaled window.
        public var window: UInt32
        /// Teaching labels ("handshake 1/3").
        public var labels: [String]
        /// tshark's sequence-analysis findings, by tcp.analysis name.
        public var analysis: [String]
        /// The sender's state after the segment.
        public var senderState: TCPState
        /// The receiver's state after the segment.
        public var receiverState: TCPState
        /// Header details for the panel: addresses, options, anything else known.
        public var details: [(String, String)]

        /// A segment with these fields.
        public init(
            frame: Int, stream: Int, time: Double, from: Int, to: Int, flags: String, seq: UInt32, ack: UInt32,
            len: Int, window: UInt32, labels: [String], analysis: [String], senderState: TCPState,
            receiverState: TCPState, details: [(String, String)] = []
        ) {
            self.frame = frame
            self.stream = stream
            self.time = time
            self.from = from
            self.to = to
            self.flags = flags
            self.seq = seq
            self.ack = ack
            self.len = len
            self.window = window
            self.labels = labels
            self.analysis = analysis
            self.senderState = senderState
            self.receiverState = receiverState
            self.details = details
        }
    }

    /// A line placed on a ladder at its moment.
    public struct Note: Sendable {
        /// Seconds since the first frame.
        public var time: Double
        /// Index of the lifeline it concerns, if one.
        public var lifeline: Int?
        /// The text ("kernel: conn CLOSE-WAIT → LAST-ACK").
        public var text: String

        /// A note at `time`.
        public init(time: Double, lifeline: Int?, text: String) {
            self.time = time
            self.lifeline = lifeline
            self.text = text
        }
    }
}
