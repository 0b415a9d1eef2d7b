// First dashboard: speed, gear, RPM, pedals and lap times of one rig, drawn once per animation frame.
import { connect } from "./ws.js";
import { state, apply, currentRig } from "./state.js";

const el = (id) => document.getElementById(id);
const nodes = Object.fromEntries(
  ["speed", "gear", "rpm", "throttle", "brake", "lap", "lap-time", "last-lap", "best-lap", "session", "conn"].map((id) => [id, el(id)]),
);

function lapTime(s) {
  if (s === null || s === undefined) return "–";
  const m = Math.floor(s / 60);
  const rest = (s - m * 60).toFixed(3).padStart(6, "0");
  return `${m}:${rest}`;
}

function gearText(g) {
  if (g === null || g === undefined) return "–";
  return g === -1 ? "R" : g === 0 ? "N" : String(g);
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function draw() {
  if (state.dirty) {
    state.dirty = false;
    const rig = currentRig();
    const f = rig ? state.frames[rig] : null;
    const s = rig ? state.sessions[rig] : null;
    setText(nodes.conn, state.connection);
    nodes.conn.dataset.state = state.connection;
    setText(nodes.session, s ? `${rig} · ${s.game} · ${s.track ?? "?"} · ${s.car ?? "?"}` : "waiting for a rig…");
    if (f) {
      setText(nodes.speed, f.speed_kmh === null ? "–" : Math.round(f.speed_kmh).toString());
      setText(nodes.gear, gearText(f.gear));
      setText(nodes.rpm, f.rpm === null ? "–" : Math.round(f.rpm).toString());
      nodes.throttle.style.transform = `scaleX(${f.throttle ?? 0})`;
      nodes.brake.style.transform = `scaleX(${f.brake ?? 0})`;
      setText(nodes.lap, f.lap === null ? "–" : String(f.lap));
      setText(nodes["lap-time"], lapTime(f.lap_time_s));
      setText(nodes["last-lap"], lapTime(f.last_lap_s));
      setText(nodes["best-lap"], lapTime(f.best_lap_s));
    }
  }
  requestAnimationFrame(draw);
}

connect({
  rig: state.rig,
  onMessage: apply,
  onState: (s) => { state.connection = s; state.dirty = true; },
});
requestAnimationFrame(draw);
