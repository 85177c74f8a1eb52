import Foundation
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem
import XCTest

/// The reader takes every variant of the two formats; these run without privileges, on
/// files built from the synthetic exchange.
final class CaptureFileFormatTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory(for: self)
    }

    private func littleEndianPcap() throws -> [UInt8] {
        let path = directory.appendingPathComponent("le.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for packet in SyntheticFrame.exchange() { try writer.write(packet) }
        try writer.close()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A big-endian file (as a SPARC or PowerPC host writes it) reads the same packets:
    /// every header field swapped, the packet bytes untouched.
    func testBigEndianPcapReadsLikeLittleEndian() throws {
        var bytes = try littleEndianPcap()
        func swap(_ offset: Int, _ width: Int) { bytes[offset..<offset + width].reverse() }
        swap(0, 4); swap(4, 2); swap(6, 2); swap(8, 4); swap(12, 4); swap(16, 4); swap(20, 4)
        var offset = 24
        while offset < bytes.count {
            let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8
            for field in 0..<4 { swap(offset + field * 4, 4) }
            offset += 16 + length
        }
        let path = directory.appendingPathComponent("be.pcap").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try CaptureFileReader(path: path)
        XCTAssertEqual(reader.format, .pcap(nanosecondResolution: true, bigEndian: true))
        let packets = try readPackets(path)
        XCTAssertEqual(packets.map(\.data), SyntheticFrame.exchange().map(\.data))
        XCTAssertEqual(packets.map(\.timestamp), SyntheticFrame.exchange().map(\.timestamp))
    }

    /// A pcapng Simple Packet Block has no interface number and no timestamp: it belongs to
    /// interface 0 and takes the previous packet's time.
    func testPcapngSimplePacketBlockIsReadOnInterfaceZero() throws {
        let frame = SyntheticFrame.tcp(from: 1, to: 2, seq: 1, ack: 0, flags: .syn)
        var bytes: [UInt8] = []
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { bytes += $0 } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { bytes += $0 } }
        u32(0x0A0D0D0A); u32(28); u32(0x1A2B3C4D); u16(1); u16(0); u32(-1 & 0xFFFFFFFF); u32(-1 & 0xFFFFFFFF); u32(28)
        u32(1); u32(20); u16(1); u16(0); u32(0); u32(20)  // Interface 0: Ethernet, no snap limit.
        let padded = (frame.count + 3) & ~3
        u32(3); u32(16 + padded); u32(frame.count)
        bytes += frame + [UInt8](repeating: 0, count: padded - frame.count)
        u32(16 + padded)
        let path = directory.appendingPathComponent("spb.pcapng").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let packets = try readPackets(path)
        XCTAssertEqual(packets.count, 1)
        XCTAssertEqual(packets.first?.data, frame[...])
        XCTAssertEqual(packets.first?.linkType, .ethernet)
    }

    /// What TCPLab writes as pcapng, it reads back with the comments.
    func testPcapngWrittenWithCommentsReadsBack() throws {
        let path = directory.appendingPathComponent("comments.pcapng").path
        let writer = try PcapngWriter(path: path)
        let interface = try writer.addInterface(CaptureInterface(linkType: .ethernet, snapshotLength: 65535, name: "lo"))
        for (index, packet) in SyntheticFrame.exchange().enumerated() {
            try writer.write(packet, interface: interface, comment: "packet \(index + 1)")
        }
        try writer.close()
        let packets = try readPackets(path)
        XCTAssertEqual(packets.map(\.comment), (1...9).map { "packet \($0)" })
        XCTAssertEqual(packets.map(\.timestamp), SyntheticFrame.exchange().map(\.timestamp))
    }

    /// The reader refills one buffer in place as it goes through a file, and a packet it
    /// handed out is a view into that buffer: packets kept while the file is read past them
    /// (an annotated copy holds them so) keep their own bytes, because the refill copies the
    /// buffer first while any view of it is held. Here 4 MiB of packets, each filled with
    /// its own number, all kept, in both formats.
    func testPacketsKeptWhileTheReaderRefillsKeepTheirBytes() throws {
        let count = 3_000
        let frames = (0..<count).map { index in
            CapturedPacket(
                timestamp: CaptureTimestamp(nanoseconds: Int64(index) * 1_000), linkType: .ethernet,
                data: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 1_400 + index % 7)[...])
        }
        let pcap = directory.appendingPathComponent("kept.pcap").path
        let pcapWriter = try PcapWriter(path: pcap, linkType: .ethernet)
        for frame in frames { try pcapWriter.write(frame) }
        try pcapWriter.close()
        let pcapng = directory.appendingPathComponent("kept.pcapng").path
        let pcapngWriter = try PcapngWriter(path: pcapng)
        let interface = try pcapngWriter.addInterface(CaptureInterface(linkType: .ethernet, snapshotLength: 65535, name: "lo"))
        for frame in frames { try pcapngWriter.write(frame, interface: interface) }
        try pcapngWriter.close()

        for path in [pcap, pcapng] {
            let kept = try readPackets(path)
            XCTAssertEqual(kept.count, count, path)
            let wrong = kept.enumerated().filter { index, packet in
                packet.data.count != 1_400 + index % 7 || packet.data.contains { $0 != UInt8(truncatingIfNeeded: index) }
            }
            XCTAssertEqual(wrong.map(\.offset), [], "packets whose bytes changed after they were read, in \(path)")
        }
    }
}

