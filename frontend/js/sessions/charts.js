// Two laps against lap distance: the delta-time trace, then speed, throttle, brake, steering and gear,
// stacked uPlot charts with one shared cursor and one zoom. Corner names run along the top of the
// stack (a click zooms to the corner); corner windows are shaded in every chart.

import uPlot from "../../vendor/uplot/uPlot.esm.js";
import { element, setText } from "../dom.js";
import { DASH, delta, fixed, gear, known } from "../format.js";
import { themeColours } from "../canvas.js";

const SYNC_KEY = "simcoach-compare";
const NAMES_PX = 20; // room above the first chart for the corner names
const Y_AXIS_PX = 46; // every chart the same, so their distance axes line up
const MIN_ZOOM_M = 20;

export const CHARTS = [
  { key: "delta", name: "Δ time B − A", unit: "s", height: 120 },
  { key: "speed_kmh", name: "speed", unit: "km/h", height: 150, digits: 1 },
  { key: "throttle", name: "throttle", unit: "%", height: 70, percent: true },
  { key: "brake", name: "brake", unit: "%", height: 70, percent: true },
  { key: "steering", name: "steering", unit: "", height: 70, digits: 2, symmetric: true },
  { key: "gear", name: "gear", unit: "", height: 76, stepped: true },
];

function metres(v) {
  return v >= 1000 || v <= -1000 ? `${(v / 1000).toFixed(Math.abs(v % 1000) < 1e-6 ? 0 : 1)} km` : `${Math.round(v)} m`;
}

function valueText(def, v) {
  if (!known(v)) return DASH;
  if (def.percent) return `${Math.round(v * 100)}`;
  if (def.stepped) return gear(v);
  if (def.key === "delta") return delta(v);
  return fixed(v, def.digits ?? 0);
}

/** The y range of a chart: fixed for pedals, symmetric for steering, padded otherwise; sane with no data. */
function yRange(def) {
  if (def.percent) return () => [-0.04, 1.04];
  return (u, min, max) => {
    if (!known(min) || !known(max)) return [0, 1];
    if (def.symmetric) {
      const m = Math.max(Math.abs(min), Math.abs(max), 0.05) * 1.08;
      return [-m, m];
    }
    if (def.stepped) return [Math.min(min, 1) - 0.5, max + 0.5];
    if (def.key === "delta") {
      const m = Math.max(Math.abs(min), Math.abs(max), 0.05) * 1.1;
      return [Math.min(min * 1.1, -0.02 * m), Math.max(max * 1.1, 0.02 * m)];
    }
    const pad = Math.max((max - min) * 0.06, 1);
    return [min - pad, max + pad];
  };
}

