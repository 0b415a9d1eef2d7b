// The dashboard: one WebSocket, one state, one requestAnimationFrame loop drawing the widgets that
// have something new. Messages only change state; all DOM and canvas work happens in the loop.

import { currentToken } from "./access.js";
import { connect } from "./ws.js";
import { loadReference, requestLoad, sessionArrived } from "./loader.js";
import { applyEvent, applyFrames, applyLap, pickRig, resetRigData, showRig, state, touch } from "./state.js";
import { createStats } from "./stats.js";
import { mountCar } from "./widgets/car.js";
import { mountCoachFeed } from "./widgets/coachfeed.js";
import { mountDrive } from "./widgets/drive.js";
import { mountGForce } from "./widgets/gforce.js";
import { mountHeader } from "./widgets/header.js";
import { mountLapTable } from "./widgets/laptable.js";
import { mountPedals } from "./widgets/pedals.js";
import { mountTiming } from "./widgets/timing.js";
import { mountTrace } from "./widgets/trace.js";
import { mountTrackMap } from "./widgets/trackmap.js";
import { mountTyres } from "./widgets/tyres.js";
import { mountVoice } from "./widgets/voice.js";

let socket = null;
let subscribed = null;

function subscribe(rig) {
  if (socket && subscribed !== rig && socket.send({ type: "subscribe", rig })) subscribed = rig;
}

/** Show the rig the page should show now; on a change, subscribe to it and load what it needs. */
function follow() {
  const rig = pickRig();
  if (rig && showRig(rig)) {
    subscribe(rig);
    requestLoad();
  } else if (rig && subscribed !== rig) subscribe(rig);
}

// The engine's reference lap can change without a lap message (picked over the API): when its
// time no longer matches the loaded reference, load it again (at most every few seconds).
let referenceCheckedAt = 0;
function checkReference(coach) {
  const wanted = coach ? coach.reference_lap_s : null;
  if (wanted === null || wanted === undefined || state.data.referenceStatus === "loading") return;
  const loaded = state.data.reference ? state.data.reference.lap_time_s : null;
  if (loaded !== null && Math.abs(loaded - wanted) < 0.002) return;
  const now = performance.now();
  if (now - referenceCheckedAt < 5000) return;
  referenceCheckedAt = now;
  loadReference();
}

function pick(rig) {
  state.chosenRig = rig;
  const url = new URL(location.href);
  url.searchParams.set("rig", rig);
  history.replaceState(null, "", url);
  follow();
}

const voice = mountVoice();
const map = mountTrackMap();
const widgets = [
  mountHeader({ onPick: pick }),
  mountDrive(),
  mountPedals(),
  mountTrace(),
  mountTiming(),
  mountCoachFeed(),
  map,
  mountTyres(),
  mountGForce(),
  mountCar(),
  mountLapTable(),
];

const stats = createStats(() => ({
  rig: state.rig,
  connection: state.connection,
  thresholds: state.thresholds.source,
  reference: state.data.referenceStatus,
  map: map.stats,
  buffers: {
    trace: state.data.trace.length,
    g_trail: state.data.gTrail.length,
    map_trail: state.data.mapTrail.length,
    events: state.data.events.length,
    laps: state.data.laps.length,
  },
}));
window.simcoachStats = stats;

// A session of this rig ended and its post-session report is ready: a link in the header, until the next one.
function showReport(message) {
  const link = document.getElementById("report-link");
  const token = currentToken();
  // A link is a plain navigation (no Authorization header): the token goes in the query, as the WebSocket's does.
  link.href = token ? `${message.url}?access_token=${encodeURIComponent(token)}` : message.url;
  link.dataset.session = message.session_id;
  link.hidden = false;
}

function handle(message) {
  stats.messages += 1;
  switch (message.type) {
    case "rigs":
      state.rigs = Array.isArray(message.rigs) ? message.rigs : [];
      if (typeof message.subscribed === "string") subscribed = message.subscribed;
      touch("rigs");
      follow();
      break;
    case "session": {
      const before = state.sessions[message.rig];
      state.sessions[message.rig] = message;
      if (message.rig !== state.rig) break;
      touch("session");
      const isNew = Boolean(
        before && (before.track !== message.track || before.car !== message.car || before.session_type !== message.session_type),
      );
      // A new session: its traces, laps and reference start afresh, and the class may be another.
      if (isNew) resetRigData();
      sessionArrived(isNew);
      break;
    }
    case "frames":
      applyFrames(message, stats);
      if (message.rig === state.rig) checkReference(message.coach);
      break;
    case "event":
      if (applyEvent(message)) {
        stats.events += 1;
        if (voice.say(message)) stats.spoken += 1;
      }
      break;
    case "lap":
      if (message.rig === state.rig) {
        applyLap(message);
        if (message.is_reference) loadReference();
      }
      break;
    case "report":
      if (message.rig === state.rig) showReport(message);
      break;
    default:
      break; // errors and future message types are not the page's business
  }
}

if (state.chosenRig) showRig(state.chosenRig);

socket = connect({
  rig: () => state.rig,
  onMessage: handle,
  onState: (connection, attempt) => {
    state.connection = connection;
    state.attempt = attempt;
    if (connection !== "open") subscribed = null;
    touch("conn");
  },
  onOpen: () => {
    stats.wsOpens += 1;
    subscribed = state.rig || "all";
    // After a reconnect the backend may have restarted: laps, reference and thresholds afresh, once
    // it has sent the rig's session again.
    if (state.rig) requestLoad({ waitForSession: true });
  },
});

const failed = new Set();
let last = 0;
function loop(now) {
  if (last) stats.recordInterval(now - last);
  last = now;
  for (const widget of widgets) {
    try {
      widget.draw(now);
    } catch (error) {
      // One broken widget must not stop the others; say so once.
      if (!failed.has(widget)) {
        failed.add(widget);
        console.error("dashboard widget failed", error);
      }
    }
  }
  stats.draws += 1;
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);
