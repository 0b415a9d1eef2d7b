"""Store throughput: frames per second one backend process makes durable, counted as rows in its SQLite file.

Starts a real backend (uvicorn, embedded store, coaching on) and drives it
with the agent's own uplink and spool (one thread per rig, sending as fast as
the backend acknowledges), one dashboard per rig reading along. The figure is
rows in the store, not frames taken: it is read from the SQLite file itself
during the run. At the end it waits for every frame to be acknowledged and
checks that the store holds each frame sent exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import httpx
import msgspec
from common import BackendProcess, sample_frame
from websockets.asyncio.client import connect

from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import encode
from simcoach_agent.uplink.client import MAX_IN_FLIGHT, Uplink
from simcoach_agent.uplink.spool import Spool

SPA_M = 7004.0
BACKLOG = 2 * MAX_IN_FLIGHT


class Rig(threading.Thread):
    """One rig: frames into the agent's spool as fast as the uplink lets them out."""

    def __init__(self, backend: BackendProcess, name: str, stop: threading.Event, deadline: list[float]) -> None:
        super().__init__(name=f"rig-{name}", daemon=True)
        self.backend = backend
        self.rig = name
        self.stop = stop
        self.deadline = deadline
        self.sent = 0
        self.unacked = -1
        self.first_seq = time.time_ns() // 1000

    def run(self) -> None:
        # The spool's SQLite file belongs to the thread that uses it, as in the agent.
        spool = Spool(max_frames=10_000_000)
        uplink = Uplink(self.backend.ws, self.backend.tokens[self.rig], self.rig, spool)
        uplink.set_session(SessionInfo(game="demo", track="spa", car="amg_gt3", car_class="GT3"))
        uplink.start()
        while not uplink.connected:
            time.sleep(0.01)
        frame = sample_frame(self.rig, self.first_seq)
        seq, dist, lap = self.first_seq, 0.0, 1
        # Rig time 60 Hz apart however fast they go out: a backlog draining (SIMCOACH_INGEST_MAX_HZ refuses faster).
        rig_t = time.time()
        while not self.stop.is_set():
            # Keep the uplink's window full and a backlog behind it, no more: as fast as the backend takes them.
            if len(spool) < BACKLOG:
                for _ in range(256):
                    dist += 1.1
                    if dist >= SPA_M:
                        dist, lap = 0.0, lap + 1
                    frame = msgspec.structs.replace(
                        frame, seq=seq, t=rig_t, lap=lap, lap_dist_m=dist, track_pos=dist / SPA_M
                    )
                    rig_t += 1 / 60
                    spool.append(seq, encode(frame))
                    seq += 1
                    self.sent += 1
            uplink.pump()
            if len(spool) >= BACKLOG:
                time.sleep(0.001)
        # The rest, until the backend has acknowledged everything.
        while len(spool) and time.monotonic() < self.deadline[0]:
            uplink.pump()
            time.sleep(0.005)
        self.unacked = len(spool)
        uplink.stop()
        spool.close()


def stored_rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM frames").fetchone()[0])


def distinct_rows(db: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        count, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT rig || ':' || seq) FROM frames").fetchone()
        return int(count), int(distinct)


async def dashboard(backend: BackendProcess, name: str, counts: dict[str, int], stop: asyncio.Event) -> None:
    async with connect(f"{backend.ws}/ws?rig={name}", compression=None, max_size=2**24) as ws:
        while not stop.is_set():
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                continue
            if message["type"] == "frames":
                counts[name] += len(message["frames"])


async def run(backend: BackendProcess, db: Path, rigs: int, seconds: float) -> None:
    names = sorted(backend.tokens)[:rigs]
    counts = dict.fromkeys(names, 0)
    stop_views = asyncio.Event()
    views = [asyncio.create_task(dashboard(backend, n, counts, stop_views)) for n in names]
    stop = threading.Event()
    deadline = [time.monotonic() + 3600.0]
    senders = [Rig(backend, n, stop, deadline) for n in names]
    for s in senders:
        s.start()
    await asyncio.sleep(2.0)  # warm-up: connections open, the coach loads the track
    rows0, shown0, cpu0, t0 = stored_rows(db), sum(counts.values()), backend.cpu_seconds(), time.monotonic()
    own0 = time.process_time()
    await asyncio.sleep(seconds)
    rows1, shown1, cpu1, t1 = stored_rows(db), sum(counts.values()), backend.cpu_seconds(), time.monotonic()
    own1 = time.process_time()
    deadline[0] = time.monotonic() + 120
    stop.set()
    await asyncio.gather(*(asyncio.to_thread(s.join) for s in senders))
    status = httpx.get(f"{backend.http}/api/status", timeout=10).json()
    stop_views.set()
    await asyncio.gather(*views, return_exceptions=True)
    span = t1 - t0
    sent = sum(s.sent for s in senders)
    unacked = sum(s.unacked for s in senders)
    count, distinct = distinct_rows(db)
    storage = status["storage"]
    print(
        f"{rigs} rig(s) flat out through the agent's uplink, one dashboard each, coaching on: "
        f"STORED {(rows1 - rows0) / span:,.0f} frames/s (rows in the SQLite file), "
        f"dashboards got {(shown1 - shown0) / span:,.0f} frames/s, "
        f"backend CPU {100 * (cpu1 - cpu0) / span:.0f} % of a core, RSS {backend.rss_mib():.0f} MiB; "
        f"the load generator's own CPU {100 * (own1 - own0) / span:.0f} %"
    )
    print(
        f"  frames sent {sent:,}, rows stored {count:,}, distinct {distinct:,}, left unacknowledged {unacked:,}; "
        f"ingest paused for storage {storage.get('full_waits')} times, "
        f"mean batch {storage.get('mean_batch_frames')} frames in {storage.get('mean_batch_ms')} ms"
    )
    if count != sent or distinct != sent or unacked:
        raise SystemExit("FAILED: the store does not hold every frame sent exactly once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rigs", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="simcoach-store-bench-"))
    backend = BackendProcess(args.rigs, SIMCOACH_DATA_DIR=str(data))
    try:
        asyncio.run(run(backend, data / "simcoach.db", args.rigs, args.seconds))
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
