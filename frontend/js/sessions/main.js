// The sessions page: the stored sessions, one session's laps, corners and coaching, and two of its
// laps compared. What is shown lives in the URL (js/sessions/url.js); this module wires the parts.

import { setText } from "../dom.js";
import { delta, known, lapTime } from "../format.js";
import { api, currentToken, download, exportUrls, openWithToken } from "./api.js";
import { mountCharts } from "./charts.js";
import { mountCorners } from "./corners.js";
import { mountList } from "./list.js";
import { perf } from "./perf.js";
import { analysedLap, comparable, mountEvents, mountLapTable, mountSummary, title } from "./session.js";
import { mountMap } from "./trackmap.js";
import { readUrl, writeUrl } from "./url.js";

const $ = (id) => document.getElementById(id);

const state = {
  view: readUrl(),
  analysis: null,
  compare: null,
  options: [],
  loading: 0,
  drawn: null, // the laps last drawn: {a, b, points}
};

function showError(error) {
  const box = $("error");
  if (!error) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.textContent = error.status ? `${error.message} (HTTP ${error.status})` : String(error.message || error);
}

function setView(name) {
  document.body.dataset.view = name;
  $("list-view").hidden = name !== "list";
  $("session-view").hidden = name !== "session";
}

// --- the list -----------------------------------------------------------------------------------

const list = mountList({
  root: $("list-view"),
  onFilter: (filters) => {
    state.view = { ...state.view, ...filters, session: null };
    writeUrl(state.view);
    list.show(state.view).catch(showError);
  },
  onOpen: (id) => {
    perf.opened();
    state.view = { session: id, a: null, b: null, zoom: null, track: state.view.track, car: state.view.car };
    writeUrl(state.view, { push: true });
    route();
  },
});

async function showList() {
  setView("list");
  setText($("title"), "stored sessions");
  $("exports").hidden = true;
  document.title = "simcoach sessions";
  await list.show(state.view);
}

// --- one session --------------------------------------------------------------------------------

const summary = mountSummary(document);
const lapTable = mountLapTable(document, {
  onPick: (which, id) => pickLaps(which === "a" ? id : state.view.a, which === "b" ? id : state.view.b),
});
const corners = mountCorners(document, { onPick: zoomToCorner });
const events = mountEvents(document, { onPick: showEvent });
const map = mountMap({ canvas: $("smap"), overlay: $("smap-cursor"), note: $("map-note") });
const charts = mountCharts({
  root: $("charts"),
  readout: $("readout"),
  onZoom: (range) => {
    state.view = { ...state.view, zoom: range };
    writeUrl(state.view);
    map.zoom(range);
    corners.highlight(range ? cornerOf(range)?.number : null);
  },
  onCursor: (idx) => map.cursor(idx),
  onCornerPick: zoomToCorner,
});

function cornerOf(range) {
  const list = state.analysis ? state.analysis.corners || [] : [];
  return list.find((c) => Math.abs(c.from_m - range.from) < 1 && Math.abs(c.to_m - range.to) < 1) || null;
}

function zoomToCorner(corner) {
  if (!corner || !state.compare) return;
  // The corner's stretch (from the end of the last corner to the next), else its own window.
  const from = known(corner.from_m) ? corner.from_m : corner.entry_m;
  const to = known(corner.to_m) ? corner.to_m : corner.exit_m;
  if (known(from) && known(to)) charts.zoom({ from, to }, true);
}

function showEvent(event) {
  if (!event || !state.analysis) return;
  const lapNo = analysedLap(event);
  const lap = state.analysis.laps.find((l) => l.lap === lapNo && l.has_trace);
  const corner = (state.analysis.corners || []).find((c) => c.name === event.corner);
  const zoom = corner
    ? { from: corner.from_m, to: corner.to_m }
    : known(event.lap_dist_m)
      ? { from: event.lap_dist_m - 150, to: event.lap_dist_m + 150 }
      : null;
  if (lap && lap.id !== state.view.b && lap.id !== state.view.a) {
    state.view = { ...state.view, zoom };
    pickLaps(state.view.a, lap.id);
  } else if (zoom) charts.zoom(zoom, true);
}

function fillLapPickers() {
  for (const [id, which] of [
    ["lap-a", "a"],
    ["lap-b", "b"],
  ]) {
    const select = $(id);
    select.replaceChildren(
      ...state.options.map((o) => {
        const option = document.createElement("option");
        option.value = String(o.id);
        option.textContent = o.label;
        return option;
      }),
    );
    select.value = String(state.view[which] ?? "");
  }
}

function showExports(id) {
  const box = $("exports");
  box.replaceChildren(
    ...exportUrls(id).map((e) => {
      const link = document.createElement("a");
      link.href = e.href;
      link.textContent = e.name;
      link.title = e.title;
      link.setAttribute("download", "");
      link.className = "export";
      return link;
    }),
  );
  box.hidden = false;
}

// With an access token a plain link would be refused: the file is fetched with the token instead.
$("exports").addEventListener("click", (event) => {
  const link = event.target.closest("a.export");
  if (!link || !currentToken()) return;
  event.preventDefault();
  download(link.getAttribute("href"), link.textContent).catch(showError);
});

