// Reads from the backend's HTTP API, with URLs relative to the page (so they work under a path prefix).
// Having no reference lap yet is a normal answer (200 with {"reference": null, "reason"}), not an error.

import { askForToken, currentToken } from "./access.js";

const TIMEOUT_MS = 8000;

export class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

async function getJson(path, asked = false) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const token = currentToken();
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch(path, { signal: controller.signal, cache: "no-store", headers });
    if (response.status === 401 && !asked) {
      clearTimeout(timer);
      const reason = (await response.json().catch(() => ({}))).detail || "This server needs its access token.";
      if (await askForToken(reason)) return getJson(path, true);
    }
    if (!response.ok) {
      let reason = response.statusText;
      try {
        const body = await response.json();
        reason = body.detail || body.reason || reason;
      } catch {
        // a body that is not JSON: keep the status text
      }
      throw new ApiError(response.status, typeof reason === "string" ? reason : JSON.stringify(reason));
    }
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

const rigPath = (rig) => `api/rigs/${encodeURIComponent(rig)}`;

export const api = {
  laps: (rig) => getJson(`${rigPath(rig)}/laps`),
  reference: (rig) => getJson(`${rigPath(rig)}/reference`),
  events: (rig, limit = 20) => getJson(`${rigPath(rig)}/events?limit=${limit}`),
  thresholds: (carClass) => getJson(carClass ? `api/thresholds?car_class=${encodeURIComponent(carClass)}` : "api/thresholds"),
};
