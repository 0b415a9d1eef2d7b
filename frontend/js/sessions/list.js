// The stored sessions, newest first (as the API gives them), filtered by track and car, a page at a time.

import { element } from "../dom.js";
import { DASH, lapTime } from "../format.js";
import { api } from "./api.js";
import { hrefOf } from "./url.js";

const PAGE = 100;

export function when(seconds) {
  if (!Number.isFinite(seconds)) return DASH;
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function who(session) {
  return [session.rig, session.driver].filter(Boolean).join(" · ") || DASH;
}

function fillPicker(select, values, chosen) {
  const wanted = [...new Set([...values, chosen].filter(Boolean))].sort((x, y) => x.localeCompare(y));
  const signature = wanted.join("\n");
  if (select.__values !== signature) {
    select.__values = signature;
    select.replaceChildren(element("option", "", "all"), ...wanted.map((v) => element("option", "", v)));
    select.options[0].value = "";
  }
  select.value = chosen || "";
}

/** The list panel: ``onFilter({track, car})`` when a filter changes, ``onOpen(id)`` on a click. */
export function mountList({ root, onFilter, onOpen }) {
  const track = root.querySelector("#filter-track");
  const car = root.querySelector("#filter-car");
  const body = root.querySelector("#sessions-body");
  const count = root.querySelector("#sessions-count");
  const more = root.querySelector("#sessions-more");
  let filters = { track: "", car: "" };
  let loaded = [];
  let total = 0;
  let generation = 0;

  const changed = () => onFilter({ track: track.value, car: car.value });
  track.addEventListener("change", changed);
  car.addEventListener("change", changed);
  more.addEventListener("click", () => load(filters, loaded.length));

  body.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-session]");
    const row = event.target.closest("tr[data-session]");
    if (!row || event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
    event.preventDefault();
    onOpen((link || row).dataset.session);
  });

  function row(s) {
    const tr = element("tr");
    tr.dataset.session = s.id;
    const link = element("a", "", when(s.started));
    link.href = hrefOf({ session: s.id });
    link.dataset.session = s.id;
    const first = element("td", "date");
    first.append(link);
    if (s.open) first.append(element("span", "badge live", "live"));
    tr.append(
      first,
      element("td", "who", who(s)),
      element("td", "game", s.game || DASH),
      element("td", "track", s.track || DASH),
      element("td", "car", s.car || DASH),
      element("td", "laps", String(s.laps ?? DASH)),
      element("td", "best", lapTime(s.best_lap_s)),
    );
    return tr;
  }

  function render() {
    if (!loaded.length) {
      const tr = element("tr", "empty");
      const td = element(
        "td",
        "",
        filters.track || filters.car
          ? "no session with these filters"
          : "no session stored yet: drive one, or record the demo (simcoach demo-record)",
      );
      td.colSpan = 7;
      tr.append(td);
      body.replaceChildren(tr);
    } else body.replaceChildren(...loaded.map(row));
    count.textContent = total ? `${loaded.length} of ${total}` : "";
    more.hidden = loaded.length >= total;
  }

  async function load(wanted, offset = 0) {
    const mine = ++generation;
    filters = { ...wanted };
    const page = await api.sessions({ ...filters, limit: PAGE, offset });
    if (mine !== generation) return; // a newer filter was chosen meanwhile
    loaded = offset ? [...loaded, ...page.sessions] : page.sessions;
    total = page.total;
    render();
  }

  /** Options for the pickers: every track and car stored (from one unfiltered page of 500). */
  async function loadPickers(chosen) {
    const all = await api.sessions({ limit: 500 });
    fillPicker(
      track,
      all.sessions.map((s) => s.track),
      chosen.track,
    );
    fillPicker(
      car,
      all.sessions.map((s) => s.car),
      chosen.car,
    );
  }

  return {
    async show(chosen) {
      fillPicker(track, [], chosen.track);
      fillPicker(car, [], chosen.car);
      await Promise.all([load(chosen), loadPickers(chosen)]);
    },
    get rows() {
      return loaded.length;
    },
  };
}
