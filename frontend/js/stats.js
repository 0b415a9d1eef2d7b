// Counters the page keeps about itself, exposed as window.simcoachStats: frames applied, messages,
// reconnects, DOM writes and requestAnimationFrame intervals (a bounded ring), for tests and for
// anyone curious in the browser console (simcoachStats.report()).

import { writes } from "./dom.js";
import { Ring } from "./ring.js";

export function createStats(extra) {
  const intervals = new Ring(4096, 1);
  const stats = {
    loadedAt: Date.now(),
    loadId: Math.random().toString(36).slice(2),
    framesApplied: 0,
    messages: 0,
    events: 0,
    spoken: 0,
    wsOpens: 0,
    draws: 0,
    since: performance.now(),
    base: { framesApplied: 0, draws: 0, writes: 0 },
    recordInterval(ms) {
      intervals.push(ms);
    },
    /** Start a measurement window. */
    reset() {
      intervals.clear();
      stats.since = performance.now();
      stats.base = { framesApplied: stats.framesApplied, draws: stats.draws, writes: writes.count };
    },
    /** Figures since the last reset. */
    report() {
      const seconds = (performance.now() - stats.since) / 1000;
      const sorted = Array.from({ length: intervals.length }, (_, i) => intervals.get(i, 0)).sort((a, b) => a - b);
      const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
      const frames = stats.framesApplied - stats.base.framesApplied;
      const draws = stats.draws - stats.base.draws;
      const domWrites = writes.count - stats.base.writes;
      const memory = performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null;
      return {
        seconds,
        frames_applied: frames,
        frames_per_s: frames / seconds,
        raf_count: draws,
        raf_per_s: draws / seconds,
        raf_p50_ms: pct(0.5),
        raf_p95_ms: pct(0.95),
        raf_p99_ms: pct(0.99),
        raf_max_ms: sorted.length ? sorted[sorted.length - 1] : null,
        dom_writes: domWrites,
        dom_writes_per_s: domWrites / seconds,
        heap_mb: memory,
        ...extra(),
      };
    },
  };
  return stats;
}
