// The sessions page's reads from the backend: URLs relative to the page (so they work under a path
// prefix) and the dashboard's access token (js/access.js), asked for once when the backend refuses.

import { askForToken, currentToken } from "../access.js";

const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

function headers() {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function reasonOf(response) {
  try {
    const body = await response.json();
    const reason = body.detail || body.reason || response.statusText;
    return typeof reason === "string" ? reason : JSON.stringify(reason);
  } catch {
    return response.statusText; // a body that is not JSON
  }
}

async function send(path, asked, signal) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
  try {
    const response = await fetch(path, { signal: controller.signal, cache: "no-store", headers: headers() });
    if (response.status === 401 && !asked && (await askForToken(await reasonOf(response.clone())))) {
      return send(path, true, signal);
    }
    if (!response.ok) throw new ApiError(response.status, await reasonOf(response));
    return response;
  } finally {
    clearTimeout(timer);
  }
}

/** GET a JSON answer; ``timing`` (if given) gets the milliseconds spent waiting and parsing. */
export async function getJson(path, { signal, timing } = {}) {
  const started = performance.now();
  const response = await send(path, false, signal);
  const text = await response.text();
  const received = performance.now();
  const body = JSON.parse(text);
  if (timing) {
    timing.fetch_ms = received - started;
    timing.parse_ms = performance.now() - received;
    timing.bytes = text.length;
  }
  return body;
}

const enc = encodeURIComponent;

function query(params) {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${enc(k)}=${enc(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

export const api = {
  sessions: (filters = {}) => getJson(`api/sessions${query(filters)}`),
  analysis: (id) => getJson(`api/sessions/${enc(id)}/analysis`),
  compare: (a, b, options = {}) => getJson(`api/compare${query({ a, b, step_m: options.stepM || 1 })}`, options),
};

/** Where a session's exports are (another part of the backend makes them; the page only links them). */
export function exportUrls(id) {
  const base = `api/sessions/${enc(id)}`;
  return [
    { name: "frames.csv", href: `${base}/frames.csv`, title: "every frame of the session as CSV" },
    { name: "frames.parquet", href: `${base}/frames.parquet`, title: "every frame of the session as Parquet" },
    { name: "laps.csv", href: `${base}/laps.csv`, title: "the session's laps as CSV" },
  ];
}

/**
 * A download link that works with an access token: a plain link cannot send the Authorization
 * header, so with a token the file is fetched with it and handed to the browser as a blob.
 */
export async function download(href, name) {
  const response = await send(href, false);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * Open a page of the API (the report) in a new tab with the access token: the tab is opened at once
 * (a tab opened after an await would be taken for a pop-up), then given the page fetched with it.
 */
export async function openWithToken(href) {
  const tab = window.open("", "_blank");
  try {
    const response = await send(href, false);
    const url = URL.createObjectURL(await response.blob());
    if (tab) tab.location.href = url;
    else location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    if (tab) tab.close();
    throw error;
  }
}

export { currentToken };
