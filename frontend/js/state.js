// The one place live data is kept: the shown rig, its newest frame and coach state, bounded traces,
// laps, events, reference and thresholds. Widgets read it; only this module and main.js write it.
// Every part has a revision number that goes up when it changes, so a widget redraws only then.

import { Ring } from "./ring.js";
import { BUILTIN } from "./thresholds.js";

export const LIMITS = Object.freeze({
  traceSeconds: 8, // the rolling input trace
  traceSamples: 8 * 120, // room for 8 s at up to 120 Hz
  gTrailSamples: 45, // about 0.75 s of the g-force trail at 60 Hz
  mapTrailPoints: 4096, // a lap of a 7 km track at one point every 2 m
  mapTrailSpacingM: 2,
  events: 50,
  laps: 200,
  fuelLaps: 5, // laps averaged for the computed fuel use
});

function rigData() {
  return {
    frame: null,
    coach: null,
    // t, throttle, brake, clutch, steering
    trace: new Ring(LIMITS.traceSamples, 5),
    // g_lat, g_lon
    gTrail: new Ring(LIMITS.gTrailSamples, 2),
    // x, y, lap_dist_m
    mapTrail: new Ring(LIMITS.mapTrailPoints, 3),
    mapBounds: null,
    events: [],
    laps: [],
    reference: null,
    referenceStatus: "none", // none | loading | ok | missing | error
    referenceReason: "",
    fuel: { lap: null, lapStartFuel: null, used: [] },
    framesApplied: 0,
  };
}

export const state = {
  // The rig named in the URL (?rig=NAME), or null to follow the first live rig.
  chosenRig: new URLSearchParams(location.search).get("rig") || null,
  rig: null, // the rig shown
  rigs: [],
  sessions: {},
  data: rigData(),
  thresholds: { ...BUILTIN },
  connection: "connecting",
  attempt: 0,
  rev: { conn: 1, rigs: 1, session: 1, frame: 1, coach: 1, events: 1, laps: 1, reference: 1, thresholds: 1 },
};

export function touch(...parts) {
  for (const part of parts) state.rev[part] += 1;
}

/** The rig the page should show: the chosen one, else the shown one while it lives, else the first live one. */
export function pickRig() {
  if (state.chosenRig) return state.chosenRig;
  const live = state.rigs.filter((r) => r.connected);
  if (state.rig && live.some((r) => r.rig === state.rig)) return state.rig;
  if (live.length) return live[0].rig;
  return state.rig || (state.rigs[0] ? state.rigs[0].rig : null);
}

/** Forget everything of the shown rig (another rig, or a new session of the same one). */
export function resetRigData() {
  state.data = rigData();
  touch("session", "frame", "coach", "events", "laps", "reference", "rigs");
}

/** Show another rig. Returns true when it changed. */
export function showRig(rig) {
  if (rig === state.rig) return false;
  state.rig = rig;
  resetRigData();
  return true;
}

export function session() {
  return state.rig ? state.sessions[state.rig] || null : null;
}

function addPoint(d, f) {
  if (f.pos_x === null || f.pos_y === null || f.pos_x === undefined) return;
  const trail = d.mapTrail;
  if (trail.length) {
    const dx = f.pos_x - trail.last(0);
    const dy = f.pos_y - trail.last(1);
    if (dx * dx + dy * dy < LIMITS.mapTrailSpacingM * LIMITS.mapTrailSpacingM) return;
  }
  trail.push(f.pos_x, f.pos_y, f.lap_dist_m ?? NaN);
  const b = d.mapBounds;
  if (!b) d.mapBounds = { minX: f.pos_x, maxX: f.pos_x, minY: f.pos_y, maxY: f.pos_y, points: 1 };
  else {
    b.minX = Math.min(b.minX, f.pos_x);
    b.maxX = Math.max(b.maxX, f.pos_x);
    b.minY = Math.min(b.minY, f.pos_y);
    b.maxY = Math.max(b.maxY, f.pos_y);
    b.points += 1;
  }
}

// Fuel used per lap, measured at each lap change, for rigs the coaching engine has not summed up yet.
function trackFuel(d, f) {
  const fuel = d.fuel;
  if (f.lap === null || f.fuel_l === null) return;
  if (fuel.lap !== null && f.lap === fuel.lap + 1 && fuel.lapStartFuel !== null) {
    const used = fuel.lapStartFuel - f.fuel_l;
    // A refuel or a reset between laps is not consumption.
    if (used > 0) {
      fuel.used.push(used);
      if (fuel.used.length > LIMITS.fuelLaps) fuel.used.shift();
    }
  }
  if (f.lap !== fuel.lap) {
    fuel.lap = f.lap;
    fuel.lapStartFuel = f.fuel_l;
  }
}

export function applyFrames(message, stats) {
  if (message.rig !== state.rig) return;
  const d = state.data;
  for (const f of message.frames) {
    d.trace.push(f.t, f.throttle ?? NaN, f.brake ?? NaN, f.clutch ?? NaN, f.steering ?? NaN);
    if (f.g_lat !== null && f.g_lon !== null) d.gTrail.push(f.g_lat, f.g_lon);
    addPoint(d, f);
    trackFuel(d, f);
    d.frame = f;
  }
  d.framesApplied += message.frames.length;
  stats.framesApplied += message.frames.length;
  touch("frame");
  if (message.coach !== undefined) {
    d.coach = message.coach;
    touch("coach");
  }
}

export function applyEvent(event) {
  if (event.rig !== state.rig) return false;
  const list = state.data.events;
  list.unshift(event);
  if (list.length > LIMITS.events) list.length = LIMITS.events;
  touch("events");
  return true;
}

export function setEvents(events) {
  // The API gives recent events; shown newest first, and live ones already here are kept.
  const seen = new Set(state.data.events.map((e) => `${e.t}|${e.kind}`));
  const merged = [...state.data.events, ...events.filter((e) => !seen.has(`${e.t}|${e.kind}`))];
  merged.sort((a, b) => b.t - a.t);
  state.data.events = merged.slice(0, LIMITS.events);
  touch("events");
}

export function applyLap(lap) {
  const laps = state.data.laps;
  const i = laps.findIndex((l) => l.lap === lap.lap);
  if (i >= 0) laps[i] = { ...laps[i], ...lap };
  else laps.push(lap);
  laps.sort((a, b) => a.lap - b.lap);
  if (laps.length > LIMITS.laps) laps.splice(0, laps.length - LIMITS.laps);
  if (lap.is_best) for (const other of laps) if (other.lap !== lap.lap) other.is_best = false;
  if (lap.is_reference) for (const other of laps) if (other.lap !== lap.lap) other.is_reference = false;
  touch("laps");
}

export function setLaps(laps) {
  state.data.laps = [];
  for (const lap of laps) applyLap(lap);
  touch("laps");
}
