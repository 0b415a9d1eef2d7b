// Track map from world positions: the reference lap's line with corner names (or, before there is
// one, the line the car has driven), the car, and a lap progress bar with the corners marked.
// The line and labels are drawn once into a layer; each frame only copies it and adds the car.

import { byId, element, setStyle, setText } from "../dom.js";
import { fitCanvas, themeColours } from "../canvas.js";
import { known, lapTime } from "../format.js";
import { bisect } from "../sorted.js";
import { session, state } from "../state.js";

const PAD = 26; // room for corner names at the edge
const TAIL_POINTS = 150; // the bright bit of trail behind the car
const REBUILD_EVERY_POINTS = 30; // without a reference, the driven line is redrawn as it grows

function referenceLine(reference) {
  const p = reference && reference.points;
  if (!p || !Array.isArray(p.x) || !Array.isArray(p.y) || p.x.length < 2) return null;
  return { x: p.x, y: p.y, dist: Array.isArray(p.dist_m) ? p.dist_m : null };
}

function bounds(xs, ys, n) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i += 1) {
    const x = xs(i);
    const y = ys(i);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, maxX, minY, maxY };
}

export function cornerAt(corners, dist) {
  if (!Array.isArray(corners) || !known(dist)) return { here: null, next: null };
  const here = corners.find((c) => dist >= c.entry_m && dist <= c.exit_m) || null;
  const next = corners.find((c) => c.entry_m > dist) || corners[0] || null;
  return { here: here ? here.name : null, next: next ? next.name : null };
}

