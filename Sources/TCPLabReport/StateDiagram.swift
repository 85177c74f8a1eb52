import TCPLabAnalysis

/// RFC 9293's connection state diagram (section 3.3.2, figure 5), drawn by tcplab, with
/// the path each endpoint of a ladder took highlighted in its lifeline's colour.
///
/// Transitions an endpoint took that the figure does not draw (a reset from ESTABLISHED,
/// say) are added, dashed, so every step of the run appears on the diagram.
enum StateDiagram {
    static let width = 640.0
    static let height = 580.0

    /// Where each state's box sits.
    static let positions: [TCPState: (x: Double, y: Double)] = [
        .closed: (320, 30), .listen: (320, 115),
        .synReceived: (150, 205), .synSent: (490, 205),
        .established: (320, 295),
        .finWait1: (135, 390), .closing: (320, 390), .closeWait: (505, 390),
        .finWait2: (135, 485), .timeWait: (320, 485), .lastAck: (505, 485),
    ]

    /// The figure's transitions: from, to, and what causes them (event / action), from
    /// the rows of the one state table (``TransitionTable/diagramEdges``).
    static let transitions: [(from: TCPState, to: TCPState, why: String)] = TransitionTable.diagramEdges

    /// The states each lifeline went through, in order, without repeats.
    static func paths(_ ladder: LadderPage.Ladder) -> [[TCPState]] {
        var paths = [[TCPState]](repeating: [], count: ladder.lifelines.count)
        for arrow in ladder.arrows {
            for (lifeline, state) in [(arrow.from, arrow.senderState), (arrow.to, arrow.receiverState)]
            where paths[lifeline].last != state {
                paths[lifeline].append(state)
            }
        }
        return paths
    }

    static func write(_ ladder: LadderPage.Ladder, index: Int, into out: inout HTMLBuilder) {
        let paths = paths(ladder)
        out.raw("<figure class=\"diagram\"><svg class=\"states\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" ")
        out.raw("aria-label=\"RFC 9293 state diagram with each endpoint's path\">\n")
        out.raw("<defs><marker id=\"dhead-\(index)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n")
        for transition in transitions {
            out.raw("<path class=\"edge\" d=\"\(edgePath(transition.from, transition.to, lane: 0))\" marker-end=\"url(#dhead-\(index))\"><title>")
            out.text("\(transition.from) → \(transition.to): \(transition.why)")
            out.raw("</title></path>\n")
        }
        // Each endpoint's path, in its colour, a little apart from the others'.
        for (lifeline, path) in paths.enumerated() where path.count > 1 {
            let colour = LadderLayout.colours[lifeline % LadderLayout.colours.count]
            let lane = Double(lifeline + 1) * 3 * (lifeline % 2 == 0 ? 1 : -1)
            for (from, to) in zip(path, path.dropFirst()) {
                let known = transitions.contains { $0.from == from && $0.to == to }
                out.raw("<path class=\"taken\(known ? "" : " extra")\" stroke=\"\(colour)\" d=\"\(edgePath(from, to, lane: lane))\" marker-end=\"url(#dhead-\(index))\"><title>")
                out.text("\(ladder.lifelines[lifeline]): \(from) → \(to)")
                out.raw("</title></path>\n")
            }
        }
        for state in TCPState.allCases {
            guard let (x, y) = positions[state] else { continue }
            let visited = paths.enumerated().filter { $0.element.contains(state) }.map(\.offset)
            out.raw("<g class=\"node\(visited.isEmpty ? "" : " visited")\" data-state=\"\(state)\" data-x=\"\(x)\" data-y=\"\(y)\">")
            out.raw("<rect x=\"\(x - 62)\" y=\"\(y - 15)\" width=\"124\" height=\"30\" rx=\"6\"/>")
            out.raw("<text x=\"\(x)\" y=\"\(y + 5)\" text-anchor=\"middle\">\(state)</text></g>\n")
        }
        for lifeline in ladder.lifelines.indices {
            let colour = LadderLayout.colours[lifeline % LadderLayout.colours.count]
            out.raw("<circle class=\"marker\" data-lifeline=\"\(lifeline)\" r=\"7\" cx=\"0\" cy=\"0\" fill=\"\(colour)\" visibility=\"hidden\"/>\n")
        }
        out.raw("</svg>\n<figcaption>RFC 9293's state diagram (section 3.3.2). Each endpoint's path is drawn in its colour: ")
        for (lifeline, name) in ladder.lifelines.enumerated() {
            if lifeline > 0 { out.raw(", ") }
            out.raw("<span class=\"key\" style=\"color:\(LadderLayout.colours[lifeline % LadderLayout.colours.count])\">")
            out.text(name)
            out.raw("</span>")
        }
        out.raw(". Dashed: a transition the figure does not draw, such as a reset.</figcaption></figure>\n")
    }

    /// A path between two boxes: straight where they face each other, curved around the
    /// side where the figure's arrow runs back up (to LISTEN or CLOSED).
    static func edgePath(_ from: TCPState, _ to: TCPState, lane: Double) -> String {
        guard let a = positions[from], let b = positions[to] else { return "" }
        if from == to { return "" }
        if to == .closed && from != .listen {
            // Back up to CLOSED around the outside: down out of the box, across to a lane
            // at the figure's edge, up, and in from the side (left half left, right half right).
            let left = a.x <= 320
            let drop = a.y + 30 + abs(lane)
            let laneX = (left ? 18.0 : width - 18) + (left ? 1 : -1) * (8 * Double(from.laneIndex) + abs(lane))
            let entry = b.x + (left ? -62 : 62)
            return "M\(a.x + lane),\(a.y + 15) L\(a.x + lane),\(drop) L\(laneX),\(drop) L\(laneX),\(b.y + lane / 2) L\(entry),\(b.y + lane / 2)"
        }
        // From the edge of one box to the edge of the other, along the line between centres.
        let dx = b.x - a.x, dy = b.y - a.y
        let length = max(1, (dx * dx + dy * dy).squareRoot())
        let (ux, uy) = (dx / length, dy / length)
        // How far the centre is from the box's edge along this direction (box 124 × 30).
        func inset(_ ux: Double, _ uy: Double) -> Double {
            let tx = ux == 0 ? Double.infinity : 62 / abs(ux)
            let ty = uy == 0 ? Double.infinity : 15 / abs(uy)
            return min(tx, ty) + 2
        }
        let d = inset(ux, uy)
        let (nx, ny) = (-uy * lane, ux * lane)
        let start = (a.x + ux * d + nx, a.y + uy * d + ny)
        let end = (b.x - ux * d + nx, b.y - uy * d + ny)
        return "M\(start.0),\(start.1) L\(end.0),\(end.1)"
    }
}

extension TCPState {
    /// Keeps the outside lanes of edges back to CLOSED apart.
    fileprivate var laneIndex: Int {
        switch self {
        case .timeWait, .lastAck: return 0
        case .synSent, .finWait2: return 1
        default: return 2
        }
    }
}
