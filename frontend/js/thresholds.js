// Colour windows for tyres, brakes, pressures and engine temperatures, read from GET api/thresholds.
//
// The coaching rules and the dashboard share one table (backend/src/simcoach/coaching/thresholds.toml,
// served for the session's car class). A window has edges in its channel's unit: below `cold_below`
// is cold, `optimal` [lo, hi] is where the part works best, above `hot_above` is hot and above
// `critical_above` critical. Where a table leaves a gap between an edge and the optimal window the
// value is "cool" or "warm": neither optimal nor yet worth a warning. The built-in windows are only
// for a backend that serves no table, and the page says when it uses them.

export const BUILTIN = Object.freeze({
  source: "built-in",
  carClass: null,
  // Typical GT3 figures: slick core temperature, hot pressure, cast-iron discs.
  tyreTemp: { cold: 70, low: 70, high: 90, hot: 90, critical: 100 },
  brakeTemp: { cold: 150, low: 150, high: 700, hot: 700, critical: 900 },
  tyrePressure: { cold: 26, low: 26, high: 27, hot: 27, critical: Infinity },
  oilTemp: null,
  waterTemp: null,
});

// Where each window sits in the table, most specific names first.
const SECTIONS = {
  tyreTemp: ["tyre_temp_c", "tyre_core_temp_c", "tyre_temp"],
  brakeTemp: ["brake_temp_c", "brake_temp"],
  tyrePressure: ["tyre_pressure_psi", "tyre_pressure"],
  oilTemp: ["oil_temp_c", "oil_temp"],
  waterTemp: ["water_temp_c", "water_temp"],
};

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

function section(table, names) {
  for (const pool of [table, table.windows, table.thresholds].filter(isObject)) {
    for (const name of names) if (isObject(pool[name])) return pool[name];
  }
  return null;
}

/** The window of one section: its own edges, or those of its dry variant (the slick the dashboard assumes). */
export function windowOf(node, compound = "dry") {
  if (!isObject(node)) return null;
  if (!Array.isArray(node.optimal) && isObject(node[compound])) return windowOf(node[compound], compound);
  const optimal = node.optimal;
  if (!Array.isArray(optimal) || optimal.length !== 2 || !optimal.every(isNumber) || !(optimal[0] <= optimal[1])) {
    return null;
  }
  const [low, high] = optimal;
  const cold = isNumber(node.cold_below) ? Math.min(node.cold_below, low) : low;
  const hot = isNumber(node.hot_above) ? Math.max(node.hot_above, high) : high;
  const critical = isNumber(node.critical_above) ? Math.max(node.critical_above, hot) : Infinity;
  return { cold, low, high, hot, critical };
}

/** The windows to colour with, from the API's table for a car class. */
export function fromApi(table, carClass) {
  if (!isObject(table)) return { ...BUILTIN, source: "built-in (the thresholds answer is not a table)" };
  const compound = typeof table.compound === "string" ? table.compound : "dry";
  const out = {
    source: "api",
    carClass: table.car_class || carClass || null,
    label: typeof table.label === "string" ? table.label : null,
    // The backend fell back to its default table for a class it has none for.
    fallback: table.fallback === true,
  };
  for (const [key, names] of Object.entries(SECTIONS)) out[key] = windowOf(section(table, names), compound);
  // A table without tyre windows is not one this page understands: say so rather than colour wrongly.
  if (!out.tyreTemp) return { ...BUILTIN, source: "built-in (no tyre window in the table)" };
  return out;
}

/** "cold" | "cool" | "optimal" | "warm" | "hot" | "critical" for a value in a window; "none" without either. */
export function classify(win, value) {
  if (!win || value === null || value === undefined || !Number.isFinite(value)) return "none";
  if (value > win.critical) return "critical";
  if (value > win.hot) return "hot";
  if (value > win.high) return "warm";
  if (value >= win.low) return "optimal";
  if (value >= win.cold) return "cool";
  return "cold";
}
