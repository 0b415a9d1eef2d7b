// One session's numbers: the summary (best, theoretical best from the best sectors, consistency, the
// reference), the lap table with A/B pickers, and the coaching events of the session.

import { element } from "../dom.js";
import { DASH, delta, fixed, known, lapTime } from "../format.js";
import { when, who } from "./list.js";

/** A lap's name in pickers and captions: "lap 3 · 2:19.465". */
export function lapName(lap) {
  return `lap ${lap.lap} · ${lapTime(lap.time_s)}`;
}

/** Laps that can be compared (they have a trace from line to line), and the reference when elsewhere. */
export function comparable(analysis) {
  const laps = analysis.laps
    .filter((l) => l.has_trace)
    .map((l) => ({ id: l.id, label: `${lapName(l)}${l.is_reference ? " (ref)" : ""}`, lap: l }));
  const ref = analysis.reference;
  if (ref && !laps.some((l) => l.id === ref.lap_id)) {
    const where = ref.session_id === analysis.session.id ? "" : " (another session)";
    laps.push({ id: ref.lap_id, label: `reference · ${lapTime(ref.time_s)}${where}`, lap: null, reference: true });
  }
  return laps;
}

export function title(session) {
  return [session.track, session.car, who(session), when(session.started)].filter((p) => p && p !== DASH).join(" · ");
}

export function mountSummary(root) {
  const $ = (id) => root.querySelector(`#${id}`);
  return {
    show(analysis) {
      const best = analysis.laps.find((l) => l.id === analysis.best_lap_id);
      $("fact-best").textContent = best ? lapTime(best.time_s) : DASH;
      $("fact-theoretical").textContent = lapTime(analysis.theoretical_best_s);
      const sectors = analysis.best_sectors_s;
      const gain = best && known(analysis.theoretical_best_s) ? analysis.theoretical_best_s - best.time_s : null;
      $("fact-theoretical-note").textContent = sectors
        ? `best sectors ${sectors.map((s) => fixed(s, 3)).join(" + ")}${known(gain) ? ` (${delta(gain)} on the best lap)` : ""}`
        : "needs valid laps with sectors";
      const c = analysis.consistency;
      $("fact-spread").textContent = c && known(c.spread_s) ? `${fixed(c.spread_s, 3)} s` : DASH;
      $("fact-consistency-note").textContent = c
        ? `${c.laps} valid laps · σ ${known(c.stdev_s) ? fixed(c.stdev_s, 3) : DASH} s · median ${lapTime(c.median_s)}`
        : "needs valid laps";
      const ref = analysis.reference;
      $("fact-reference").textContent = ref ? lapTime(ref.time_s) : DASH;
      $("fact-reference-note").textContent = ref
        ? `${ref.session_id === analysis.session.id ? `lap ${ref.lap} of this session` : "from another session"} · ${
            ref.pinned ? "pinned" : ref.source === "session_best" ? "this session's best" : "best of this car and track"
          }`
        : "no reference lap for this car and track yet";
      // The post-session report: {url, created} once made; otherwise the backend makes it when the link
      // is first opened (a few seconds), so the link is always there. URLs are relative to the page.
      const report = $("report");
      const made = analysis.report;
      report.href = (made && made.url) || `api/sessions/${encodeURIComponent(analysis.session.id)}/report`;
      report.textContent = made && made.created ? `post-session report (${when(made.created)})` : "post-session report";
      report.title = made ? "" : "made when first opened, from the evidence measured here";
      report.hidden = false;
    },
  };
}

