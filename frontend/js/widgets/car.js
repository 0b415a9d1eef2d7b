// Oil and water temperatures (coloured when the table has windows for them), fuel, fuel per lap,
// laps of fuel left and fuel to the finish: the coaching engine's figures when it has them, else
// the page's own from fuel used on the laps it saw.

import { byId, setData, setStyle, setText, setVariant } from "../dom.js";
import { fixed, known } from "../format.js";
import { state } from "../state.js";
import { classify } from "../thresholds.js";

export function mountCar() {
  const n = Object.fromEntries(["oil", "water", "fuel", "fuel-lap", "fuel-laps", "fuel-finish", "fuel-fill"].map((id) => [id, byId(id)]));
  const seen = { frame: 0, thresholds: 0 };

  return {
    draw() {
      if (seen.frame === state.rev.frame && seen.thresholds === state.rev.thresholds) return;
      seen.frame = state.rev.frame;
      seen.thresholds = state.rev.thresholds;
      const f = state.data.frame;
      const c = state.data.coach || {};
      const t = state.thresholds;
      const oil = f ? f.oil_temp_c : null;
      const water = f ? f.water_temp_c : null;
      setText(n.oil, known(oil) ? `${Math.round(oil)}°` : "–");
      setText(n.water, known(water) ? `${Math.round(water)}°` : "–");
      setVariant(n.oil, "t-", classify(t.oilTemp, oil));
      setVariant(n.water, "t-", classify(t.waterTemp, water));

      const fuel = f ? f.fuel_l : null;
      const capacity = f ? f.fuel_capacity_l : null;
      setText(n.fuel, known(fuel) ? `${fuel.toFixed(1)} l` : "–");
      setStyle(n["fuel-fill"], "transform", `scaleX(${known(fuel) && capacity ? (fuel / capacity).toFixed(3) : 0})`);
      const used = state.data.fuel.used;
      const ownPerLap = used.length ? used.reduce((a, b) => a + b, 0) / used.length : null;
      const perLap = known(c.fuel_per_lap_l) ? c.fuel_per_lap_l : ownPerLap;
      const lapsLeft = known(c.laps_of_fuel) ? c.laps_of_fuel : known(fuel) && perLap ? fuel / perLap : null;
      setText(n["fuel-lap"], known(perLap) ? `${perLap.toFixed(2)} l` : "–");
      setText(n["fuel-laps"], fixed(lapsLeft, 1));
      setData(n["fuel-laps"], "source", known(c.laps_of_fuel) ? "coach" : perLap ? "page" : "none");
      setText(n["fuel-finish"], known(c.fuel_to_finish_l) ? `${c.fuel_to_finish_l.toFixed(1)} l` : "–");
    },
  };
}
