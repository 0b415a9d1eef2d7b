// Per corner for the session, against the reference lap: braking point, minimum and exit speed and
// the time lost, lap by lap, with the spread (standard deviation) across laps. A click zooms to it.

import { element } from "../dom.js";
import { DASH, delta, fixed, known } from "../format.js";

const METRICS = {
  time_lost_s: { label: "time lost", unit: "s", show: (v) => delta(v), spread: (v) => fixed(v, 3) },
  brake_m: { label: "braking point", unit: "m", show: (v) => fixed(v, 0), spread: (v) => fixed(v, 1) },
  min_speed_kmh: { label: "minimum speed", unit: "km/h", show: (v) => fixed(v, 1), spread: (v) => fixed(v, 1) },
  exit_speed_kmh: { label: "exit speed", unit: "km/h", show: (v) => fixed(v, 1), spread: (v) => fixed(v, 1) },
};

// Above this a corner's time lost is worth a colour (seconds).
const NOTABLE_S = 0.05;

export function mountCorners(root, { onPick }) {
  const head = root.querySelector("#corners-head");
  const body = root.querySelector("#corners-body");
  const metricPicker = root.querySelector("#corner-metric");
  let corners = [];
  let laps = [];
  let marked = { a: null, b: null };

  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-number]");
    if (row) onPick(corners.find((c) => String(c.number) === row.dataset.number));
  });
  body.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr[data-number]");
    if (row && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      onPick(corners.find((c) => String(c.number) === row.dataset.number));
    }
  });
  metricPicker.addEventListener("change", render);

  function render() {
    const key = metricPicker.value;
    const metric = METRICS[key];
    const headCells = [
      element("th", "", "corner"),
      element("th", "", "ref brake"),
      element("th", "", "ref min"),
      element("th", "", "ref exit"),
      ...laps.map((lap) => {
        const th = element("th", "lap-col", `lap ${lap}`);
        th.dataset.lap = String(lap);
        return th;
      }),
      element("th", "", `spread (${metric.unit})`),
      element("th", "", "mean lost"),
    ];
    head.replaceChildren(...headCells);
    if (!corners.length) {
      const tr = element("tr", "empty");
      const td = element("td", "", "no corners: the track has none named, or no lap was analysed");
      td.colSpan = headCells.length;
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(
      ...corners.map((c) => {
        const tr = element("tr", "corner-row");
        tr.dataset.number = String(c.number);
        tr.dataset.corner = c.name;
        tr.tabIndex = 0;
        tr.title = `zoom the comparison to ${c.name} (${fixed(c.from_m, 0)}–${fixed(c.to_m, 0)} m)`;
        const ref = c.reference || {};
        const name = element("td", "name", c.name);
        if (c.direction)
          name.append(
            element("span", "dir muted", c.direction === "left" ? " ↰" : c.direction === "right" ? " ↱" : ""),
          );
        const cells = [
          name,
          element("td", "ref", known(ref.brake_m) ? `${fixed(ref.brake_m, 0)} m` : DASH),
          element("td", "ref", known(ref.min_speed_kmh) ? fixed(ref.min_speed_kmh, 1) : DASH),
          element("td", "ref", known(ref.exit_speed_kmh) ? fixed(ref.exit_speed_kmh, 1) : DASH),
        ];
        const byLap = new Map((c.laps || []).map((l) => [l.lap, l]));
        for (const lap of laps) {
          const row = byLap.get(lap);
          const v = row ? row[key] : null;
          const td = element("td", "lap-cell", known(v) ? metric.show(v) : DASH);
          td.dataset.lap = String(lap);
          if (row) {
            td.dataset.lapId = String(row.lap_id);
            if (known(row.time_lost_s)) td.dataset.lost = String(row.time_lost_s);
            td.title = [
              `lap ${lap} at ${c.name}`,
              `braking ${known(row.brake_m) ? `${fixed(row.brake_m, 0)} m` : DASH}`,
              `minimum ${fixed(row.min_speed_kmh, 1)} km/h`,
              `exit ${fixed(row.exit_speed_kmh, 1)} km/h`,
              `lost ${delta(row.time_lost_s)} s`,
              row.advice || "",
            ]
              .filter(Boolean)
              .join(" · ");
            // The coach judged a mistake here on this lap (the same rules as live).
            if (row.kind) {
              td.classList.add("mistake");
              td.dataset.kind = row.kind;
            }
            if (key === "time_lost_s" && known(v) && Math.abs(v) >= NOTABLE_S)
              td.classList.add(v > 0 ? "loss" : "gain");
            if (row.lap_id === marked.a) td.classList.add("is-a");
            if (row.lap_id === marked.b) td.classList.add("is-b");
          }
          cells.push(td);
        }
        const spread = c.spread ? c.spread[key] : null;
        cells.push(element("td", "spread", known(spread) ? metric.spread(spread) : DASH));
        const mean = element("td", "mean", known(c.mean_time_lost_s) ? delta(c.mean_time_lost_s) : DASH);
        if (known(c.mean_time_lost_s) && Math.abs(c.mean_time_lost_s) >= NOTABLE_S)
          mean.classList.add(c.mean_time_lost_s > 0 ? "loss" : "gain");
        cells.push(mean);
        tr.append(...cells);
        return tr;
      }),
    );
  }

  return {
    show(analysis) {
      corners = Array.isArray(analysis.corners) ? analysis.corners : [];
      const seen = new Set();
      for (const c of corners) for (const l of c.laps || []) seen.add(l.lap);
      laps = [...seen].sort((x, y) => x - y);
      render();
    },
    mark(a, b) {
      marked = { a, b };
      render();
    },
    /** The corner zoomed to (highlighted), or null. */
    highlight(number) {
      for (const tr of body.querySelectorAll("tr[data-number]"))
        tr.classList.toggle("zoomed", tr.dataset.number === String(number));
    },
  };
}
