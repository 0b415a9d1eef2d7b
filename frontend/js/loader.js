// Fetches what frames do not carry (laps, reference lap, recent events, thresholds) when the page
// opens, when it reconnects, when the shown rig or its session changes, and when a lap becomes the
// reference. Answers for a rig that is no longer shown are thrown away.

import { api } from "./api.js";
import { setEvents, setLaps, state, touch } from "./state.js";
import { BUILTIN, fromApi } from "./thresholds.js";

let generation = 0;
let thresholdsKey = undefined;

function current(gen, rig) {
  return gen === generation && rig === state.rig;
}

export async function loadReference() {
  const rig = state.rig;
  const gen = generation;
  if (!rig) return;
  state.data.referenceStatus = "loading";
  try {
    const reference = await api.reference(rig);
    if (!current(gen, rig)) return;
    if (reference && reference.reference === null) {
      // No reference yet (no valid lap from line to line): a normal answer, with the reason to show.
      state.data.reference = null;
      state.data.referenceStatus = "missing";
      state.data.referenceReason = reference.reason || "";
    } else {
      state.data.reference = reference;
      state.data.referenceStatus = "ok";
      state.data.referenceReason = "";
    }
  } catch (error) {
    if (!current(gen, rig)) return;
    state.data.reference = null;
    state.data.referenceStatus = error.status === 404 ? "missing" : "error";
    state.data.referenceReason = error.message;
  }
  touch("reference");
}

async function loadLaps(rig, gen) {
  try {
    const laps = await api.laps(rig);
    if (current(gen, rig) && Array.isArray(laps)) setLaps(laps);
  } catch {
    // No laps endpoint or no session yet: the table fills from live lap messages.
  }
}

async function loadEvents(rig, gen) {
  try {
    const events = await api.events(rig);
    const list = Array.isArray(events) ? events : events && events.events;
    if (current(gen, rig) && Array.isArray(list)) setEvents(list);
  } catch {
    // No events yet: the feed fills from live event messages.
  }
}

export async function loadThresholds(force = false) {
  const session = state.rig ? state.sessions[state.rig] : null;
  // Without a session the car class is unknown: wait for it rather than fetch a table twice.
  if (!session) return;
  const carClass = session.car_class || null;
  if (!force && carClass === thresholdsKey) return;
  thresholdsKey = carClass;
  try {
    const table = await api.thresholds(carClass);
    if (carClass !== thresholdsKey) return;
    state.thresholds = fromApi(table, carClass);
  } catch (error) {
    if (carClass !== thresholdsKey) return;
    state.thresholds = { ...BUILTIN, source: `built-in (api: ${error.message || "unreachable"})`, carClass };
  }
  touch("thresholds");
}

let pending = false;

/** Everything for the shown rig, afresh. */
function loadAll() {
  generation += 1;
  pending = false;
  const rig = state.rig;
  if (!rig) return;
  const gen = generation;
  loadLaps(rig, gen);
  loadEvents(rig, gen);
  loadReference();
  loadThresholds(true);
}

/**
 * Load everything for the shown rig as soon as the backend has its session: at once if the page
 * already has it, else when the session message comes (the backend sends it on connect and when a
 * rig joins). Asking before would only get "no session here yet" answers.
 */
export function requestLoad({ waitForSession = false } = {}) {
  if (!waitForSession && state.rig && state.sessions[state.rig]) loadAll();
  else pending = true;
}

/** The shown rig's session message arrived: load what was waiting for it, or all of a new session. */
export function sessionArrived(isNew) {
  if (pending || isNew) loadAll();
  else loadThresholds();
}
