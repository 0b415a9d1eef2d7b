"""Grafana against an hour of driving: /write throughput, every dashboard panel's query time, bytes per hour.

Starts a real influxd (Debian's 1.6) in a temporary folder, generates one hour
of the demo car at 60 Hz (216,000 frames, the demo's own physics, laps and
mistakes; laps, corners and events from the coaching engine over those frames,
lap traces resampled every 5 m), and writes it with simcoach's encoder in
/write batches of 5,000 frames. Then:

- frames/s /write accepted (encoding included, and the HTTP part alone);
- each panel of each provisioned dashboard: its queries, substituted as Grafana
  does for a one-hour time range, first run (cold) and best of three, in ms;
- bytes per hour of driving: the database's folder after influxd has
  snapshotted its write-ahead log into TSM files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.history.demo_session import RATE_HZ, build
from tests.history.grafana import Context, dashboards, datasource, panels, resolve
from tests.influx import InfluxServer

BATCH = 5000
TARGET_FRAMES_S = 20_000
TARGET_PANEL_MS = 300.0
SNAPSHOT_DEADLINE_S = 120.0


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def tsm_files(server: InfluxServer) -> dict[str, int]:
    return {str(p): p.stat().st_size for p in (server.data_dir / server.database).rglob("*.tsm")}


def wait_for_compaction(server: InfluxServer) -> None:
    """Until the WAL is snapshotted into TSM files and the compactor has left them alone for a while."""
    deadline = time.monotonic() + SNAPSHOT_DEADLINE_S
    last: dict[str, int] = {}
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        now = tsm_files(server)
        if now != last:
            last, stable_since = now, time.monotonic()
        elif now and du(server.folder / "wal" / server.database) < 64 * 1024 and time.monotonic() - stable_since > 15:
            return
        time.sleep(1.0)
    print(f"(compaction not settled within {SNAPSHOT_DEADLINE_S:.0f} s: sizes as they are)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = int(args.minutes * 60 * RATE_HZ)

    t0 = time.perf_counter()
    session = build(laps=10_000, max_frames=n, session_id="bench-hour")
    frames = session.frames
    print(
        f"generated {len(frames)} demo frames ({len(frames) / RATE_HZ / 60:.1f} min at {RATE_HZ:.0f} Hz), "
        f"{len(session.laps)} laps, {len(session.corners)} corners, {len(session.events)} events "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="simcoach-influx-bench-") as tmp:
        server = InfluxServer(Path(tmp))
        try:
            encode_s = write_s = 0.0
            for start in range(0, len(frames), BATCH):
                a = time.perf_counter()
                body = session.telemetry_body(start, start + BATCH)
                b = time.perf_counter()
                server.write(body)
                c = time.perf_counter()
                encode_s += b - a
                write_s += c - b
            total = encode_s + write_s
            rate = len(frames) / total
            print(
                f"/write, batches of {BATCH}: {rate:,.0f} frames/s encoded and written "
                f"(encode {encode_s / len(frames) * 1e6:.1f} µs/frame, HTTP+influxd {len(frames) / write_s:,.0f} "
                f"frames/s); target {TARGET_FRAMES_S:,}: {'met' if rate >= TARGET_FRAMES_S else 'NOT met'}"
            )
            server.write(session.lap_body())
            count = server.series('SELECT count("seq") FROM "telemetry" WHERE "session" = \'bench-hour\'')
            print(f"points in telemetry: {count[0]['values'][0][1]} (frames written: {len(frames)})")

            wait_for_compaction(server)
            tsm = sum(tsm_files(server).values())
            wal = du(server.folder / "wal" / server.database)
            series = du(server.data_dir / server.database / "_series")
            hours = len(frames) / RATE_HZ / 3600
            print(
                f"InfluxDB on disk: TSM {tsm:,} bytes + WAL {wal:,} bytes = "
                f"{(tsm + wal) / hours / 1e6:.1f} MB per hour of driving at 60 Hz "
                f"({(tsm + wal) / len(frames):.0f} bytes a frame); plus the database's series file, "
                f"{series:,} bytes preallocated, whatever the hours"
            )

            min_interval = datasource()["jsonData"]["timeInterval"]
            ctx_range = (int(frames[0].t * 1000), int(frames[-1].t * 1000))
            worst = 0.0
            for board in dashboards().values():
                ctx = Context(ctx_range[0], ctx_range[1], {})
                try:
                    resolve(board, server, ctx, min_interval)
                except AssertionError as exc:
                    print(f"\n{board['title']}: not run, {exc} (too short a session?)")
                    continue
                print(f"\n{board['title']} ($__interval for this range: {ctx.render('$__interval', min_interval)})")
                for panel in panels(board):
                    queries = [ctx.render(t["query"], min_interval) for t in panel["targets"]]
                    times = []
                    for _ in range(args.rounds):
                        a = time.perf_counter()
                        rows = sum(len(s.get("values", [])) for q in queries for s in server.series(q))
                        times.append((time.perf_counter() - a) * 1000)
                    worst = max(worst, times[0])
                    print(f"  {panel['title'][:44]:44} cold {times[0]:7.1f} ms  best {min(times):7.1f} ms  {rows} rows")
            print(
                f"\nslowest panel (cold): {worst:.1f} ms; target {TARGET_PANEL_MS:.0f} ms: "
                f"{'met' if worst < TARGET_PANEL_MS else 'NOT met'}"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
