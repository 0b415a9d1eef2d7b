// G-force circle: where the car accelerates (right = turning right, up = accelerating, down =
// braking) with a short trail, rings at 1, 2 and 3 g.

import { byId, setText } from "../dom.js";
import { fitCanvas, themeColours } from "../canvas.js";
import { known } from "../format.js";
import { state } from "../state.js";

const RANGE_G = 3;

export function mountGForce() {
  const view = fitCanvas(byId("gcircle"));
  const colours = themeColours(["grid", "label", "car", "trail", "muted"]);
  const text = byId("g-text");
  let seen = 0;

  return {
    draw() {
      if (seen === state.rev.frame && !view.resized) return;
      seen = state.rev.frame;
      view.resized = false;
      const { ctx, width: w, height: h } = view;
      const cx = w / 2;
      const cy = h / 2;
      const r = Math.max(10, Math.min(w, h) / 2 - 14);
      const scale = r / RANGE_G;
      ctx.clearRect(0, 0, w, h);
      ctx.strokeStyle = colours.grid;
      ctx.lineWidth = 1;
      for (let g = 1; g <= RANGE_G; g += 1) {
        ctx.beginPath();
        ctx.arc(cx, cy, g * scale, 0, Math.PI * 2);
        ctx.stroke();
      }
      ctx.beginPath();
      ctx.moveTo(cx - r, cy);
      ctx.lineTo(cx + r, cy);
      ctx.moveTo(cx, cy - r);
      ctx.lineTo(cx, cy + r);
      ctx.stroke();
      ctx.fillStyle = colours.muted;
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("accel", cx, cy - r - 3);
      ctx.fillText("brake", cx, cy + r + 11);
      const trail = state.data.gTrail;
      const clamp = (v) => Math.max(-RANGE_G, Math.min(RANGE_G, v));
      const px = (i) => cx + clamp(trail.get(i, 0)) * scale;
      const py = (i) => cy - clamp(trail.get(i, 1)) * scale;
      if (trail.length > 1) {
        ctx.strokeStyle = colours.trail;
        ctx.lineWidth = 2;
        ctx.lineJoin = "round";
        ctx.beginPath();
        for (let i = 0; i < trail.length; i += 1) {
          if (i) ctx.lineTo(px(i), py(i));
          else ctx.moveTo(px(i), py(i));
        }
        ctx.stroke();
      }
      const f = state.data.frame;
      if (f && known(f.g_lat) && known(f.g_lon)) {
        ctx.fillStyle = colours.car;
        ctx.beginPath();
        ctx.arc(cx + clamp(f.g_lat) * scale, cy - clamp(f.g_lon) * scale, 6, 0, Math.PI * 2);
        ctx.fill();
        setText(text, `lat ${f.g_lat.toFixed(1)} · lon ${f.g_lon.toFixed(1)}`);
      } else setText(text, "");
    },
  };
}
