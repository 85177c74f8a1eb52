// libFuzzer target: the input bytes are a capture file, taken through what `tcplab inspect`
// does with one: CaptureFileReader, the link-type check, decoding, TCPAnalyzer, and every
// stream output at once (the ladder with its summary and --explain rows, JSON lines, the
// annotated pcapng); then, read again, through ConnectionTracker and both summary formats.
// The HTML page is left out: it draws the same events the ladder does, reads no byte of the
// file itself, and under ASan it cost more than everything else together (270 inputs a
// second with it); the page has its own tests in TCPLabTests.
//
// The steps follow Sources/tcplab/Inspection.swift and SummaryInspection.swift, which live
// in the executable and so cannot be imported; they are the same public calls in the same
// order. Outputs go to /dev/null: the work of rendering is done, nothing is kept.
import TCPLabAnalysis
import TCPLabCapture
import TCPLabPacket
import TCPLabReport
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file on tmpfs, unlinked at once, that holds the current input. CaptureFileReader opens
/// a path, so the reader gets /proc/self/fd/N, which reopens this file from its start. Per
/// input: ftruncate(2) and pwrite(2), nothing on disk.
private struct InputFile {
    let descriptor: Int32
    let path: String

    init() {
        let name = "/dev/shm/tcplab-fuzz-capture-\(getpid())"
        descriptor = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot create \(name): errno \(errno)")
        unlink(name)
        path = "/proc/self/fd/\(descriptor)"
    }

    func replace(with bytes: UnsafeRawBufferPointer) {
        precondition(ftruncate(descriptor, 0) == 0, "ftruncate: errno \(errno)")
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(offset))
            precondition(written > 0 || errno == EINTR, "pwrite: errno \(errno)")
            if written > 0 { offset += written }
        }
    }
}

private nonisolated(unsafe) let input = InputFile()
// Opened once; every rendered byte ends here.
private nonisolated(unsafe) let devNull = FileDescriptor(rawValue: open("/dev/null", O_WRONLY | O_CLOEXEC))

/// Opens `path` as InspectCommand does; nil where the command stops with a message.
private func openReader(_ path: String) -> CaptureFileReader? {
    let reader: CaptureFileReader
    do {
        reader = try CaptureFileReader(path: path)
    } catch {
        _ = "\(error)"  // The message the CLI would print.
        return nil
    }
    if case .pcap = reader.format, let link = reader.interfaces.first?.linkType, !link.isSupported {
        _ = "\(link)"
        reader.close()
        return nil
    }
    return reader
}

/// One `tcplab inspect FILE --annotate OUT` with both stream formats rendered.
private func inspect(path: String) {
    guard let reader = openReader(path) else { return }
    defer { reader.close() }
    // A small buffer: a default 256 KiB one is a fresh mmap(2) per input under ASan.
    let output = BufferedWriter(devNull, capacity: 4096)
    let analyzer = TCPAnalyzer()
    var renderers: [any AnalysisRenderer] = []
    let annotator: AnnotatedCaptureWriter
    do {
        annotator = try AnnotatedCaptureWriter(path: "/dev/null")
    } catch {
        fatalError("cannot open /dev/null for the annotated copy: \(error)")
    }
    var frame = 0
    let fragments = FragmentReassembler()
    var failure: (any Error)?

    /// Takes each event as the analyzer hands it out (as Inspection's sinks do).
    func take(_ event: consuming AnalysisEvent) {
        guard failure == nil else { return }
        do {
            try annotator.write(event)
            for renderer in renderers { try renderer.render(copy event) }
        } catch {
            failure = error
        }
    }
    func check() throws {
        if let failure { throw failure }
    }
    func makeRenderers(firstTimestamp: Int64) {
        // The ladder as --explain draws it: every line of the plain ladder, and the state
        // table's rows under the segments that move an endpoint.
        renderers = [
            LadderRenderer(output: output, firstTimestamp: firstTimestamp, stream: nil, style: TextStyle(isEnabled: true), explain: true),
            JSONLinesRenderer(output: output, firstTimestamp: firstTimestamp, stream: nil),
        ]
    }

    do {
        readLoop: while true {
            let packet: CapturedPacket
            do {
                guard let next = try reader.next() else { break readLoop }
                packet = next
            } catch {
                _ = "\(error)"  // The warning the CLI prints; what came before is kept.
                break readLoop
            }
            frame += 1
            if renderers.isEmpty { makeRenderers(firstTimestamp: packet.timestamp.nanoseconds) }
            let decoded = packet.decode(reassembling: fragments)
            checkDecodingPathsAgree(packet, decoded)
            if case .skipped(.unsupportedLinkType) = decoded {
                _ = "\(packet.linkType)"
                break readLoop
            }
            let context = CapturedPacket.Reference(packet)
            analyzer.process(frame: frame, timestamp: packet.timestamp.nanoseconds, decoded: decoded, context: context) { event in
                take(event)
            }
            try check()
        }
        if renderers.isEmpty { makeRenderers(firstTimestamp: 0) }
        analyzer.finish { event in take(event) }
        try check()
        let totals = AnalysisTotals(
            frames: frame, segments: analyzer.segmentCount, connections: analyzer.connectionCount,
            skipped: analyzer.skipped)
        for renderer in renderers { try renderer.finish(totals) }
        try annotator.close()
        try output.flush()
    } catch {
        _ = "\(error)"
        try? annotator.close()
    }
}

