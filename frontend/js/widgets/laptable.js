// The session's laps, newest first: time, sectors, delta to the reference, best, reference and invalid marks.

import { byId, element } from "../dom.js";
import { delta, known, lapTime } from "../format.js";
import { state } from "../state.js";

export function mountLapTable() {
  const head = byId("laps-head");
  const body = byId("laps-body");
  let seen = 0;

  return {
    draw() {
      if (seen === state.rev.laps) return;
      seen = state.rev.laps;
      const laps = state.data.laps;
      const sectors = laps.reduce((m, l) => Math.max(m, (l.sectors || []).length), 0);
      const headers = ["lap", "time", ...Array.from({ length: sectors }, (_, i) => `S${i + 1}`), "Δ ref", ""];
      head.replaceChildren(...headers.map((h) => element("th", "", h)));
      if (!laps.length) {
        const row = element("tr", "empty");
        const cell = element("td", "", "no lap completed yet");
        cell.colSpan = headers.length;
        row.append(cell);
        body.replaceChildren(row);
        return;
      }
      const bestSectors = Array.from({ length: sectors }, (_, i) =>
        Math.min(...laps.filter((l) => l.valid !== false).map((l) => (l.sectors || [])[i] ?? Infinity)),
      );
      const rows = [...laps].reverse().map((lap) => {
        const row = element("tr");
        row.dataset.lap = String(lap.lap);
        if (lap.valid === false) row.classList.add("invalid");
        if (lap.is_best) row.classList.add("best");
        row.append(element("td", "", String(lap.lap)), element("td", "time", lapTime(lap.time_s)));
        for (let i = 0; i < sectors; i += 1) {
          const s = (lap.sectors || [])[i];
          const cell = element("td", "", known(s) ? s.toFixed(3) : "–");
          if (known(s) && s === bestSectors[i] && lap.valid !== false) cell.classList.add("best-sector");
          row.append(cell);
        }
        const d = lap.delta_to_reference_s;
        const dc = element("td", known(d) ? (d <= 0 ? "gain" : "loss") : "", known(d) ? delta(d, 3) : "–");
        const marks = [lap.is_best ? "best" : "", lap.is_reference ? "ref" : "", lap.valid === false ? "invalid" : ""];
        row.append(dc, element("td", "marks", marks.filter(Boolean).join(" ")));
        return row;
      });
      body.replaceChildren(...rows);
    },
  };
}
