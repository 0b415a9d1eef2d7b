"""The sessions page in headless Chromium on a stored session: how fast a comparison draws, how fast the cursor follows.

A 4-lap demo session at Spa (7004 m) is recorded into a fresh store; a backend serves it and the page
compares two laps at step_m=1 (7,005 points per channel and lap, ~1 MB of JSON). Figures, measured by the
page itself (window.__simcoach_perf, performance.mark/measure):

- navigation to the first comparison drawn (page load, session analysis, compare fetch, six charts and the map);
- a new pair picked to drawn (fetch + parse + draw), and the draw alone, over several picks;
- the cursor: a mousemove dispatched over the speed chart on every animation frame for ~2 s, counting
  how often the charts' cursor and the map marker were updated per second, and the time each move costs.

Needs Debian's chromium and chromium-driver (./dev.sh test installs them).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from simcoach.demo_session import record_to_file  # noqa: E402
from tests.browser.conftest import Page, _new_driver  # noqa: E402
from tests.conftest import start_backend  # noqa: E402

LAPS = 4
PICKS = 12
CURSOR_S = 2.0

# Dispatches a mousemove over the speed chart once per animation frame, sweeping across it, and
# reports how many cursor and marker updates the page made meanwhile.
CURSOR_SWEEP = """
const [seconds, done] = arguments;
const page = window.simcoachSessions;
const over = document.querySelector(".chart[data-channel='speed_kmh'] .u-over");
const box = over.getBoundingClientRect();
const y = box.top + box.height / 2;
over.dispatchEvent(new MouseEvent("mouseenter", { clientX: box.left + 1, clientY: y, bubbles: true }));
const cursor0 = page.charts.stats.cursorFrames;
const marker0 = page.map.stats.markerDraws;
const moveMs = [];
const intervals = [];
let frames = 0;
let last = 0;
let start = 0;
function step(now) {
  if (!start) start = now;
  if (last) intervals.push(now - last);
  last = now;
  const t = (now - start) / (seconds * 1000);
  const x = box.left + 2 + ((frames * 7) % (box.width - 4));
  const before = performance.now();
  over.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: y, bubbles: true }));
  moveMs.push(performance.now() - before);
  frames += 1;
  if (t < 1) requestAnimationFrame(step);
  else requestAnimationFrame(() => done({
    elapsed_s: (performance.now() - start) / 1000,
    moves: frames,
    cursor_updates: page.charts.stats.cursorFrames - cursor0,
    marker_updates: page.map.stats.markerDraws - marker0,
    move_ms: moveMs,
    intervals_ms: intervals,
  }));
}
requestAnimationFrame(step);
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def runs(page: Page) -> list[dict[str, Any]]:
    return list(page.js("return window.__simcoach_perf || []"))


