// The rolling input trace: throttle, brake, clutch and steering over the last seconds, on a canvas.

import { byId } from "../dom.js";
import { fitCanvas, themeColours } from "../canvas.js";
import { LIMITS, state } from "../state.js";

export function mountTrace() {
  const view = fitCanvas(byId("trace"));
  const colours = themeColours(["throttle", "brake", "clutch", "steer", "grid"]);
  let seen = 0;

  function line(ctx, trace, field, newest, w, h, toY) {
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < trace.length; i += 1) {
      const age = newest - trace.get(i, 0);
      if (age > LIMITS.traceSeconds) continue;
      const v = trace.get(i, field);
      if (Number.isNaN(v)) {
        started = false;
        continue;
      }
      const x = w - (age / LIMITS.traceSeconds) * w;
      const y = toY(v);
      if (started) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      started = true;
    }
    ctx.stroke();
  }

  return {
    draw() {
      if (seen === state.rev.frame && !view.resized) return;
      seen = state.rev.frame;
      view.resized = false;
      const { ctx, width: w, height: h } = view;
      ctx.clearRect(0, 0, w, h);
      ctx.strokeStyle = colours.grid;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const y of [0.25, 0.5, 0.75]) {
        ctx.moveTo(0, Math.round(h * y) + 0.5);
        ctx.lineTo(w, Math.round(h * y) + 0.5);
      }
      ctx.stroke();
      const trace = state.data.trace;
      if (!trace.length) return;
      const newest = trace.last(0);
      const pad = 3;
      const pedalY = (v) => h - pad - v * (h - 2 * pad);
      ctx.lineJoin = "round";
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = colours.steer;
      line(ctx, trace, 4, newest, w, h, (v) => h / 2 - v * (h / 2 - pad));
      ctx.lineWidth = 2;
      ctx.strokeStyle = colours.clutch;
      line(ctx, trace, 3, newest, w, h, pedalY);
      ctx.strokeStyle = colours.throttle;
      line(ctx, trace, 1, newest, w, h, pedalY);
      ctx.strokeStyle = colours.brake;
      line(ctx, trace, 2, newest, w, h, pedalY);
    },
  };
}