/** The lap table; ``onPick(which, lapId)`` when an A or B button is pressed. */
export function mountLapTable(root, { onPick }) {
  const head = root.querySelector("#slaps-head");
  const body = root.querySelector("#slaps-body");
  const note = root.querySelector("#laps-note");
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-pick]");
    if (button) onPick(button.dataset.pick, Number(button.closest("tr").dataset.lapId));
  });
  let rows = new Map();
  return {
    show(analysis) {
      const sectors = Math.max(0, ...analysis.laps.map((l) => (Array.isArray(l.sectors) ? l.sectors.length : 0)));
      const best = analysis.best_sectors_s || [];
      head.replaceChildren(
        ...[
          "lap",
          "time",
          ...Array.from({ length: sectors }, (_, i) => `S${i + 1}`),
          "Δ best",
          "valid",
          "",
          "compare",
        ].map((t) => element("th", "", t)),
      );
      rows = new Map();
      body.replaceChildren(
        ...analysis.laps.map((lap) => {
          const tr = element("tr");
          tr.dataset.lapId = String(lap.id);
          tr.dataset.lap = String(lap.lap);
          if (!lap.valid) tr.classList.add("invalid");
          if (lap.is_session_best) tr.classList.add("best");
          if (lap.is_reference) tr.classList.add("reference");
          const cells = [element("td", "lap", String(lap.lap)), element("td", "time", lapTime(lap.time_s))];
          for (let i = 0; i < sectors; i += 1) {
            const s = Array.isArray(lap.sectors) ? lap.sectors[i] : null;
            const cell = element("td", "sec", known(s) ? fixed(s, 3) : DASH);
            if (known(s) && known(best[i]) && Math.abs(s - best[i]) < 0.0005) cell.classList.add("best-sector");
            cells.push(cell);
          }
          const d = lap.delta_to_best_s;
          const dCell = element("td", "delta", lap.is_session_best ? "best" : delta(d));
          if (known(d) && !lap.is_session_best) dCell.classList.add(d > 0 ? "loss" : "gain");
          cells.push(dCell, element("td", "valid", lap.valid ? "✓" : "✗"));
          const marks = [
            lap.is_reference && "ref",
            lap.out_lap && "out",
            lap.in_lap && "in",
            !lap.complete && "partial",
          ].filter(Boolean);
          cells.push(element("td", "marks", marks.join(" ")));
          const pick = element("td", "pick");
          if (lap.has_trace) {
            for (const which of ["a", "b"]) {
              const button = element("button", `pick-${which}`, which.toUpperCase());
              button.type = "button";
              button.dataset.pick = which;
              button.title = `compare lap ${lap.lap} as ${which.toUpperCase()}`;
              pick.append(button);
            }
          } else pick.textContent = "no trace";
          cells.push(pick);
          tr.append(...cells);
          rows.set(lap.id, tr);
          return tr;
        }),
      );
      const n = analysis.laps.length;
      note.textContent = n ? `${n} lap${n === 1 ? "" : "s"} · purple: best sector` : "no lap completed";
    },
    /** Mark the laps being compared. */
    mark(a, b) {
      for (const [id, tr] of rows) {
        tr.classList.toggle("is-a", id === a);
        tr.classList.toggle("is-b", id === b);
      }
    },
  };
}

/** The session's coaching events; ``onPick(event)`` on a click (the page zooms to where it was). */
export function mountEvents(root, { onPick }) {
  const list = root.querySelector("#events");
  const note = root.querySelector("#events-note");
  let shown = [];
  list.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-index]");
    if (li) onPick(shown[Number(li.dataset.index)]);
  });
  list.addEventListener("keydown", (e) => {
    const li = e.target.closest("li[data-index]");
    if (li && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      onPick(shown[Number(li.dataset.index)]);
    }
  });
  return {
    show(events) {
      shown = Array.isArray(events) ? events : [];
      if (!shown.length) {
        list.replaceChildren(element("li", "empty muted", "no coaching in this session"));
      } else {
        list.replaceChildren(
          ...shown.map((e, i) => {
            const li = element("li", `sev-${e.severity || "info"}`);
            li.dataset.index = String(i);
            li.dataset.kind = e.kind || "";
            if (known(e.lap)) li.dataset.lap = String(e.lap);
            const where = [e.corner, known(analysedLap(e)) ? `lap ${analysedLap(e)}` : null]
              .filter(Boolean)
              .join(" · ");
            li.append(
              element("span", "event-text", e.message || e.kind || "event"),
              element("span", "coach-where", where),
            );
            li.tabIndex = 0;
            return li;
          }),
        );
      }
      note.textContent = shown.length ? `${shown.length} · click one to see it` : "";
    },
  };
}

/** The lap an event is about (the engine analyses a lap and speaks during the next one). */
export function analysedLap(event) {
  const evidence = event && event.evidence;
  if (evidence && known(evidence.analysed_lap)) return evidence.analysed_lap;
  return event ? event.lap : null;
}
