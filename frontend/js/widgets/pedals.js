// Throttle, brake and clutch bars and the steering position, as they are now.

import { byId, setStyle, setText } from "../dom.js";
import { known } from "../format.js";
import { state } from "../state.js";

const pct = (v) => (known(v) ? `${Math.round(v * 100)}` : "–");

export function mountPedals() {
  const n = Object.fromEntries(
    ["throttle", "brake", "clutch", "steering", "throttle-v", "brake-v", "clutch-v", "steering-v"].map((id) => [id, byId(id)]),
  );
  let seen = 0;
  return {
    draw() {
      if (seen === state.rev.frame) return;
      seen = state.rev.frame;
      const f = state.data.frame;
      for (const pedal of ["throttle", "brake", "clutch"]) {
        const v = f ? f[pedal] : null;
        // Two decimals of scale is finer than a pixel on any screen; fewer style writes.
        setStyle(n[pedal], "transform", `scaleX(${known(v) ? v.toFixed(2) : 0})`);
        setText(n[`${pedal}-v`], pct(v));
      }
      const s = f ? f.steering : null;
      // The dot layer is as wide as the bar, so translating by s * 50 % of itself moves it to the edge.
      setStyle(n.steering, "transform", `translateX(${known(s) ? (s * 50).toFixed(1) : 0}%)`);
      setText(n["steering-v"], known(s) ? `${s > 0 ? "R" : s < 0 ? "L" : ""}${Math.round(Math.abs(s) * 100)}` : "–");
    },
  };
}
