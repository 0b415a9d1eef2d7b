// Number formatting for the dashboard: lap times, deltas, temperatures; "–" where a value is unknown.

export const DASH = "–";

const known = (v) => v !== null && v !== undefined && Number.isFinite(v);

export function lapTime(s) {
  if (!known(s)) return DASH;
  const m = Math.floor(s / 60);
  const rest = (s - m * 60).toFixed(3).padStart(6, "0");
  return `${m}:${rest}`;
}

export function delta(s, digits = 3) {
  if (!known(s)) return DASH;
  const text = Math.abs(s).toFixed(digits);
  return `${s < 0 ? "−" : "+"}${text}`;
}

export function fixed(v, digits = 0) {
  return known(v) ? v.toFixed(digits) : DASH;
}

export function gear(g) {
  if (!known(g)) return DASH;
  return g === -1 ? "R" : g === 0 ? "N" : String(g);
}

export function percent(v, digits = 0) {
  return known(v) ? `${(v * 100).toFixed(digits)}%` : DASH;
}

export { known };