/// The analyzer on hand-made segments: cases a loopback capture rarely shows.
final class TCPAnalyzerTests: XCTestCase {
    private func analyze(_ packets: [CapturedPacket]) -> (segments: [AnnotatedSegment], summaries: [ConnectionSummary]) {
        let analyzer = TCPAnalyzer()
        for (index, packet) in packets.enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
        }
        analyzer.finish()
        var segments: [AnnotatedSegment] = []
        var summaries: [ConnectionSummary] = []
        while let event = analyzer.nextEvent() {
            switch event {
            case .segment(let segment, _): segments.append(segment)
            case .connection(let summary): summaries.append(summary)
            case .skipped: break
            }
        }
        return (segments, summaries)
    }

    private func packets(_ frames: [[UInt8]]) -> [CapturedPacket] {
        frames.enumerated().map { CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: Int64($0.offset) * 1_000_000), linkType: .ethernet, data: $0.element[...]) }
    }

    /// Both sides send FIN before either FIN arrives (RFC 9293 figure 13): each goes
    /// FIN-WAIT-1, CLOSING, TIME-WAIT, and both hold TIME-WAIT.
    func testCrossingFINsAreASimultaneousCloseWithBothInTimeWait() {
        let c: UInt16 = 40000, s: UInt16 = 80
        let result = analyze(packets([
            SyntheticFrame.tcp(from: c, to: s, seq: 100, ack: 0, flags: .syn),
            SyntheticFrame.tcp(from: s, to: c, seq: 500, ack: 101, flags: [.syn, .ack]),
            SyntheticFrame.tcp(from: c, to: s, seq: 101, ack: 501, flags: .ack),
            // Client FIN, and the server's FIN which does not acknowledge it: they crossed.
            SyntheticFrame.tcp(from: c, to: s, seq: 101, ack: 501, flags: [.fin, .ack]),
            SyntheticFrame.tcp(from: s, to: c, seq: 501, ack: 101, flags: [.fin, .ack]),
            // Each side acknowledges the other's FIN.
            SyntheticFrame.tcp(from: c, to: s, seq: 102, ack: 502, flags: .ack),
            SyntheticFrame.tcp(from: s, to: c, seq: 502, ack: 102, flags: .ack),
        ]))
        let states = result.segments.map { "\($0.clientState) \($0.serverState)" }
        XCTAssertEqual(Array(states.suffix(4)), [
            "FIN-WAIT-1 CLOSING", "CLOSING CLOSING", "CLOSING TIME-WAIT", "TIME-WAIT TIME-WAIT",
        ])
        XCTAssertEqual(result.summaries.first?.ending.description, "simultaneous close")
        XCTAssertEqual(result.summaries.first?.timeWait, [.client, .server])
    }

    /// A capture that starts mid-connection: both sides are taken as ESTABLISHED and the
    /// relative numbers start at 1, as tshark's do.
    func testConnectionJoinedMidstreamStartsEstablished() {
        let result = analyze(packets([
            SyntheticFrame.tcp(from: 40000, to: 80, seq: 7000, ack: 9000, flags: [.ack, .psh], payload: 10),
            SyntheticFrame.tcp(from: 80, to: 40000, seq: 9000, ack: 7010, flags: .ack),
        ]))
        XCTAssertEqual(result.segments.map(\.relativeSequence), [1, 1])
        XCTAssertEqual(result.segments.map(\.relativeAcknowledgment), [1, 11])
        XCTAssertEqual(result.segments.first?.clientState, .established)
        XCTAssertEqual(result.summaries.first?.opening, .notSeen)
    }

    /// A finished connection is summarised and forgotten once the capture has moved on
    /// two minutes: memory follows the connections open at once, not the file.
    func testFinishedConnectionsAreSummarisedBeforeTheEnd() {
        let analyzer = TCPAnalyzer()
        let first = SyntheticFrame.exchange(timeStart: 0)
        let later = SyntheticFrame.exchange(timeStart: 200_000_000_000)  // 200 s later, same 4-tuple, same ISN.
        var summariesBeforeEnd = 0
        for (index, packet) in (first + later).enumerated() {
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            while let event = analyzer.nextEvent() {
                if case .connection = event { summariesBeforeEnd += 1 }
            }
        }
        XCTAssertEqual(summariesBeforeEnd, 1, "the first connection was retired when the second began")
        XCTAssertEqual(analyzer.connectionCount, 2)
    }

    /// The analyzer finds a segment's connection through a small cache of the connections
    /// seen last, in front of a table of them all. With 3,000 connections open at once,
    /// every step of each handshake and close taken by all of them in turn, most lookups
    /// miss the cache or find another connection in its place: each connection still gets
    /// exactly its own seven segments, opens with a three-way handshake and closes with
    /// four segments.
    func testThousandsOfConnectionsOpenAtOnceEachKeepTheirOwnSegments() {
        let ports = (0..<3_000).map { UInt16(20_000 + $0) }
        let server: UInt16 = 8080
        typealias Step = (fromClient: Bool, seq: UInt32, ack: UInt32, flags: TCPFlags)
        let steps: [Step] = [
            (true, 100, 0, .syn), (false, 500, 101, [.syn, .ack]), (true, 101, 501, .ack),
            (true, 101, 501, [.fin, .ack]), (false, 501, 102, .ack),
            (false, 501, 102, [.fin, .ack]), (true, 102, 502, .ack),
        ]
        var frames: [[UInt8]] = []
        for step in steps {
            for port in ports {
                let (from, to) = step.fromClient ? (port, server) : (server, port)
                frames.append(SyntheticFrame.tcp(from: from, to: to, seq: step.seq, ack: step.ack, flags: step.flags))
            }
        }
        let analyzer = TCPAnalyzer()
        var summaries: [ConnectionSummary] = []
        for (index, frame) in frames.enumerated() {
            let packet = CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: Int64(index) * 1_000), linkType: .ethernet, data: frame[...])
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode()) { event in
                if case .connection(let summary) = event { summaries.append(summary) }
            }
        }
        analyzer.finish { event in
            if case .connection(let summary) = event { summaries.append(summary) }
        }
        XCTAssertEqual(analyzer.connectionCount, ports.count)
        XCTAssertEqual(Set(summaries.map(\.client.port)), Set(ports))
        let odd = summaries.filter { summary in
            summary.segments != steps.count || summary.opening != .threeWayHandshake
                || summary.ending.description != ConnectionSummary.Ending.fourWayClose.description
                || summary.frames.count != (steps.count - 1) * ports.count + 1
        }
        XCTAssertEqual(odd.map(\.stream), [], "connections that did not get exactly their own segments")
    }

    /// The text ladder keeps each connection's steps until its summary comes, finding the
    /// connection's chain through a cache of the streams seen last (1,024 places, by stream
    /// number): with 1,500 connections open at once, streams s and s + 1,024 share a place.
    /// Each ladder still shows exactly its own seven segments, in order.
    func testLaddersOfMoreConnectionsThanTheCacheHoldsKeepTheirOwnSteps() throws {
        let count = 1_500
        let server: UInt16 = 8080
        let steps: [(fromClient: Bool, seq: UInt32, ack: UInt32, flags: TCPFlags)] = [
            (true, 100, 0, .syn), (false, 500, 101, [.syn, .ack]), (true, 101, 501, .ack),
            (true, 101, 501, [.fin, .ack]), (false, 501, 102, .ack),
            (false, 501, 102, [.fin, .ack]), (true, 102, 502, .ack),
        ]
        var frames: [[UInt8]] = []
        for step in steps {
            for index in 0..<count {
                let port = UInt16(20_000 + index)
                let (from, to) = step.fromClient ? (port, server) : (server, port)
                frames.append(SyntheticFrame.tcp(from: from, to: to, seq: step.seq, ack: step.ack, flags: step.flags))
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-ladders-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = try FileDescriptor.openForWriting(path)
        let output = BufferedWriter(descriptor)
        let ladder = LadderRenderer(output: output, firstTimestamp: 0)
        let analyzer = TCPAnalyzer()
        var failure: (any Error)?
        for (index, frame) in frames.enumerated() {
            let packet = CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: Int64(index) * 1_000), linkType: .ethernet, data: frame[...])
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode()) { event in
                do { try ladder.render(event) } catch { failure = error }
            }
        }
        analyzer.finish { event in
            do { try ladder.render(event) } catch { failure = error }
        }
        if let failure { throw failure }
        try ladder.finish(AnalysisTotals(frames: frames.count, segments: frames.count, connections: count, skipped: [:]))
        try output.flush()
        try descriptor.close()

        // Each stream's block: its heading, then one line per step that starts with the
        // frame, then its summary; a blank line ends it (the totals come after the last).
        var framesByStream: [Int: [Int]] = [:]
        var current: Int?
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                current = nil
            } else if line.hasPrefix("Stream ") {
                current = Int(line.dropFirst("Stream ".count).prefix { $0.isNumber })
            } else if let current, let frame = Int(line.prefix(6).trimmingCharacters(in: .whitespaces)) {
                framesByStream[current, default: []].append(frame)
            }
        }
        XCTAssertEqual(framesByStream.count, count)
        let wrong = (0..<count).filter { stream in
            framesByStream[stream] != steps.indices.map { $0 * count + stream + 1 }
        }
        XCTAssertEqual(wrong, [], "streams whose ladder is not exactly their own steps")
    }

    /// With no hold-back (`tcplab watch`, which prints each segment as it comes), a question
    /// is settled at once by default, unless an event made final in the same step stands
    /// before it. A second refused SYN with a new sequence number on the same 4-tuple is
    /// such a case: its SYN retires the first connection (whose summary comes first), so it
    /// waits for the RST after all, and the server is shown CLOSED, not LISTEN.
    func testWithoutHoldBackASYNBehindARetiredConnectionStillWaitsForItsAnswer() throws {
        let (client, server): (UInt16, UInt16) = (40_000, 9)
        let frames = [
            SyntheticFrame.tcp(from: client, to: server, seq: 100, ack: 0, flags: .syn),
            SyntheticFrame.tcp(from: server, to: client, seq: 0, ack: 101, flags: [.rst, .ack]),
            SyntheticFrame.tcp(from: client, to: server, seq: 9_000, ack: 0, flags: .syn),
            SyntheticFrame.tcp(from: server, to: client, seq: 0, ack: 9_001, flags: [.rst, .ack]),
        ]
        let analyzer = TCPAnalyzer(holdBackLimit: 0)
        var segments: [AnnotatedSegment] = []
        for (index, frame) in frames.enumerated() {
            let packet = CapturedPacket(timestamp: CaptureTimestamp(nanoseconds: Int64(index) * 1_000_000), linkType: .ethernet, data: frame[...])
            analyzer.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
            while let event = analyzer.nextEvent() {
                if case .segment(let segment, _) = event { segments.append(segment) }
            }
        }
        XCTAssertEqual(segments.map(\.frame), [1, 2, 3, 4])
        let second = try XCTUnwrap(segments.first { $0.frame == 3 })
        XCTAssertTrue(second.labels.contains(.handshakeSYN), "\(second.labels)")
        XCTAssertEqual(second.serverState, .closed, "the RST that answered showed nothing listened")
        XCTAssertEqual(segments.first { $0.frame == 1 }?.serverState, .listen, "settled at once: no event stood before it")
    }

    /// Events handed to a closure as they become final are the events ``TCPAnalyzer/nextEvent()``
    /// gives, in the same order, whatever waits for an answer: every capture in Captures/,
    /// with the default hold-back, one that settles questions after two events, and none.
    func testHandingEventsOutAsTheyComeGivesWhatTakingThemGives() throws {
        let directory = TestEnvironment.packageRoot.appendingPathComponent("Captures")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".pcapng") }.sorted()
        XCTAssertGreaterThan(files.count, 30)
        for file in files {
            let packets = try readPackets(directory.appendingPathComponent(file).path)
            for holdBack in [65_536, 2, 0] {
                let pulling = TCPAnalyzer(holdBackLimit: holdBack)
                var pulled: [String] = []
                let pushing = TCPAnalyzer(holdBackLimit: holdBack)
                var pushed: [String] = []
                for (index, packet) in packets.enumerated() {
                    pulling.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode())
                    while let event = pulling.nextEvent() { pulled.append("\(event)") }
                    pushing.process(frame: index + 1, timestamp: packet.timestamp.nanoseconds, decoded: packet.decode()) { event in
                        pushed.append("\(event)")
                    }
                }
                pulling.finish()
                while let event = pulling.nextEvent() { pulled.append("\(event)") }
                pushing.finish { event in pushed.append("\(event)") }
                XCTAssertGreaterThanOrEqual(pulled.count, packets.count, file)
                XCTAssertEqual(pushed, pulled, "\(file), hold-back \(holdBack)")
            }
        }
    }
}