export function mountTrackMap() {
  const view = fitCanvas(byId("map"));
  const colours = themeColours(["track", "trail", "car", "label", "accent", "bg"]);
  const cornerNode = byId("corner");
  const note = byId("map-note");
  const progress = byId("progress");
  const ticks = byId("progress-ticks");
  const layer = document.createElement("canvas");
  const built = { reference: -1, points: -1, width: 0, height: 0 };
  let transform = null;
  const seen = { frame: 0, reference: 0, coach: 0 };
  let stats = { referencePoints: 0, corners: 0, labels: 0, trailPoints: 0 };

  function makeTransform(b) {
    const w = view.width;
    const h = view.height;
    const spanX = Math.max(1, b.maxX - b.minX);
    const spanY = Math.max(1, b.maxY - b.minY);
    const s = Math.min((w - 2 * PAD) / spanX, (h - 2 * PAD) / spanY);
    const ox = (w - spanX * s) / 2;
    const oy = (h - spanY * s) / 2;
    // World y points north; canvas y points down.
    return { x: (x) => ox + (x - b.minX) * s, y: (y) => h - oy - (y - b.minY) * s, cx: w / 2, cy: h / 2 };
  }

  function buildLayer() {
    const d = state.data;
    const ref = d.referenceStatus === "ok" ? referenceLine(d.reference) : null;
    const trail = d.mapTrail;
    layer.width = view.canvas.width;
    layer.height = view.canvas.height;
    const ctx = layer.getContext("2d");
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    ctx.clearRect(0, 0, view.width, view.height);
    built.width = view.width;
    built.height = view.height;
    built.reference = state.rev.reference;
    built.points = trail.length;
    transform = null;
    let xs;
    let ys;
    let n;
    if (ref) {
      n = Math.min(ref.x.length, ref.y.length);
      xs = (i) => ref.x[i];
      ys = (i) => ref.y[i];
    } else if (trail.length > 1) {
      n = trail.length;
      xs = (i) => trail.get(i, 0);
      ys = (i) => trail.get(i, 1);
    } else {
      stats = { referencePoints: 0, corners: 0, labels: 0, trailPoints: trail.length };
      return;
    }
    const t = (transform = makeTransform(bounds(xs, ys, n)));
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.strokeStyle = colours.track;
    ctx.lineWidth = Math.max(4, Math.min(view.width, view.height) / 45);
    ctx.beginPath();
    for (let i = 0; i < n; i += 1) {
      if (i) ctx.lineTo(t.x(xs(i)), t.y(ys(i)));
      else ctx.moveTo(t.x(xs(i)), t.y(ys(i)));
    }
    if (ref) ctx.closePath();
    ctx.stroke();
    // Start/finish line.
    ctx.fillStyle = colours.label;
    ctx.beginPath();
    ctx.arc(t.x(xs(0)), t.y(ys(0)), 4, 0, Math.PI * 2);
    ctx.fill();
    let corners = 0;
    let labels = 0;
    // On a small map the names would hide the track: dots only, names stay in the progress bar's tooltips.
    const roomForNames = Math.min(view.width, view.height) >= 120;
    if (ref && ref.dist && Array.isArray(d.reference.corners)) {
      const size = Math.round(Math.max(10, Math.min(15, view.width / 40)));
      ctx.font = `${size}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      const placed = [];
      const free = (r) => placed.every((p) => r.x + r.w < p.x || p.x + p.w < r.x || r.y + r.h < p.y || p.y + p.h < r.y);
      for (const corner of d.reference.corners) {
        if (!known(corner.apex_m)) continue;
        const i = Math.min(bisect(ref.dist, corner.apex_m), n - 1);
        const px = t.x(ref.x[i]);
        const py = t.y(ref.y[i]);
        ctx.fillStyle = colours.accent;
        ctx.beginPath();
        ctx.arc(px, py, 2.5, 0, Math.PI * 2);
        ctx.fill();
        corners += 1;
        // Outward from the middle of the map first, so names sit outside the loop; then the other
        // side; a name that would cover another is left out (its dot and the progress bar remain).
        const name = corner.name || `Turn ${corner.number}`;
        const width = ctx.measureText(name).width;
        const dx = px - t.cx;
        const dy = py - t.cy;
        const len = Math.hypot(dx, dy) || 1;
        for (const side of roomForNames ? [1, -1] : []) {
          const lx = px + ((side * dx) / len) * 12;
          const ly = py + ((side * dy) / len) * 12;
          const right = side * dx >= 0;
          const rect = { x: right ? lx : lx - width, y: ly - size / 2, w: width, h: size };
          if (rect.x < 0 || rect.x + rect.w > view.width || rect.y < 0 || rect.y + rect.h > view.height || !free(rect)) continue;
          placed.push(rect);
          ctx.fillStyle = colours.label;
          ctx.textAlign = right ? "left" : "right";
          ctx.fillText(name, lx, ly);
          labels += 1;
          break;
        }
      }
    }
    stats = { referencePoints: ref ? n : 0, corners, labels, trailPoints: trail.length };
  }

  function drawTicks() {
    const ref = state.data.reference;
    const length = (ref && ref.length_m) || session()?.track_length_m;
    const corners = ref && Array.isArray(ref.corners) ? ref.corners : [];
    ticks.replaceChildren(
      ...(length
        ? corners.filter((c) => known(c.apex_m)).map((c) => {
            const tick = element("i");
            tick.style.left = `${((c.apex_m / length) * 100).toFixed(2)}%`;
            tick.title = c.name;
            return tick;
          })
        : []),
    );
  }

  return {
    get stats() {
      return stats;
    },
    draw() {
      const d = state.data;
      const referenceChanged = seen.reference !== state.rev.reference;
      if (seen.frame === state.rev.frame && !referenceChanged && !view.resized) return;
      seen.frame = state.rev.frame;
      if (referenceChanged) {
        seen.reference = state.rev.reference;
        drawTicks();
        const r = d.reference;
        setText(
          note,
          d.referenceStatus === "ok"
            ? `reference: ${lapTime(r.lap_time_s)}${r.driver ? ` by ${r.driver}` : ""}`
            : d.referenceStatus === "missing"
              ? "no reference lap yet: showing the line driven"
              : d.referenceStatus === "error"
                ? `reference unavailable: ${d.referenceReason}`
                : "",
        );
      }
      const hasReference = d.referenceStatus === "ok" && referenceLine(d.reference);
      if (
        view.resized ||
        built.reference !== state.rev.reference ||
        built.width !== view.width ||
        built.height !== view.height ||
        (!hasReference && d.mapTrail.length - built.points >= REBUILD_EVERY_POINTS) ||
        (!hasReference && d.mapTrail.length < built.points)
      ) {
        buildLayer();
      }
      view.resized = false;
      const { ctx, width: w, height: h } = view;
      ctx.clearRect(0, 0, w, h);
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(layer, 0, 0);
      ctx.restore();
      const f = d.frame;
      const t = transform;
      if (t) {
        const trail = d.mapTrail;
        const from = Math.max(0, trail.length - TAIL_POINTS);
        ctx.strokeStyle = colours.trail;
        ctx.lineWidth = 3;
        ctx.lineCap = "round";
        ctx.beginPath();
        for (let i = from; i < trail.length; i += 1) {
          const x = t.x(trail.get(i, 0));
          const y = t.y(trail.get(i, 1));
          if (i === from) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
        if (f && known(f.pos_x) && known(f.pos_y)) {
          ctx.fillStyle = colours.car;
          ctx.strokeStyle = colours.bg;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(t.x(f.pos_x), t.y(f.pos_y), 7, 0, Math.PI * 2);
          ctx.fill();
          ctx.stroke();
        }
      }
      const pos = f && known(f.track_pos) ? f.track_pos : null;
      setStyle(progress, "transform", `scaleX(${pos === null ? 0 : pos.toFixed(3)})`);
      const c = d.coach;
      let here = c ? c.corner : null;
      let next = c ? c.next_corner : null;
      if (!c && d.reference && f) ({ here, next } = cornerAt(d.reference.corners, f.lap_dist_m));
      setText(cornerNode, here ? `· ${here}` : next ? `· next: ${next}` : "");
    },
  };
}
