// What the page shows, kept in its URL (?session=&a=&b=&from=&to=, and the list's ?track=&car=), so
// a comparison can be bookmarked and shared and the back button steps through what was opened.

const KEYS = ["session", "a", "b", "from", "to", "track", "car"];

function number(text) {
  if (text === null || text === "") return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** The view the URL asks for: session id, lap ids a and b, zoom range in metres, list filters. */
export function readUrl(href = location.href) {
  const params = new URL(href).searchParams;
  const from = number(params.get("from"));
  const to = number(params.get("to"));
  return {
    session: params.get("session") || null,
    a: number(params.get("a")),
    b: number(params.get("b")),
    zoom: from !== null && to !== null && to > from ? { from, to } : null,
    track: params.get("track") || "",
    car: params.get("car") || "",
  };
}

function build(view) {
  const url = new URL(location.href);
  for (const key of KEYS) url.searchParams.delete(key);
  const set = (key, value) => {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, String(value));
  };
  if (view.session) {
    set("session", view.session);
    set("a", view.a);
    set("b", view.b);
    if (view.zoom) {
      set("from", Math.round(view.zoom.from));
      set("to", Math.round(view.zoom.to));
    }
  } else {
    set("track", view.track);
    set("car", view.car);
  }
  return url;
}

/** Write the view into the URL: a new history entry when ``push`` (another session), else in place. */
export function writeUrl(view, { push = false } = {}) {
  const url = build(view);
  if (url.href === location.href) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** The page's own link to a view (for real <a href> links that can be opened in a new tab). */
export function hrefOf(view) {
  const url = build(view);
  return `${url.pathname.split("/").pop() || ""}${url.search}`;
}