def drawn(page: Page, before: int, name: str) -> bool:
    """A new comparison was drawn since ``before`` runs, and it is the one named."""
    done = runs(page)
    return len(done) > before and done[-1]["name"] == name


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="simcoach-sessions-bench-") as folder:
        tmp = Path(folder)
        data = tmp / "data"
        data.mkdir()
        began = time.monotonic()
        record_to_file(data / "simcoach.db", LAPS, seed=3, mistakes="late_brake@La Source:2,coasting@Pouhon:3")
        print(f"recorded a {LAPS}-lap demo session in {time.monotonic() - began:.1f} s")
        profile = tmp / "profile"
        profile.mkdir()
        server = start_backend(tmp, env={"SIMCOACH_DATA_DIR": str(data)})
        page = Page(_new_driver(profile))
        try:
            [session] = [
                s for s in httpx.get(f"{server.http}/api/sessions", timeout=10).json()["sessions"] if s["laps"] == LAPS
            ]
            laps = httpx.get(f"{server.http}/api/sessions/{session['id']}/analysis", timeout=30).json()["laps"]
            ids = [lap["id"] for lap in laps if lap["has_trace"]]
            page.viewport(1920, 1080)
            page.open(f"{server.http}/sessions.html?session={session['id']}&a={ids[1]}&b={ids[2]}")
            page.wait(lambda: runs(page) and runs(page)[0]["painted_ms"], 60, "the first comparison painted")
            first = runs(page)[0]

            # New pairs picked with the lap pickers, one picker at a time, each once the last is drawn.
            pair = [ids[1], ids[2]]
            picked = []
            for n in range(PICKS):
                which = n % 2
                pair[which] = (
                    next(i for i in ids if i not in pair and i != pair[which]) if len(ids) > 2 else pair[1 - which]
                )
                count = len(runs(page))
                page.js(
                    "const [id, value] = arguments; const select = document.getElementById(id);"
                    "select.value = String(value); select.dispatchEvent(new Event('change'));",
                    ("lap-a", "lap-b")[which],
                    pair[which],
                )
                name = f"compare {pair[0]}-{pair[1]}"
                page.wait(partial(drawn, page, count, name), 30, name)
                page.wait(lambda: runs(page)[-1]["painted_ms"], 30, f"{name} painted")
                picked.append(runs(page)[-1])

            # A session opened from the list: the click to its first comparison drawn (analysis included).
            page.open(f"{server.http}/sessions.html")
            page.wait(lambda: page.js("return document.querySelector('#sessions-body a[data-session]')"), 30, "list")
            page.js("document.querySelector(`#sessions-body a[data-session='${arguments[0]}']`).click()", session["id"])
            page.wait(lambda: runs(page) and runs(page)[0]["painted_ms"], 30, "the session opened from the list")
            opened = runs(page)[0]

            page.driver.set_script_timeout(30)
            sweep = page.driver.execute_async_script(CURSOR_SWEEP, CURSOR_S)
            severe = page.severe()
        finally:
            page.driver.quit()
            server.stop()

    print(
        f"sessions page, headless Chromium 1920x1080, two {first['points']}-point laps at step_m={first['step_m']:g}:"
    )
    print(
        f"  navigation to first comparison drawn: {first['started_ms'] + first['total_ms']:.0f} ms, "
        f"painted: {first['started_ms'] + first['painted_ms']:.0f} ms"
    )
    print(
        f"  first comparison, pick to drawn: {first['total_ms']:.0f} ms (fetch {first['fetch_ms']:.0f}, "
        f"parse {first['parse_ms']:.0f}, draw {first['draw_ms']:.0f}; {first['bytes'] / 1e6:.2f} MB); "
        f"painted {first['painted_ms']:.0f} ms"
    )
    print(
        f"  a session opened from the list to its first comparison drawn: {opened['since_open_ms']:.0f} ms "
        f"(the comparison itself {opened['total_ms']:.0f} ms)"
    )
    totals = [r["total_ms"] for r in picked]
    painted = [r["painted_ms"] for r in picked]
    draws = [r["draw_ms"] for r in picked]
    fetches = [r["fetch_ms"] + r["parse_ms"] for r in picked]
    print(
        f"  {len(picked)} picks, pick to drawn: median {statistics.median(totals):.0f} ms, "
        f"p95 {pct(totals, 95):.0f} ms, max {max(totals):.0f} ms"
    )
    print(f"    to the frame painted: median {statistics.median(painted):.0f} ms, max {max(painted):.0f} ms")
    print(f"    of which fetch+parse: median {statistics.median(fetches):.0f} ms")
    print(f"    of which drawing: median {statistics.median(draws):.0f} ms, max {max(draws):.0f} ms")
    hz = sweep["moves"] / sweep["elapsed_s"]
    print(f"  cursor: {sweep['moves']} mousemoves in {sweep['elapsed_s']:.2f} s ({hz:.1f}/s, one per animation frame)")
    print(f"    chart cursor updates: {sweep['cursor_updates'] / sweep['elapsed_s']:.1f}/s")
    print(f"    map marker updates:   {sweep['marker_updates'] / sweep['elapsed_s']:.1f}/s")
    move = sweep["move_ms"]
    gaps = sweep["intervals_ms"]
    print(
        f"    a mousemove's handling (six synced charts): median {statistics.median(move):.2f} ms, "
        f"p95 {pct(move, 95):.2f} ms"
    )
    print(f"    frame interval: p50 {pct(gaps, 50):.1f} ms, p95 {pct(gaps, 95):.1f} ms, max {max(gaps):.1f} ms")
    if severe:
        print(f"  console errors: {severe}")


if __name__ == "__main__":
    main()
