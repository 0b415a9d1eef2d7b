// How long the page takes to show a comparison, from the pick to the charts and map drawn, kept in
// window.__simcoach_perf (and as performance marks and measures) for bench/sessions_page.py.

const runs = [];
window.__simcoach_perf = runs;
let openedAt = null;

export const perf = {
  runs,
  /** A session was opened from the list: the next comparison drawn also says how long since then. */
  opened() {
    openedAt = performance.now();
  },
  /** Start timing one comparison; the run's ``fetched`` and ``drawn`` close its parts. */
  start(name) {
    const id = runs.length;
    const mark = `simcoach-compare-${id}`;
    performance.mark(`${mark}-start`);
    const started = performance.now();
    const run = {
      name,
      started_ms: started,
      fetch_ms: null,
      parse_ms: null,
      bytes: null,
      draw_ms: null,
      total_ms: null,
    };
    let fetchedAt = null;
    return {
      fetched(timing) {
        fetchedAt = performance.now();
        run.fetch_ms = timing.fetch_ms ?? null;
        run.parse_ms = timing.parse_ms ?? null;
        run.bytes = timing.bytes ?? null;
      },
      drawn(extra = {}) {
        const now = performance.now();
        performance.mark(`${mark}-drawn`);
        performance.measure(`simcoach-compare-${id}`, `${mark}-start`, `${mark}-drawn`);
        run.draw_ms = fetchedAt === null ? null : now - fetchedAt;
        run.total_ms = now - started;
        run.since_open_ms = openedAt === null ? null : now - openedAt;
        openedAt = null;
        Object.assign(run, extra);
        run.painted_ms = null;
        runs.push(run);
        // And until the frame holding it was painted: the task after the next animation frame.
        requestAnimationFrame(() =>
          setTimeout(() => {
            run.painted_ms = performance.now() - started;
          }, 0),
        );
      },
    };
  },
};
