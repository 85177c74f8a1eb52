// libFuzzer target: the input bytes are a lab file, taken through what `tcplab run FILE`
// does before anything runs (read as UTF-8, LabFile.parse with all its checks), then every
// sentence the run would print about the lab's steps and expectations. Nothing is executed:
// no namespace, no socket. The outcome is a Lab, or a LabFileError in the file:line: form.
import TCPLabEngine

private let source = "fuzz.yaml"

/// What a lab shows of itself while it runs: each step's call, expectation, wait or check,
/// and each capture expectation, in words.
private func describe(_ lab: Lab) -> Int {
    var length = lab.title.utf8.count + lab.summary.utf8.count + lab.lesson.utf8.count
    for step in lab.steps {
        var words: [String] = [step.round?.description ?? "", step.note ?? "", step.within.description]
        if let took = step.took { words.append(took.description) }
        if let predict = step.predict { words += [predict.question, predict.choices[predict.answer], predict.why ?? ""] }
        switch step.action {
        case .call(let socket, let call, let expect, let name):
            words += [socket, call.description, expect?.description ?? "ok", name ?? ""]
        case .wait(let condition): words.append(condition.description)
        case .check(let check): words.append(check.description)
        case .sysctl(let settings): words += settings.map { "\($0.name) = \($0.value)" }
        case .firewall(let rules): words.append(rules)
        case .peer(let actor, let line): words += [actor, line.text]
        case .process(let step): words.append(step.description)
        }
        length += words.reduce(0) { $0 + $1.utf8.count }
    }
    for expectation in lab.capture { length += expectation.description.utf8.count }
    for reach in lab.reaches { length += reach.description.utf8.count }
    for actor in lab.actors { length += String(describing: actor.peer).utf8.count }
    if let shaping = lab.shaping { length += "\(shaping.rate) \(shaping.burst) \(shaping.latency) \(shaping.mtu)".utf8.count }
    return length
}

/// libFuzzer's entry point: one input, one parse. Returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLabFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    // LabCatalog reads a lab file the same way: UTF-8, or it is refused.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    do throws(LabFileError) {
        let lab = try LabFile.parse(text, name: "fuzz", source: source)
        _ = describe(lab)
    } catch {
        let message = error.description
        precondition(message.hasPrefix(source + ":"), "a lab-file error without its file: \(message)")
        precondition(error.line >= 0, "a negative line: \(message)")
    }
    return 0
}
