"""Bytes per hour of driving at 60 Hz in the embedded store: frames, sessions, laps with traces, events.

Drives the demo car for the given minutes of simulated time at 60 Hz (its own
physics and mistakes), through the coaching engine and the store's one writer
exactly as the backend does (a session row, frames in batches with the laps
and events they give), into a fresh SQLite file. Then checkpoints the
write-ahead log into the file and prints its size per hour of driving, with
what the frames, laps and events tables take (SQLite's dbstat, when built in).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simcoach.coaching.engine import CoachEngine
from simcoach.live.sessions import SessionTracker
from simcoach.settings import Settings
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackLibrary
from simcoach_agent.games.demo.source import DemoSource

RIG = "bench-rig"
RATE_HZ = 60.0
T0 = 1_800_000_000.0
BATCH = 2048


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated minutes of driving (default 60)")
    args = parser.parse_args()
    frames_wanted = int(args.minutes * 60 * RATE_HZ)
    folder = Path(tempfile.mkdtemp(prefix="simcoach-store-bytes-"))
    path = folder / "simcoach.db"
    store = Store(path).open()
    writer = StorageWriter(store)
    engine = CoachEngine(store, writer, TrackLibrary(Settings().tracks_dir))
    sessions = SessionTracker(writer, timeout_s=300)
    source = DemoSource(rate_hz=RATE_HZ, seed=7, mistakes="late_brake@La Source:3,coasting@Pouhon:5")
    started = time.perf_counter()
    seq, taken, joined = 0, 0, None
    batch = []
    while taken < frames_wanted:
        seq += 1
        frame = source.sample(RIG, seq, T0 + seq / RATE_HZ)
        if frame is None:
            continue
        if joined is None:
            info = source.session()
            assert info is not None
            joined = sessions.join(RIG, info, seq, frame.t)
            engine.set_session(RIG, info, frame.t, session_id=joined.id)
        batch.append(frame)
        taken += 1
        if len(batch) == BATCH or taken == frames_wanted:
            writer.add_frames(RIG, batch, joined.id)
            for f in batch:
                engine.on_frame(f)
            assert writer.flush_now(), writer.last_error
            batch = []
    elapsed = time.perf_counter() - started
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        laps = db.execute("SELECT COUNT(*) FROM laps").fetchone()[0]
        events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        try:
            tables = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall())
        except sqlite3.OperationalError:
            tables = {}
    size = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
    hours = taken / RATE_HZ / 3600
    print(f"{taken:,} frames ({args.minutes:g} min at 60 Hz), {laps} laps, {events} events, in {elapsed:.1f} s")
    print(
        f"embedded store: {size:,} bytes = {size / hours / 1e6:.1f} MB per hour of driving"
        f" ({size / taken:.0f} B a frame)"
    )
    for name, pages in list(tables.items())[:6]:
        print(f"  {name}: {pages / hours / 1e6:.1f} MB/h")


if __name__ == "__main__":
    main()
