// Speed, gear and RPM with shift lights that fill from 75 % of max_rpm and flash at the limit; ABS, TC,
// pit and lap-validity flags.

import { byId, element, setData, setStyle, setText } from "../dom.js";
import { fixed, gear } from "../format.js";
import { state } from "../state.js";

const LIGHTS = 10;
const FIRST_LIGHT = 0.75; // share of max_rpm where the first light comes on
const SHIFT_NOW = 0.96; // all lights, flashing: shift

export function mountDrive() {
  const nodes = { speed: byId("speed"), gear: byId("gear"), rpm: byId("rpm"), fill: byId("rpm-fill"), shift: byId("shift") };
  const flags = [
    ["abs_active", byId("flag-abs")],
    ["tc_active", byId("flag-tc")],
    ["in_pit", byId("flag-pit")],
    ["lap_valid", byId("flag-valid")],
  ];
  const lights = [];
  for (let i = 0; i < LIGHTS; i += 1) {
    const light = element("i", i < 5 ? "green" : i < 8 ? "amber" : "red");
    lights.push(light);
    nodes.shift.append(light);
  }
  let seen = 0;
  let lit = -1;

  return {
    draw() {
      if (seen === state.rev.frame) return;
      seen = state.rev.frame;
      const f = state.data.frame;
      setText(nodes.speed, f ? fixed(f.speed_kmh) : "–");
      setText(nodes.gear, f ? gear(f.gear) : "–");
      setText(nodes.rpm, f ? fixed(f.rpm) : "–");
      for (const [channel, node] of flags) {
        const v = f ? f[channel] : null;
        setData(node, "on", v === true ? "on" : v === false ? "off" : "none");
      }
      setText(flags[3][1], f && f.lap_valid === false ? "lap invalid" : "lap valid");
      const ratio = f && f.rpm !== null && f.max_rpm ? Math.min(1, f.rpm / f.max_rpm) : 0;
      setStyle(nodes.fill, "transform", `scaleX(${ratio.toFixed(3)})`);
      const count = ratio <= FIRST_LIGHT ? 0 : Math.min(LIGHTS, Math.ceil(((ratio - FIRST_LIGHT) / (SHIFT_NOW - FIRST_LIGHT)) * LIGHTS));
      if (count !== lit) {
        lit = count;
        lights.forEach((light, i) => light.classList.toggle("on", i < count));
        setData(nodes.shift, "lit", String(count));
        setData(nodes.shift, "shift", ratio >= SHIFT_NOW ? "now" : "no");
      }
    },
  };
}