/// Traps unless the decoder's short cut for the common frame shape gives exactly what the
/// layer-by-layer walk gives: the frame decoded alone must be the walk's answer, and the
/// short cut, where it takes the frame, the same segment. `decoded` (what inspect uses,
/// with fragments reassembled) may differ only where the frame alone is a fragment.
private func checkDecodingPathsAgree(_ packet: CapturedPacket, _ decoded: DecodedPacket) {
    let alone = packet.decode()
    let walked = PacketDecoder.decodeLayerByLayer(packet.data, linkType: packet.linkType, originalLength: packet.originalLength)
    precondition(alone == walked, "decode gave \(alone), the layer walk \(walked)")
    precondition(decoded == alone || alone == .skipped(.fragment), "reassembly changed \(alone) into \(decoded)")
    if let common = PacketDecoder.decodeCommonShape(packet.data, linkType: packet.linkType, originalLength: packet.originalLength) {
        precondition(walked == .tcp(common), "the common shape gave \(common), the layer walk \(walked)")
    }
}

/// One `tcplab inspect FILE --format summary` and one `--format summary-jsonl`, rendered
/// from a single tracker (each keeps every connection, as with no filter).
private func summarize(path: String) {
    guard let reader = openReader(path) else { return }
    defer { reader.close() }
    let output = BufferedWriter(devNull, capacity: 4096)
    var tracker = ConnectionTracker()
    var renderers: [any ConnectionRecordRenderer] = []
    var frame = 0
    let fragments = FragmentReassembler()
    var shown = 0

    func drain() throws {
        while let record = tracker.nextRecord() {
            shown += 1
            for renderer in renderers { try renderer.render(record) }
        }
    }
    func makeRenderers(firstTimestamp: Int64) {
        renderers = [
            SummaryRenderer(output: output, firstTimestamp: firstTimestamp, style: TextStyle(isEnabled: true)),
            SummaryJSONRenderer(output: output, firstTimestamp: firstTimestamp),
        ]
    }

    do {
        readLoop: while true {
            let packet: CapturedPacket
            do {
                guard let next = try reader.next() else { break readLoop }
                packet = next
            } catch {
                _ = "\(error)"
                break readLoop
            }
            frame += 1
            if renderers.isEmpty { makeRenderers(firstTimestamp: packet.timestamp.nanoseconds) }
            let decoded = packet.decode(reassembling: fragments)
            if case .skipped(.unsupportedLinkType) = decoded { break readLoop }
            tracker.process(decoded, timestamp: packet.timestamp.nanoseconds)
            try drain()
        }
        tracker.finish()
        if renderers.isEmpty { makeRenderers(firstTimestamp: 0) }
        try drain()
        let totals = AnalysisTotals(
            frames: frame, segments: tracker.segmentCount, connections: tracker.connectionCount,
            skipped: tracker.skipped)
        for renderer in renderers { try renderer.finish(totals, shown: shown) }
        try output.flush()
    } catch {
        _ = "\(error)"
    }
}

/// libFuzzer's entry point: one input, one inspection. Returns 0 (keep the input if it
/// adds coverage).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    input.replace(with: UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    inspect(path: input.path)
    summarize(path: input.path)
    return 0
}
