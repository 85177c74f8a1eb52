extension LadderPage {
    /// The page's CSS. Colours come from the Okabe–Ito palette and every state also carries
    /// its name, so nothing depends on telling colours apart; print hides the controls.
    static let styleSheet = """
        :root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #c8c8c8; --pick: #F0E442; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #fff; }
        header, main, footer { padding: 0 24px; }
        header { border-bottom: 1px solid var(--rule); padding-bottom: 8px; }
        h1 { font-size: 24px; margin: 16px 0 4px; }
        h2 { font-size: 18px; margin: 24px 0 8px; }
        .subtitle { color: var(--muted); margin: 0 0 6px; }
        .verdict { font-weight: 600; margin: 4px 0; }
        .verdict.pass { color: #00694a; } .verdict.fail { color: #a33a00; }
        .controls-note { font-size: 13px; color: var(--muted); }
        button { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid #888; border-radius: 4px; background: #f4f4f4; cursor: pointer; }
        button[aria-pressed="true"] { background: #0072B2; color: #fff; border-color: #0072B2; }
        table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }
        th, td { border: 1px solid var(--rule); padding: 3px 7px; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; }
        tr.held td:first-child { border-left: 4px solid #009E73; }
        tr.missed td { background: #fbe6da; } tr.missed td:first-child { border-left: 4px solid #D55E00; }
        .prose p { max-width: 80ch; white-space: pre-line; }
        .views { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        .ladder-view { overflow-x: auto; max-width: 100%; }
        .side { flex: 1 1 420px; min-width: 380px; max-width: 660px; }
        svg { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
        svg.ladder { display: block; }
        svg.ladder:focus { outline: 2px solid #0072B2; outline-offset: 2px; }
        .colhead, .frame { font-size: 11px; fill: var(--muted); }
        .lifeline-name { font: 600 14px system-ui, sans-serif; }
        .lifeline { stroke: #777; stroke-width: 1; }
        .arrow .shaft { stroke: #333; stroke-width: 1.6; }
        .arrow.ctl .shaft { stroke: #0072B2; stroke-width: 2; }
        .arrow.rst .shaft { stroke: #D55E00; stroke-width: 2.4; }
        .arrow.retransmission .shaft { stroke-dasharray: 6 4; }
        .arrow .hit { stroke: transparent; stroke-width: 16; cursor: pointer; }
        .arrow .header { font-size: 11px; fill: #222; }
        .arrow .label { font: italic 12px system-ui, sans-serif; fill: #00694a; }
        .arrow.rst .label { fill: #a33a00; }
        .arrow.selected .shaft { stroke-width: 4; }
        .arrow.selected .header { font-weight: 700; }
        .arrow.selected .hit { stroke: rgba(240, 228, 66, 0.55); }
        .cursor { stroke: #000; stroke-width: 1; stroke-dasharray: 2 3; }
        .gap line { stroke: #999; stroke-dasharray: 1 5; }
        .gap text { font-size: 11px; fill: var(--muted); }
        .note { font-size: 11px; fill: #6b3d8c; }
        .band { opacity: 0.9; }
        .state-pill rect { stroke: #555; stroke-width: 0.6; }
        .state-pill text { font-size: 11px; fill: #111; }
        .st-opening { fill: #bfe0f5; } .st-open { fill: #b8e6d4; } .st-closing { fill: #f6d7a7; }
        .st-timewait { fill: #ead0e1; } .st-closed { fill: #dddddd; }
        .panel { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; min-height: 120px; background: #fafafa; }
        .panel h3 { font-size: 15px; margin: 0 0 6px; }
        .panel table { margin: 0; }
        .panel .hint { color: var(--muted); font-size: 13px; }
        figure { margin: 0 0 12px; }
        figcaption { font-size: 12px; color: var(--muted); max-width: 640px; }
        svg.states { width: 100%; max-width: 640px; height: auto; }
        .tsplot svg { width: 100%; max-width: 640px; height: auto; }
        .states .edge { fill: none; stroke: #bbb; stroke-width: 1.2; }
        .states .taken { fill: none; stroke-width: 3; opacity: 0.85; }
        .states .taken.extra { stroke-dasharray: 6 4; }
        .states .node rect { fill: #fff; stroke: #888; }
        .states .node.visited rect { fill: #f2f2f2; stroke: #222; stroke-width: 1.5; }
        .states .node text { font-size: 12px; }
        .states .marker { stroke: #fff; stroke-width: 2; }
        .key { font-weight: 600; }
        .stepper { margin: 4px 0 8px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
        .stepper .position { font-size: 13px; color: var(--muted); margin-left: 6px; }
        .summary { font-size: 13px; }
        .tsplot .axes line { stroke: #555; } .tsplot .axes text { font-size: 10px; fill: #444; }
        .tsplot .ackline { fill: none; stroke: #009E73; stroke-width: 1.5; }
        .tsplot .winline { fill: none; stroke: #0072B2; stroke-width: 1.2; stroke-dasharray: 5 3; }
        .tsplot .seg { stroke-width: 2.2; } .tsplot .seg.data { stroke: #222; }
        .tsplot .seg.retx { stroke: #D55E00; stroke-width: 3; } .tsplot .seg.probe { stroke: #CC79A7; stroke-width: 3; }
        .tsplot .zerowin { fill: #CC79A7; }
        .k-data { color: #222; } .k-ack { color: #009E73; } .k-win { color: #0072B2; } .k-retx { color: #D55E00; }
        .k-probe, .k-zero { color: #a0568a; }
        .segments summary, .plots summary { font-weight: 600; cursor: pointer; margin: 8px 0; }
        .segment-table tr.selected td { background: #fbf6c4; }
        .segment-table tr.right td.state-answer, .segment-table select.right { outline: 2px solid #009E73; }
        .segment-table select.wrong { outline: 2px solid #D55E00; }
        .exercise-only { display: none; }
        body.exercise .exercise-only { display: revert; }
        body.exercise .state-pill, body.exercise .band, body.exercise .arrow .label,
        body.exercise .segment-table td.state, body.exercise .segment-table td.label,
        body.exercise .segment-table th:nth-child(10), body.exercise .segment-table th:nth-child(11),
        body.exercise .segment-table th:nth-child(9), body.exercise .states .taken, body.exercise .states .marker,
        body.exercise .panel .answer { visibility: hidden; }
        footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); margin-top: 24px; padding-top: 8px; }
        @media print {
          .noprint, .stepper, .panel, .exercise-only { display: none !important; }
          details { display: block; } details > summary { list-style: none; }
          .ladder-view { overflow: visible; }
          body { font-size: 12px; }
        }

        """

    /// The page's script: selection and panel, the step-through with markers on the state
    /// diagram, and the exercise. It only reads the data island; the page works without it.
    static let script = #"""
        "use strict";
        (function () {
          const data = JSON.parse(document.getElementById("tcplab-data").textContent);
          const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
          const sections = Array.from(document.querySelectorAll("section.connection"));
          const state = sections.map(() => ({ index: -1, timer: null }));

          function select(ladderIndex, i) {
            const ladder = data.ladders[ladderIndex];
            const section = sections[ladderIndex];
            if (!ladder || !section || ladder.arrows.length === 0) return;
            i = Math.max(0, Math.min(ladder.arrows.length - 1, i));
            state[ladderIndex].index = i;
            section.querySelectorAll(".arrow.selected, .segment-table tr.selected").forEach((e) => e.classList.remove("selected"));
            const arrowElement = section.querySelector('.arrow[data-i="' + i + '"]');
            const row = section.querySelector('.segment-table tr[data-i="' + i + '"]');
            if (arrowElement) arrowElement.classList.add("selected");
            if (row) row.classList.add("selected");
            const cursor = section.querySelector(".cursor");
            if (cursor && arrowElement) {
              const y = arrowElement.getAttribute("data-y");
              cursor.setAttribute("y1", y); cursor.setAttribute("y2", y);
              cursor.setAttribute("visibility", "visible");
            }
            const a = ladder.arrows[i];
            const names = ladder.lifelines;
            let html = "<h3>Frame " + a.frame + " (segment " + (i + 1) + " of " + ladder.arrows.length + ")</h3><table>";
            const rows = [
              ["time", a.time + " s"], ["from → to", names[a.from] + " → " + names[a.to]], ["flags", a.flags],
              ["seq / ack", a.seq + " / " + a.ack], ["len", a.len], ["window", a.win],
              ["label", a.labels.join(", ") || "—"], ["findings", a.analysis.join(", ") || "none"],
            ].concat(a.details);
            for (const [k, v] of rows) html += "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>";
            html += '<tr class="answer"><th>' + esc(names[a.from]) + " after it</th><td>" + esc(a.sender) + "</td></tr>";
            html += '<tr class="answer"><th>' + esc(names[a.to]) + " after it</th><td>" + esc(a.receiver) + "</td></tr>";
            html += "</table>";
            section.querySelector(".panel").innerHTML = html;
            section.querySelector(".stepper .position").textContent = "segment " + (i + 1) + " of " + ladder.arrows.length + " (frame " + a.frame + ")";
            const svg = section.querySelector("svg.states");
            a.states.forEach((name, lifeline) => {
              const marker = svg.querySelector('.marker[data-lifeline="' + lifeline + '"]');
              const node = name && svg.querySelector('.node[data-state="' + name + '"]');
              if (!marker) return;
              if (!node) { marker.setAttribute("visibility", "hidden"); return; }
              const offset = (lifeline % 2 === 0 ? -1 : 1) * (48 - 6 * Math.floor(lifeline / 2));
              marker.setAttribute("cx", Number(node.getAttribute("data-x")) + offset);
              marker.setAttribute("cy", node.getAttribute("data-y"));
              marker.setAttribute("visibility", "visible");
            });
            if (arrowElement && arrowElement.scrollIntoView && !state[ladderIndex].timer) {
              arrowElement.scrollIntoView({ block: "nearest", inline: "nearest" });
            }
          }

          function stop(ladderIndex) {
            const s = state[ladderIndex];
            if (s.timer) { clearInterval(s.timer); s.timer = null; }
            const play = sections[ladderIndex].querySelector('[data-step="play"]');
            if (play) play.textContent = "▶ Play";
          }

          sections.forEach((section, ladderIndex) => {
            section.querySelectorAll(".arrow").forEach((element) => {
              element.addEventListener("click", () => { stop(ladderIndex); select(ladderIndex, Number(element.getAttribute("data-i"))); });
            });
            section.querySelectorAll(".segment-table tbody tr").forEach((row) => {
              row.addEventListener("click", (event) => {
                if (event.target.tagName === "SELECT" || event.target.tagName === "OPTION") return;
                stop(ladderIndex); select(ladderIndex, Number(row.getAttribute("data-i")));
              });
            });
            const ladderSVG = section.querySelector("svg.ladder");
            ladderSVG.addEventListener("keydown", (event) => {
              const i = state[ladderIndex].index;
              if (event.key === "ArrowDown" || event.key === "j") { select(ladderIndex, i + 1); event.preventDefault(); }
              if (event.key === "ArrowUp" || event.key === "k") { select(ladderIndex, i < 0 ? 0 : i - 1); event.preventDefault(); }
              if (event.key === "Home") { select(ladderIndex, 0); event.preventDefault(); }
              if (event.key === "End") { select(ladderIndex, data.ladders[ladderIndex].arrows.length - 1); event.preventDefault(); }
            });
            section.querySelectorAll(".stepper button").forEach((button) => {
              button.addEventListener("click", () => {
                const what = button.getAttribute("data-step");
                const i = state[ladderIndex].index;
                const count = data.ladders[ladderIndex].arrows.length;
                if (what === "first") { stop(ladderIndex); select(ladderIndex, 0); }
                if (what === "prev") { stop(ladderIndex); select(ladderIndex, i - 1); }
                if (what === "next") { stop(ladderIndex); select(ladderIndex, i + 1); }
                if (what === "play") {
                  if (state[ladderIndex].timer) { stop(ladderIndex); return; }
                  button.textContent = "⏸ Pause";
                  if (i >= count - 1) select(ladderIndex, 0);
                  state[ladderIndex].timer = setInterval(() => {
                    const now = state[ladderIndex].index;
                    if (now >= count - 1) { stop(ladderIndex); return; }
                    select(ladderIndex, now + 1);
                  }, 900);
                }
              });
            });
            const check = section.querySelector(".check-answers");
            if (check) check.addEventListener("click", () => {
              const ladder = data.ladders[ladderIndex];
              let right = 0, total = 0;
              section.querySelectorAll(".segment-table tbody tr").forEach((row) => {
                const a = ladder.arrows[Number(row.getAttribute("data-i"))];
                row.querySelectorAll("select").forEach((choice) => {
                  const truth = choice.getAttribute("data-role") === "sender" ? a.sender : a.receiver;
                  total += 1;
                  choice.classList.remove("right", "wrong");
                  if (choice.value === "") return;
                  if (choice.value === truth) { right += 1; choice.classList.add("right"); } else { choice.classList.add("wrong"); }
                });
              });
              section.querySelector(".score").textContent = right + " of " + total + " states right";
            });
          });

          const toggle = document.getElementById("exercise-toggle");
          if (toggle) toggle.addEventListener("click", () => {
            const on = document.body.classList.toggle("exercise");
            toggle.setAttribute("aria-pressed", on ? "true" : "false");
            toggle.textContent = on ? "Exercise on: show the states" : "Exercise: hide the states";
          });
          // A link can point at one segment: page.html#ladder-0:5 selects the sixth segment of
          // the first ladder, so a teacher can send a student to the moment that matters.
          const target = /^#ladder-(\d+)(?::(\d+))?$/.exec(location.hash);
          if (target) {
            const ladderIndex = Number(target[1]);
            if (sections[ladderIndex]) {
              sections[ladderIndex].scrollIntoView();
              if (target[2] !== undefined) select(ladderIndex, Number(target[2]));
            }
          }
          window.tcplab = { select: select, data: data };
        })();

        """#
}
