// The track map of a comparison: lap A's line as a wide band coloured by where B gained (green) or
// lost (red) time on A (the slope of the delta trace over a short window), both laps' lines on it,
// corner names, and a marker for each lap where the charts' cursor is. Zoomed charts zoom the map.
// The map is drawn into one canvas when the data, zoom or size change; the markers live on a second
// canvas above it, so following the cursor redraws two dots and nothing else.

import { fitCanvas, themeColours } from "../canvas.js";
import { known } from "../format.js";
import { bisect } from "../sorted.js";

const WINDOW_M = 40; // the delta's slope is taken over this stretch, centred on each point
const FULL_SLOPE = 0.002; // s/m at which the colour is at its strongest (0.2 s lost over 100 m)
const LEVELS = 3; // colour steps each way
const PAD = 22;

/**
 * Per point, a colour level from -LEVELS (B gaining fast) to +LEVELS (B losing fast): the delta
 * trace's slope (s/m) over WINDOW_M metres around the point.
 */
export function gainLevels(dist, deltaS) {
  const n = dist.length;
  const levels = new Int8Array(n);
  if (n < 2) return levels;
  const step = (dist[n - 1] - dist[0]) / (n - 1) || 1;
  const half = Math.max(1, Math.round(WINDOW_M / 2 / step));
  for (let i = 0; i < n; i += 1) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n - 1, i + half);
    const d0 = deltaS[lo];
    const d1 = deltaS[hi];
    if (!known(d0) || !known(d1) || hi === lo) continue;
    const slope = (d1 - d0) / (dist[hi] - dist[lo]);
    // Rounded away from zero alike both ways, so swapping A and B swaps the colours exactly.
    const v = Math.max(-1, Math.min(1, slope / FULL_SLOPE)) * LEVELS;
    levels[i] = Math.sign(v) * Math.round(Math.abs(v));
  }
  return levels;
}

function levelColour(level) {
  if (level === 0) return null;
  const strength = Math.abs(level) / LEVELS;
  const alpha = (0.35 + 0.65 * strength).toFixed(2);
  return level < 0 ? `rgba(46, 204, 113, ${alpha})` : `rgba(239, 75, 60, ${alpha})`;
}

