"""Exporter throughput: a store full of demo frames drained by ``Exporter`` into a real influxd 1.6.

A Store (SQLite file in a temporary folder) is filled with ``--frames`` frames of
the demo car in ``--rigs`` rigs' sessions (one session each), through the real
StorageWriter; then one ``Exporter`` (the backend's, with a real StorageWriter
persisting its cursors) drains it into a fresh influxd through InfluxV1Target,
exactly as the backend would after an outage. Printed: frames/s from the
exporter's start until every frame is written, against the 20,000 frames/s
target; the worker threads' split (SQLite read, msgpack decode, line-protocol
encode, HTTP write: read/decode/encode run while the previous write is in
flight, so they overlap the write); the CPU influxd and this process used per
100,000 frames; and a check that InfluxDB holds every frame.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simcoach.history.exporter import Exporter
from simcoach.history.lines import TelemetryEncoder
from simcoach.history.schema import SessionTags
from simcoach.history.targets import InfluxV1Target
from simcoach.storage.records import SessionKey, SessionOpened
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame
from tests.influx import InfluxServer

TARGET_FRAMES_S = 20_000
TICK = os.sysconf("SC_CLK_TCK")
T0 = 1_800_000_000.0
# Frames simulated once and repeated with new seq and t: the demo at 60 Hz, a lap and a half of Spa.
LOOP_FRAMES = 12_000


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def demo_loop() -> list[Frame]:
    source = DemoSource()
    return [f for seq in range(1, LOOP_FRAMES + 1) if (f := source.sample("rig", seq, T0 + seq / 60))]


def fill(store: Store, frames: int, rigs: int) -> None:
    """``frames`` frames in all, split over ``rigs`` rigs, each rig one session, through the real writer."""
    loop = demo_loop()
    writer = StorageWriter(store, max_pending=10**9)
    per_rig = frames // rigs
    for r in range(1, rigs + 1):
        rig = f"rig-{r}"
        session = f"bench-{r}"
        key = SessionKey(f"Driver {r}", "demo", "Spa", "AMG GT3")
        writer.add(SessionOpened(session, rig, T0, 1, key, {}))
        for start in range(0, per_rig, 20_000):
            chunk = [
                msgspec.structs.replace(loop[(i - 1) % len(loop)], rig=rig, seq=i, t=T0 + i / 60)
                for i in range(start + 1, min(per_rig, start + 20_000) + 1)
            ]
            writer.add_frames(rig, chunk, session)
            assert writer.flush_now(), writer.last_error


async def drain(store: Store, target: InfluxV1Target, batch: int, frames: int) -> tuple[Exporter, float]:
    writer = StorageWriter(store)
    writing = asyncio.create_task(writer.run())
    exporter = Exporter(store, target, writer.add, batch)
    started = time.perf_counter()
    task = asyncio.create_task(exporter.run())
    while exporter.stats.frames < frames:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    wall = time.perf_counter() - started
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    writer.stop()
    await writing
    return exporter, wall


def baseline(store: Store, server: InfluxServer, batch: int, frames: int) -> None:
    """The same frames' bodies, encoded beforehand, written back to back into a fresh database: influxd's own
    rate on this machine now, which the exporter's cannot pass (its reading and encoding overlap the writes)."""
    server.query('CREATE DATABASE "baseline"', method="POST")
    decode = msgspec.msgpack.Decoder(Frame).decode
    bodies: list[bytes] = []
    for rig, _ in sorted(store.last_seqs().items()):
        encoder = TelemetryEncoder(SessionTags(rig=rig, session="baseline", game="demo"))
        after = -1
        while rows := store.frames(rig, after, batch):
            bodies.append(encoder.lines([decode(d) for _, d in rows]))
            after = rows[-1][0]
    with InfluxV1Target(server.url, "baseline") as target:
        influxd0 = cpu_of(server.process.pid)
        t = time.perf_counter()
        for body in bodies:
            target.write(body)
        wall = time.perf_counter() - t
        influxd_s = cpu_of(server.process.pid) - influxd0
    print(
        f"baseline, influxd alone (bodies encoded beforehand, one writer): {frames / wall:,.0f} frames/s, "
        f"influxd CPU {influxd_s / frames * 1e5:.2f} s per 100,000 frames"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--rigs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=5000, help="SIMCOACH_EXPORT_BATCH_FRAMES")
    args = parser.parse_args()
    frames = args.frames // args.rigs * args.rigs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(folder / "simcoach.db").open()
        t = time.perf_counter()
        fill(store, frames, args.rigs)
        print(f"store: {frames:,} frames of {args.rigs} rig(s) stored in {time.perf_counter() - t:.1f} s")
        (folder / "influxd").mkdir()
        server = InfluxServer(folder / "influxd")
        target = InfluxV1Target(server.url, server.database)
        try:
            influxd0, own0 = cpu_of(server.process.pid), time.process_time()
            exporter, wall = asyncio.run(drain(store, target, args.batch, frames))
            influxd_s, own_s = cpu_of(server.process.pid) - influxd0, time.process_time() - own0
            s = exporter.stats
            rate = s.frames / wall
            verdict = "meets" if rate >= TARGET_FRAMES_S else "BELOW"
            print(
                f"exporter: {s.frames:,} frames in {wall:.2f} s = {rate:,.0f} frames/s "
                f"({verdict} the {TARGET_FRAMES_S:,} frames/s target); batch {args.batch}, {s.batches} batches, "
                f"{s.bytes / s.frames:.0f} B/frame"
            )
            per = 1e6 / s.frames
            print(
                f"  worker threads, µs/frame: read {s.read_s * per:.2f}, decode {s.decode_s * per:.2f}, "
                f"encode {s.encode_s * per:.2f}, write (HTTP until 204) {s.write_s * per:.2f}"
            )
            print(
                f"  CPU per 100,000 frames: influxd {influxd_s / s.frames * 1e5:.2f} s, "
                f"this process {own_s / s.frames * 1e5:.2f} s (2 cores, shared)"
            )
            (series,) = server.series("SELECT count(seq) FROM telemetry")
            stored = series["values"][0][1]
            print(f"  InfluxDB holds {stored:,} telemetry points of {frames:,} stored frames")
            assert stored == frames
            baseline(store, server, args.batch, frames)
        finally:
            target.close()
            server.stop()
            store.close()


if __name__ == "__main__":
    main()