export function mountCharts({ root, readout, onZoom, onCursor, onCornerPick }) {
  const colours = themeColours(["fg", "muted", "grid", "green", "red", "blue", "amber", "label", "panel"]);
  const A = colours.blue;
  const B = colours.amber;
  const stack = [];
  let x = null;
  let corners = [];
  let zoomed = null; // {from, to} or null for the whole lap
  let selecting = false;
  let pendingIdx = undefined;
  let cursorIdx = null;
  let drawsLeft = 0;
  let drawn = null;
  let nameRects = [];
  const stats = { charts: 0, points: 0, cursorEvents: 0, cursorFrames: 0, draws: 0 };

  const small = window.matchMedia("(max-width: 699px)");
  // Phones get short charts; wider screens grow them with the window's height, so the whole stack
  // sits on one screen below the page's header and pickers (CHARTS' heights add up to 556 px).
  const scale = () => (small.matches ? 0.72 : Math.min(1.5, Math.max(0.8, (window.innerHeight - 360) / 560)));
  const heightOf = (def) => Math.round(def.height * scale());

  function extent() {
    return x && x.length ? { from: x[0], to: x[x.length - 1] } : null;
  }

  function clamp(range) {
    const whole = extent();
    if (!range || !whole) return null;
    let from = Math.max(whole.from, Math.min(range.from, range.to));
    let to = Math.min(whole.to, Math.max(range.from, range.to));
    if (to - from < MIN_ZOOM_M) {
      const mid = (from + to) / 2;
      from = Math.max(whole.from, mid - MIN_ZOOM_M / 2);
      to = Math.min(whole.to, from + MIN_ZOOM_M);
    }
    if (from <= whole.from + 0.5 && to >= whole.to - 0.5) return null;
    return { from, to };
  }

  function applyZoom() {
    const range = zoomed || extent();
    if (!range) return;
    for (const c of stack) c.u.setScale("x", { min: range.from, max: range.to });
  }

  /** Zoom every chart to ``range`` ({from, to} in metres), or to the whole lap with null. */
  function zoom(range, fromUser = false) {
    const next = clamp(range);
    const same = (p, q) =>
      (p === null && q === null) || (p && q && Math.abs(p.from - q.from) < 0.01 && Math.abs(p.to - q.to) < 0.01);
    if (same(next, zoomed)) return;
    zoomed = next;
    applyZoom();
    onZoom(zoomed, fromUser);
  }

  // --- drawing helpers --------------------------------------------------------------------------

  function visibleCorners(u) {
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    return corners.filter((c) => known(c.apex_m) && c.apex_m >= min && c.apex_m <= max);
  }

  // Corner windows shaded and apexes dashed, under the lines (drawAxes runs before the series).
  function drawCornerBands(u) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    ctx.fillStyle = "rgba(255, 255, 255, 0.04)";
    for (const c of corners) {
      const lo = known(c.entry_m) ? c.entry_m : c.apex_m;
      const hi = known(c.exit_m) ? c.exit_m : c.apex_m;
      if (!known(lo) || hi < min || lo > max) continue;
      const x0 = u.valToPos(lo, "x", true);
      const x1 = u.valToPos(hi, "x", true);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    ctx.strokeStyle = "rgba(255, 255, 255, 0.18)";
    ctx.lineWidth = 1;
    ctx.setLineDash([3 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
    ctx.beginPath();
    for (const c of visibleCorners(u)) {
      const px = Math.round(u.valToPos(c.apex_m, "x", true)) + 0.5;
      ctx.moveTo(px, top);
      ctx.lineTo(px, top + height);
    }
    ctx.stroke();
    ctx.restore();
  }

  // The names at each apex above the first chart, skipping those that would overlap a neighbour.
  function drawCornerNames(u) {
    const { ctx } = u;
    const pr = uPlot.pxRatio;
    ctx.save();
    ctx.font = `${Math.round(11 * pr)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    const y = u.bbox.top - 6 * pr;
    let lastRight = -Infinity;
    const rects = [];
    for (const c of visibleCorners(u)) {
      const px = u.valToPos(c.apex_m, "x", true);
      const w = ctx.measureText(c.name).width;
      let left = px - w / 2;
      left = Math.max(u.bbox.left, Math.min(left, u.bbox.left + u.bbox.width - w));
      if (left < lastRight + 6 * pr) continue;
      lastRight = left + w;
      ctx.fillStyle = colours.label;
      ctx.fillText(c.name, left + w / 2, y);
      ctx.fillStyle = colours.muted;
      ctx.fillRect(Math.round(px), y + 2 * pr, pr, 4 * pr);
      rects.push({
        number: c.number,
        name: c.name,
        left: left / pr,
        right: (left + w) / pr,
        top: 0,
        bottom: u.bbox.top / pr,
      });
    }
    ctx.restore();
    nameRects = rects;
  }

  function deltaFill(u) {
    const { top, height } = u.bbox;
    const y0 = u.valToPos(0, "y", true);
    const t = Math.min(1, Math.max(0, (y0 - top) / height));
    const g = u.ctx.createLinearGradient(0, top, 0, top + height);
    g.addColorStop(0, "rgba(239, 75, 60, 0.45)");
    g.addColorStop(t, "rgba(239, 75, 60, 0.45)");
    g.addColorStop(t, "rgba(46, 204, 113, 0.45)");
    g.addColorStop(1, "rgba(46, 204, 113, 0.45)");
    return g;
  }

  // --- the charts ---------------------------------------------------------------------------------

  function options(def, index, width) {
    const last = index === CHARTS.length - 1;
    const series =
      def.key === "delta"
        ? [{}, { label: "B − A", stroke: colours.fg, width: 1.25, fill: deltaFill, fillTo: 0, points: { show: false } }]
        : [
            {},
            {
              label: "A",
              stroke: A,
              width: 1.25,
              points: { show: false },
              paths: def.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
            },
            {
              label: "B",
              stroke: B,
              width: 1.25,
              points: { show: false },
              paths: def.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
            },
          ];
    const axisFont = `${small.matches ? 10 : 11}px system-ui, sans-serif`;
    const hooks = {
      setSelect: [onSelect],
      setCursor: [onCursorMove],
      drawAxes: [drawCornerBands],
      draw: [afterDraw],
    };
    if (index === 0) hooks.draw.unshift(drawCornerNames);
    return {
      width,
      height: heightOf(def),
      padding: [index === 0 ? NAMES_PX : 6, 18, last ? 0 : 2, 0],
      legend: { show: false },
      scales: { x: { time: false }, y: { range: yRange(def) } },
      series,
      axes: [
        {
          scale: "x",
          stroke: colours.muted,
          font: axisFont,
          grid: { stroke: colours.grid, width: 1 },
          ticks: { stroke: colours.grid, width: 1, size: last ? 4 : 0 },
          size: last ? 26 : 2,
          space: 70,
          values: last ? (u, splits) => splits.map(metres) : (u, splits) => splits.map(() => ""),
        },
        {
          scale: "y",
          stroke: colours.muted,
          font: axisFont,
          size: Y_AXIS_PX,
          gap: 4,
          space: def.height < 100 ? 22 : 30,
          grid: { stroke: colours.grid, width: 1 },
          ticks: { show: false },
          values: (u, splits) =>
            splits.map((v) =>
              def.percent
                ? `${Math.round(v * 100)}`
                : def.stepped
                  ? gear(v)
                  : def.key === "delta"
                    ? `${v > 0 ? "+" : ""}${+v.toFixed(2)}`
                    : `${+v.toFixed(2)}`,
            ),
          splits: def.percent ? () => [0, 0.5, 1] : def.stepped ? (u, ai, min, max) => stepSplits(min, max) : undefined,
        },
      ],
      cursor: {
        sync: { key: SYNC_KEY, scales: ["x", null] },
        drag: { x: true, y: false, setScale: false },
        y: false,
        points: { size: 6, width: 1.5 },
        // Double-click: the whole lap, on every chart (and in the URL).
        bind: {
          dblclick: () => () => {
            zoom(null, true);
            return null;
          },
        },
      },
      hooks,
    };
  }

  function stepSplits(min, max) {
    const out = [];
    const step = max - min > 4 ? 2 : 1;
    for (let g = Math.ceil(min); g <= Math.floor(max); g += step) out.push(g);
    return out;
  }

  function dataOf(def, compare) {
    if (def.key === "delta") return [x, compare.delta_s];
    // A channel an older backend does not send: a gap as long as the lap, not a shorter array.
    const none = () => new Array(x.length).fill(null);
    return [x, compare.a.channels[def.key] || none(), compare.b.channels[def.key] || none()];
  }

  function onSelect(u) {
    if (selecting || u.select.width < 4) return;
    selecting = true;
    const from = u.posToVal(u.select.left, "x");
    const to = u.posToVal(u.select.left + u.select.width, "x");
    for (const c of stack) c.u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    selecting = false;
    zoom({ from, to }, true);
  }

  function onCursorMove(u) {
    if (u !== stack[0]?.u) return; // synced: every chart moves; one is enough
    stats.cursorEvents += 1;
    const idx = u.cursor.idx;
    if (pendingIdx === undefined) requestAnimationFrame(flushCursor);
    pendingIdx = idx ?? null;
  }

  function flushCursor() {
    const idx = pendingIdx;
    pendingIdx = undefined;
    cursorIdx = idx;
    stats.cursorFrames += 1;
    for (const c of stack) {
      const d = c.u.data;
      if (idx === null) {
        setText(c.va, "");
        if (c.vb) setText(c.vb, "");
        continue;
      }
      setText(c.va, valueText(c.def, d[1][idx]));
      if (c.vb) setText(c.vb, valueText(c.def, d[2][idx]));
    }
    if (readout) {
      if (idx === null) setText(readout, "move over the charts to read both laps; drag to zoom");
      else {
        const dist = x[idx];
        const here = corners.find((c) => dist >= c.from_m && dist <= c.to_m);
        setText(readout, `${metres(dist)}${here ? ` · ${here.name}` : ""}`);
      }
    }
    onCursor(idx);
  }

  let drawResolve = null;
  function afterDraw() {
    stats.draws += 1;
    if (drawsLeft > 0) {
      drawsLeft -= 1;
      if (drawsLeft === 0 && drawResolve) {
        const done = drawResolve;
        drawResolve = null;
        done();
      }
    }
  }

  function expectDraws(n) {
    drawsLeft = n;
    drawn = new Promise((resolve) => {
      drawResolve = resolve;
    });
    return drawn;
  }

  function build(compare, width) {
    root.replaceChildren();
    stack.length = 0;
    CHARTS.forEach((def, index) => {
      const box = element("div", "chart");
      box.dataset.channel = def.key;
      const head = element("div", "chart-head");
      const va = element("span", def.key === "delta" ? "v-delta" : "v-a");
      const vb = def.key === "delta" ? null : element("span", "v-b");
      head.append(element("span", "chart-name", def.name), element("span", "chart-unit muted", def.unit));
      head.append(va);
      if (vb) head.append(vb);
      const plot = element("div", "chart-plot");
      box.append(head, plot);
      root.append(box);
      const u = new uPlot(options(def, index, width), dataOf(def, compare), plot);
      // uPlot follows the mouse only; a finger (or pen) moving across a chart moves the cursor too,
      // while a vertical swipe still scrolls the page (touch-action: pan-y in sessions.css).
      const touch = (event) => {
        if (event.pointerType === "mouse") return;
        const r = u.over.getBoundingClientRect();
        u.setCursor({ left: event.clientX - r.left, top: r.height / 2 }, true, true);
      };
      u.over.addEventListener("pointerdown", touch);
      u.over.addEventListener("pointermove", touch);
      stack.push({ def, u, va, vb, box });
    });
    // A click on a corner name above the charts zooms to that corner.
    const first = stack[0].u;
    first.root.addEventListener("click", (event) => {
      const box = first.ctx.canvas.getBoundingClientRect();
      const px = event.clientX - box.left;
      const py = event.clientY - box.top;
      const hit = nameRects.find((r) => px >= r.left - 4 && px <= r.right + 4 && py >= r.top && py <= r.bottom);
      if (hit) onCornerPick(corners.find((c) => c.number === hit.number));
    });
    first.root.addEventListener("mousemove", (event) => {
      const box = first.ctx.canvas.getBoundingClientRect();
      const py = event.clientY - box.top;
      first.root.style.cursor = py < NAMES_PX ? "pointer" : "";
    });
  }

  let width = 0;
  const observer = new ResizeObserver((entries) => {
    const w = Math.floor(entries[entries.length - 1].contentRect.width);
    if (w === width || w < 50) return;
    width = w;
    for (const c of stack) c.u.setSize({ width, height: heightOf(c.def) });
  });
  observer.observe(root);
  let height = window.innerHeight;
  window.addEventListener("resize", () => {
    if (window.innerHeight === height) return;
    height = window.innerHeight;
    for (const c of stack) c.u.setSize({ width, height: heightOf(c.def) });
  });

  return {
    stats,
    /** Draw a comparison (the /api/compare answer); resolves once every chart has drawn it. */
    show(compare, cornerList, range) {
      x = compare.dist_m;
      corners = Array.isArray(cornerList) ? cornerList : [];
      zoomed = clamp(range);
      const w = width || Math.floor(root.getBoundingClientRect().width) || 600;
      width = w;
      const done = expectDraws(CHARTS.length);
      if (!stack.length) build(compare, w);
      else for (const c of stack) c.u.setData(dataOf(c.def, compare), true);
      applyZoom();
      stats.charts = stack.length;
      stats.points = x.length;
      return done;
    },
    zoom,
    get zoomed() {
      return zoomed;
    },
    get cursor() {
      return cursorIdx;
    },
    get nameRects() {
      return nameRects;
    },
    /** The x scale of every chart (what the tests read to see the zoom). */
    scales() {
      return stack.map((c) => ({ channel: c.def.key, min: c.u.scales.x.min, max: c.u.scales.x.max }));
    },
    charts: stack,
  };
}