export function mountMap({ canvas, overlay, note }) {
  const base = fitCanvas(canvas);
  const top = fitCanvas(overlay);
  const colours = themeColours(["track", "blue", "amber", "label", "muted", "bg", "fg"]);
  let lap = null; // {dist, ax, ay, bx, by, levels}
  let corners = [];
  let range = null;
  let cursor = null;
  let transform = null;
  let baseDirty = true;
  let cursorDirty = true;
  let scheduled = false;
  const stats = { baseDraws: 0, markerDraws: 0, marker: null, segments: { gain: 0, loss: 0, even: 0 }, labels: 0 };

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(frame);
  }
  new ResizeObserver(() => {
    baseDirty = true;
    cursorDirty = true;
    schedule();
  }).observe(canvas);

  function fit() {
    const { dist, ax, ay } = lap;
    let lo = 0;
    let hi = dist.length - 1;
    if (range) {
      lo = bisect(dist, range.from);
      hi = Math.min(dist.length - 1, bisect(dist, range.to) + 1);
    }
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = lo; i <= hi; i += 1) {
      const px = ax[i];
      const py = ay[i];
      if (!known(px) || !known(py)) continue;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    if (!Number.isFinite(minX)) return null;
    const w = base.width;
    const h = base.height;
    // A corner is small: keep at least 60 m across so its line does not fill the map edge to edge.
    const spanX = Math.max(maxX - minX, range ? 60 : 1);
    const spanY = Math.max(maxY - minY, range ? 60 : 1);
    const s = Math.min((w - 2 * PAD) / spanX, (h - 2 * PAD) / spanY);
    const cx = (minX + maxX) / 2;
    const cy = (minY + maxY) / 2;
    // World y points north; canvas y points down.
    return { x: (v) => w / 2 + (v - cx) * s, y: (v) => h / 2 - (v - cy) * s, scale: s };
  }

  function line(ctx, t, xs, ys, width, colour) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i += 1) {
      const px = xs[i];
      const py = ys[i];
      if (!known(px) || !known(py)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(t.x(px), t.y(py));
      else ctx.moveTo(t.x(px), t.y(py));
      pen = true;
    }
    ctx.stroke();
  }

  function drawBase() {
    const ctx = base.ctx;
    ctx.clearRect(0, 0, base.width, base.height);
    stats.baseDraws += 1;
    transform = lap ? fit() : null;
    if (!transform) {
      note.textContent = lap ? "the game gave no positions for these laps" : "";
      return;
    }
    const t = transform;
    const { ax, ay, bx, by, levels } = lap;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    const band = range ? 12 : 8;
    line(ctx, t, ax, ay, band, colours.track);
    // The coloured band: one path per colour level, consecutive segments of a level joined.
    const counts = { gain: 0, loss: 0, even: 0 };
    for (let level = -LEVELS; level <= LEVELS; level += 1) {
      const colour = levelColour(level);
      if (!colour) continue;
      ctx.strokeStyle = colour;
      ctx.lineWidth = band;
      ctx.beginPath();
      let open = false;
      for (let i = 0; i + 1 < ax.length; i += 1) {
        if (levels[i] !== level || !known(ax[i]) || !known(ax[i + 1])) {
          open = false;
          continue;
        }
        if (!open) ctx.moveTo(t.x(ax[i]), t.y(ay[i]));
        ctx.lineTo(t.x(ax[i + 1]), t.y(ay[i + 1]));
        open = true;
      }
      ctx.stroke();
    }
    for (let i = 0; i + 1 < levels.length; i += 1) {
      if (levels[i] < 0) counts.gain += 1;
      else if (levels[i] > 0) counts.loss += 1;
      else counts.even += 1;
    }
    stats.segments = counts;
    line(ctx, t, ax, ay, 1.5, colours.blue);
    line(ctx, t, bx, by, 1.5, colours.amber);
    // The start/finish line.
    const i0 = ax.findIndex(known);
    if (i0 >= 0 && !range) {
      ctx.fillStyle = colours.fg;
      ctx.fillRect(t.x(ax[i0]) - 3, t.y(ay[i0]) - 3, 6, 6);
    }
    drawCornerNames(ctx, t);
    note.textContent = range ? `${Math.round(range.from)}–${Math.round(range.to)} m` : "";
  }

  function drawCornerNames(ctx, t) {
    const { dist, ax, ay } = lap;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const placed = [];
    const w = base.width;
    const h = base.height;
    const free = (r) => placed.every((p) => r.x + r.w < p.x || p.x + p.w < r.x || r.y + r.h < p.y || p.y + p.h < r.y);
    let shown = 0;
    for (const c of corners) {
      if (!known(c.apex_m) || (range && (c.apex_m < range.from || c.apex_m > range.to))) continue;
      const i = bisect(dist, c.apex_m);
      if (!known(ax[i]) || !known(ay[i])) continue;
      const px = t.x(ax[i]);
      const py = t.y(ay[i]);
      ctx.fillStyle = colours.label;
      ctx.beginPath();
      ctx.arc(px, py, 2.5, 0, Math.PI * 2);
      ctx.fill();
      const text = c.name;
      const tw = ctx.measureText(text).width;
      // Outward from the map's middle, on whichever side has room.
      const dx = px - w / 2;
      const dy = py - h / 2;
      const len = Math.hypot(dx, dy) || 1;
      for (const side of [1, -1]) {
        const lx = px + ((side * dx) / len) * 14;
        const ly = py + ((side * dy) / len) * 14;
        const right = lx >= px;
        const rect = { x: right ? lx : lx - tw, y: ly - 7, w: tw, h: 14 };
        if (rect.x < 0 || rect.x + rect.w > w || rect.y < 0 || rect.y + rect.h > h || !free(rect)) continue;
        placed.push(rect);
        ctx.textAlign = right ? "left" : "right";
        ctx.fillText(text, lx, ly);
        shown += 1;
        break;
      }
    }
    stats.labels = shown;
  }

  function drawCursor() {
    const ctx = top.ctx;
    ctx.clearRect(0, 0, top.width, top.height);
    stats.markerDraws += 1;
    if (!lap || !transform || cursor === null || cursor === undefined) {
      stats.marker = null;
      return;
    }
    const t = transform;
    const marks = [
      [lap.ax[cursor], lap.ay[cursor], colours.blue],
      [lap.bx[cursor], lap.by[cursor], colours.amber],
    ];
    let last = null;
    for (const [wx, wy, colour] of marks) {
      if (!known(wx) || !known(wy)) continue;
      const px = t.x(wx);
      const py = t.y(wy);
      ctx.beginPath();
      ctx.arc(px, py, 5.5, 0, Math.PI * 2);
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = colours.bg;
      ctx.stroke();
      last = { x: Math.round(px * 10) / 10, y: Math.round(py * 10) / 10 };
    }
    stats.marker = last ? { ...last, index: cursor, dist_m: lap.dist[cursor] } : null;
  }

  function frame() {
    scheduled = false;
    if (base.width < 2 || base.height < 2) return;
    if (baseDirty || base.resized) {
      base.resized = false;
      baseDirty = false;
      drawBase();
      cursorDirty = true;
    }
    if (cursorDirty || top.resized) {
      top.resized = false;
      cursorDirty = false;
      drawCursor();
    }
  }

  return {
    stats,
    /** A comparison (the /api/compare answer) and the track's corners. */
    show(compare, cornerList, zoom) {
      const a = compare.a.channels;
      const b = compare.b.channels;
      lap = {
        dist: compare.dist_m,
        ax: a.x,
        ay: a.y,
        bx: b.x,
        by: b.y,
        levels: gainLevels(compare.dist_m, compare.delta_s),
      };
      corners = Array.isArray(cornerList) ? cornerList : [];
      range = zoom || null;
      baseDirty = true;
      cursorDirty = true;
      schedule();
    },
    zoom(next) {
      range = next || null;
      baseDirty = true;
      schedule();
    },
    cursor(idx) {
      if (idx === cursor) return;
      cursor = idx;
      cursorDirty = true;
      schedule();
    },
    /** How the stretch ``from``..``to`` (m) is coloured: points where B gains, loses, or is even. */
    colours(from, to) {
      const out = { gain: 0, loss: 0, even: 0 };
      if (!lap) return out;
      for (let i = bisect(lap.dist, from); i < lap.dist.length && lap.dist[i] <= to; i += 1) {
        const level = lap.levels[i];
        if (level < 0) out.gain += 1;
        else if (level > 0) out.loss += 1;
        else out.even += 1;
      }
      return out;
    },
    /** Draw now if anything is waiting (so a measurement can include the map). */
    flush() {
      if (scheduled) frame();
    },
  };
}
