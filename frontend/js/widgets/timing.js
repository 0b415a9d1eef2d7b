// Timing: live delta bar to the reference lap (green gaining, red losing), current, last, best and
// predicted lap, position, and the current lap's sector splits.

import { byId, element, setData, setStyle, setText } from "../dom.js";
import { delta, known, lapTime } from "../format.js";
import { state } from "../state.js";

const DELTA_FULL_S = 2; // the bar is full at two seconds either way

function sectorCount(coach, laps, reference) {
  const fromLap = laps.length ? (laps[laps.length - 1].sectors || []).length : 0;
  if (fromLap) return fromLap;
  if (reference && Array.isArray(reference.sectors_m) && reference.sectors_m.length) {
    return reference.sectors_m[0] === 0 ? reference.sectors_m.length : reference.sectors_m.length + 1;
  }
  const fromCoach = coach && Array.isArray(coach.sectors) ? coach.sectors.length : 0;
  return Math.max(3, fromCoach, coach && coach.sector ? coach.sector : 0);
}

export function mountTiming() {
  const n = Object.fromEntries(
    ["delta", "delta-gain", "delta-loss", "ref-time", "lap", "lap-time", "predicted", "last-lap", "best-lap", "position", "sectors"].map(
      (id) => [id, byId(id)],
    ),
  );
  const sectorNodes = [];
  const seen = { frame: 0, laps: 0, reference: 0 };

  function ensureSectors(count) {
    while (sectorNodes.length < count) {
      const box = element("div", "sector");
      const name = element("span", "sector-name", `S${sectorNodes.length + 1}`);
      const time = element("span", "sector-time", "–");
      const diff = element("span", "sector-delta", "");
      box.append(name, time, diff);
      n.sectors.append(box);
      sectorNodes.push({ box, time, diff });
    }
    while (sectorNodes.length > count) sectorNodes.pop().box.remove();
  }

  return {
    draw() {
      if (seen.frame === state.rev.frame && seen.laps === state.rev.laps && seen.reference === state.rev.reference) return;
      seen.frame = state.rev.frame;
      seen.laps = state.rev.laps;
      seen.reference = state.rev.reference;
      const f = state.data.frame;
      const c = state.data.coach || {};
      const d = known(c.delta_s) ? c.delta_s : null;
      setText(n.delta, d === null ? "–" : delta(d, 2));
      setData(n.delta, "sign", d === null ? "none" : d < 0 ? "gain" : d > 0 ? "loss" : "even");
      const share = d === null ? 0 : Math.min(1, Math.abs(d) / DELTA_FULL_S);
      setStyle(n["delta-gain"], "transform", `scaleX(${d !== null && d < 0 ? share.toFixed(3) : 0})`);
      setStyle(n["delta-loss"], "transform", `scaleX(${d !== null && d > 0 ? share.toFixed(3) : 0})`);
      const ref = c.reference_lap_s ?? state.data.reference?.lap_time_s;
      setText(n["ref-time"], known(ref) ? `(ref ${lapTime(ref)})` : "(no reference yet)");

      setText(n.lap, f && known(f.lap) ? String(f.lap) : "–");
      setText(n["lap-time"], lapTime(f ? f.lap_time_s : null));
      setText(n.predicted, lapTime(c.predicted_lap_s));
      setText(n["last-lap"], lapTime(f ? f.last_lap_s : null));
      setText(n["best-lap"], lapTime(f && known(f.best_lap_s) ? f.best_lap_s : c.best_lap_s));
      setText(n.position, f && known(f.position) ? `P${f.position}` : "–");

      const count = sectorCount(c, state.data.laps, state.data.reference);
      ensureSectors(count);
      const done = Array.isArray(c.sectors) ? c.sectors : [];
      sectorNodes.forEach((node, i) => {
        const split = done.find((s) => s.sector === i + 1);
        setText(node.time, split && known(split.time_s) ? split.time_s.toFixed(3) : "–");
        setText(node.diff, split && known(split.delta_s) ? delta(split.delta_s, 2) : "");
        const status = split
          ? known(split.delta_s)
            ? split.delta_s <= 0
              ? "gain"
              : "loss"
            : "done"
          : c.sector === i + 1
            ? "running"
            : "todo";
        setData(node.box, "status", status);
      });
    },
  };
}