$("report").addEventListener("click", (event) => {
  if (!currentToken() || event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
  event.preventDefault();
  openWithToken($("report").getAttribute("href")).catch(showError);
});

/** The default pair: the reference (or the best lap) against the last other lap with a trace. */
function defaultPair(analysis) {
  const ids = state.options.map((o) => o.id);
  const ref = analysis.reference && ids.includes(analysis.reference.lap_id) ? analysis.reference.lap_id : null;
  const a = ref ?? (ids.includes(analysis.best_lap_id) ? analysis.best_lap_id : (ids[0] ?? null));
  const others = analysis.laps.filter((l) => l.has_trace && l.id !== a);
  const b = others.length ? others[others.length - 1].id : a;
  return { a, b };
}

async function showSession() {
  setView("session");
  const id = state.view.session;
  if (!state.analysis || state.analysis.session.id !== id) {
    setText($("title"), "loading…");
    state.analysis = null;
    state.compare = null;
    state.drawn = null;
    const analysis = await api.analysis(id);
    if (state.view.session !== id) return; // another session was opened meanwhile
    state.analysis = analysis;
    const name = title(analysis.session);
    setText($("title"), name);
    document.title = `simcoach · ${name}`;
    showExports(id);
    summary.show(analysis);
    lapTable.show(analysis);
    corners.show(analysis);
    events.show(analysis.events);
    state.options = comparable(analysis);
  }
  const ids = state.options.map((o) => o.id);
  let { a, b } = state.view;
  if (!ids.includes(a) || !ids.includes(b)) {
    const pair = defaultPair(state.analysis);
    a = ids.includes(a) ? a : pair.a;
    b = ids.includes(b) ? b : pair.b === a ? pair.a : pair.b;
  }
  state.view = { ...state.view, a, b };
  writeUrl(state.view);
  fillLapPickers();
  await loadComparison();
}

async function loadComparison() {
  const { a, b, zoom } = state.view;
  lapTable.mark(a, b);
  corners.mark(a, b);
  if (a === null || b === null) {
    setText($("compare-summary"), "no lap with a trace to compare");
    return;
  }
  const mine = ++state.loading;
  const run = perf.start(`compare ${a}-${b}`);
  const timing = {};
  const compare = await api.compare(a, b, { timing });
  if (mine !== state.loading) return; // another pair was picked meanwhile
  run.fetched(timing);
  state.compare = compare;
  const drawn = charts.show(compare, state.analysis.corners, zoom);
  map.show(compare, state.analysis.corners, charts.zoomed);
  await drawn;
  map.flush();
  if (mine !== state.loading) return;
  const end = lastKnown(compare.delta_s);
  const timeA = compare.lap_a ? compare.lap_a.time_s : null;
  const timeB = compare.lap_b ? compare.lap_b.time_s : null;
  const text = `B − A at the line ${delta(end)} s · A ${lapTime(timeA)} · B ${lapTime(timeB)}`;
  setText($("compare-summary"), text);
  $("compare-summary").dataset.endDelta = known(end) ? String(end) : "";
  corners.highlight(charts.zoomed ? cornerOf(charts.zoomed)?.number : null);
  state.drawn = { a, b, points: compare.dist_m.length };
  run.drawn({ points: compare.dist_m.length, step_m: compare.step_m });
}

function lastKnown(values) {
  for (let i = values.length - 1; i >= 0; i -= 1) if (known(values[i])) return values[i];
  return null;
}

function pickLaps(a, b) {
  if (a === state.view.a && b === state.view.b) return;
  state.view = { ...state.view, a, b };
  writeUrl(state.view);
  fillLapPickers();
  loadComparison().catch(showError);
}

$("lap-a").addEventListener("change", (e) => pickLaps(Number(e.target.value), state.view.b));
$("lap-b").addEventListener("change", (e) => pickLaps(state.view.a, Number(e.target.value)));
$("swap").addEventListener("click", () => pickLaps(state.view.b, state.view.a));
$("zoom-reset").addEventListener("click", () => charts.zoom(null, true));
$("back").addEventListener("click", (event) => {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
  event.preventDefault();
  state.view = { ...state.view, session: null, a: null, b: null, zoom: null };
  writeUrl(state.view, { push: true });
  route();
});

// --- routing ------------------------------------------------------------------------------------

async function route() {
  showError(null);
  try {
    if (state.view.session) await showSession();
    else await showList();
  } catch (error) {
    showError(error);
    // The analysis failed (not a comparison of an analysed session): say so where its name would be.
    if (state.view.session && !state.analysis)
      setText($("title"), error.status === 404 ? "session not found" : "session not readable");
  }
}

window.addEventListener("popstate", () => {
  state.view = readUrl();
  route();
});

// What tests and the bench read: the state, the charts' scales and cursor, the map's marker.
window.simcoachSessions = {
  state,
  perf,
  charts,
  map,
  report: () => ({
    view: state.view,
    session: state.analysis ? state.analysis.session.id : null,
    comparing: state.drawn,
    zoom: charts.zoomed,
    scales: charts.scales(),
    cursor: { index: charts.cursor, ...charts.stats },
    map: map.stats,
    names: charts.nameRects,
    perf: perf.runs,
    listRows: list.rows,
  }),
};

route();
