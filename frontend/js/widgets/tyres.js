// Tyres and brakes per wheel: core temperature, pressure and wear, brake disc temperature, each
// coloured cold / optimal / hot / critical from the car class's windows (the coaching rules' table).

import { byId, setData, setText, setVariant } from "../dom.js";
import { fixed, known } from "../format.js";
import { state } from "../state.js";
import { classify } from "../thresholds.js";

const WHEELS = ["FL", "FR", "RL", "RR"];

export function mountTyres() {
  const wheels = WHEELS.map((w) => ({
    box: byId(`tyre-${w}`),
    temp: byId(`tyre-${w}-temp`),
    press: byId(`tyre-${w}-press`),
    wear: byId(`tyre-${w}-wear`),
    brake: byId(`brake-${w}`),
  }));
  const source = byId("thresholds-source");
  const windowText = byId("tyre-window");
  const seen = { frame: 0, thresholds: 0 };

  return {
    draw() {
      const thresholdsChanged = seen.thresholds !== state.rev.thresholds;
      if (seen.frame === state.rev.frame && !thresholdsChanged) return;
      seen.frame = state.rev.frame;
      seen.thresholds = state.rev.thresholds;
      const t = state.thresholds;
      if (thresholdsChanged) {
        const name = t.fallback ? "default" : t.carClass || "default";
        setText(source, t.source === "api" ? `colours: ${name} table` : `colours: ${t.source}`);
        setData(source, "source", t.source === "api" ? "api" : "built-in");
        const span = (w, unit) => (w ? `${w.low}–${w.high} ${unit}` : "no window");
        setText(windowText, `optimal: tyres ${span(t.tyreTemp, "°C")} · brakes ${span(t.brakeTemp, "°C")}`);
      }
      const f = state.data.frame;
      wheels.forEach((n, i) => {
        const temp = f && f.tyre_temp_c ? f.tyre_temp_c[i] : null;
        const press = f && f.tyre_pressure_psi ? f.tyre_pressure_psi[i] : null;
        const wear = f && f.tyre_wear ? f.tyre_wear[i] : null;
        const brake = f && f.brake_temp_c ? f.brake_temp_c[i] : null;
        const tempClass = classify(t.tyreTemp, temp);
        setText(n.temp, known(temp) ? `${Math.round(temp)}°` : "–");
        setVariant(n.box, "t-", tempClass);
        setData(n.box, "class", tempClass);
        setText(n.press, known(press) ? `${fixed(press, 1)} psi` : "– psi");
        setVariant(n.press, "p-", classify(t.tyrePressure, press));
        setText(n.wear, known(wear) ? `wear ${(wear * 100).toFixed(wear < 0.1 ? 1 : 0)}%` : "wear –");
        const brakeClass = classify(t.brakeTemp, brake);
        setText(n.brake, known(brake) ? `brake ${Math.round(brake)}°` : "brake –");
        setVariant(n.brake, "t-", brakeClass);
        setData(n.brake, "class", brakeClass);
      });
    },
  };
}
