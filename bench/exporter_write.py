"""Exporter write throughput: demo frames encoded and written into a real influxd 1.6 through InfluxV1Target.

Demo frames (every channel the demo fills) for several rigs (one series each, as a
backlog from several rigs would be), encoded with ``TelemetryEncoder`` into /write
bodies, then written through ``InfluxV1Target`` under each configuration:

- batch size (frames a /write), gzip (``Content-Encoding: gzip``), 1 or 2 concurrent
  writers, the timestamps' precision (ns as the encoder writes them, or s);
- influxd settings a real deployment could also use, each on a fresh server:
  ``[data] index-version``, ``wal-fsync-delay``, ``cache-snapshot-memory-size``.

Encoding and writing are timed apart (each body is encoded before its write is
timed), then once together as an exporter would run them (encode the next batch
while the last one is written). For every run, the CPU seconds influxd and this
process spent per 100,000 frames, and what the rest of the machine used meanwhile
(it is shared): so a figure below the target says what it was short of.
"""

from __future__ import annotations

import argparse
import gzip
import os
import queue
import re
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simcoach.history.lines import TelemetryEncoder
from simcoach.history.schema import SessionTags
from simcoach.history.targets import InfluxV1Target
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame
from tests.influx import InfluxServer

TARGET_FRAMES_S = 20_000
TICK = os.sysconf("SC_CLK_TCK")
T0 = 1_800_000_000.0
# Every run: what, frames/s, influxd's and the bench's CPU seconds a frame.
RESULTS: list[tuple[str, float, float, float]] = []


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    """CPU seconds every core has spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


@dataclass
class Usage:
    wall_s: float = 0.0
    influxd_s: float = 0.0
    own_s: float = 0.0
    others_s: float = 0.0


@contextmanager
def measured(server: InfluxServer) -> Iterator[Usage]:
    usage = Usage()
    w, i, o, m = time.perf_counter(), cpu_of(server.process.pid), time.process_time(), machine_busy()
    yield usage
    usage.wall_s = time.perf_counter() - w
    usage.influxd_s = cpu_of(server.process.pid) - i
    usage.own_s = time.process_time() - o
    usage.others_s = max(0.0, machine_busy() - m - usage.influxd_s - usage.own_s)


def demo_frames(n: int) -> list[Frame]:
    source = DemoSource()
    return [f for seq in range(1, n + 1) if (f := source.sample("rig-1", seq, T0 + seq / 60))]


def rig_tags(rig: int) -> SessionTags:
    return SessionTags(
        rig=f"rig-{rig}", session=f"bench-{rig}", game="demo", driver=f"Driver {rig}", track="Spa", car="AMG GT3"
    )


def encode(frames: list[Frame], rigs: int, batch: int) -> tuple[list[bytes], float]:
    """Every rig's frames as /write bodies of ``batch`` lines; and the seconds encoding took."""
    bodies: list[bytes] = []
    spent = 0.0
    for rig in range(1, rigs + 1):
        encoder = TelemetryEncoder(rig_tags(rig))
        for start in range(0, len(frames), batch):
            a = time.perf_counter()
            bodies.append(encoder.lines(frames[start : start + batch]))
            spent += time.perf_counter() - a
    return bodies, spent


_NS = re.compile(rb" (\d{10})\d{9}\n")


def to_seconds(body: bytes) -> bytes:
    """The same lines with timestamps in s (the demo's 60 Hz frames then collide: only the parse cost counts)."""
    return _NS.sub(rb" \1\n", body)


# --- where influxd's CPU goes: its own Go CPU profile (/debug/pprof/profile, names included) ---------------------

# Stages of a 1.x write, by the function whose cumulative time is the stage's; the first that matches a sample wins.
STAGES = (
    ("parse the lines (models.ParsePoints)", "models.ParsePointsWithPrecision"),
    ("check series and field types", "tsdb.(*Shard).validateSeriesAndFields"),
    ("write-ahead log (encode, snappy, write)", "tsm1.(*WAL).WriteMulti"),
    ("in-memory cache", "tsm1.(*Cache).WriteMulti"),
    ("snapshot/compact to TSM files", "tsm1.(*Compactor)"),
    ("garbage collector", "runtime.gcBgMarkWorker"),
    ("other per-point work in the shard", "tsdb.(*Shard).WritePoints"),
)


def _varint(b: bytes, i: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return x, i


def _fields(b: bytes) -> Iterator[tuple[int, int, bytes]]:
    """A protobuf message's fields as (number, varint value, bytes value): what profile.proto needs."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        wire = key & 7
        if wire == 0:
            value, i = _varint(b, i)
            yield key >> 3, value, b""
        elif wire == 2:
            n, i = _varint(b, i)
            yield key >> 3, 0, b[i : i + n]
            i += n
        else:
            i += 8 if wire == 1 else 4


def _ints(value: int, packed: bytes) -> list[int]:
    """A repeated integer field, packed or not."""
    if not packed:
        return [value]
    out, i = [], 0
    while i < len(packed):
        x, i = _varint(packed, i)
        out.append(x)
    return out


def profile_stages(data: bytes) -> tuple[float, Counter[str]]:
    """CPU seconds in a Go pprof profile, and their split over STAGES (by each sample's stack)."""
    data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    strings: list[str] = []
    samples: list[tuple[list[int], int]] = []
    locations: dict[int, list[int]] = {}
    functions: dict[int, int] = {}
    for f, _, v in _fields(data):
        if f == 6:  # string_table
            strings.append(v.decode(errors="replace"))
        elif f == 2:  # sample: location ids, values (count, cpu ns)
            ids: list[int] = []
            values: list[int] = []
            for g, n, w in _fields(v):
                if g == 1:
                    ids += _ints(n, w)
                elif g == 2:
                    values += _ints(n, w)
            samples.append((ids, values[-1]))
        elif f == 4:  # location: id, lines (function id)
            loc, funcs = 0, []
            for g, n, w in _fields(v):
                if g == 1:
                    loc = n
                elif g == 4:
                    funcs += [x for h, x, _ in _fields(w) if h == 1]
            locations[loc] = funcs
        elif f == 5:  # function: id, name
            fid = name = 0
            for g, n, _ in _fields(v):
                if g == 1:
                    fid = n
                elif g == 2:
                    name = n
            functions[fid] = name
    split: Counter[str] = Counter()
    total = 0
    for ids, ns in samples:
        total += ns
        names = [strings[functions[fid]] for loc in ids for fid in locations.get(loc, [])]
        stage = next((label for label, fn in STAGES if any(fn in n for n in names)), "other (HTTP, runtime)")
        split[stage] += ns
    return total / 1e9, split


class Bench:
    def __init__(self, server: InfluxServer, frames: int, label: str) -> None:
        self.server = server
        self.frames = frames
        self.label = label
        self.runs = 0

    def target(self, use_gzip: bool) -> InfluxV1Target:
        # A fresh database per run: every run writes new series, none overwrites another's points.
        self.runs += 1
        database = f"run{self.runs}"
        self.server.query(f'CREATE DATABASE "{database}"', method="POST")
        return InfluxV1Target(self.server.url, database, use_gzip=use_gzip)

    def report(self, what: str, usage: Usage, extra: str = "") -> float:
        rate = self.frames / usage.wall_s
        RESULTS.append(
            (f"{what} (influxd {self.label})", rate, usage.influxd_s / self.frames, usage.own_s / self.frames)
        )
        per = 100_000 / self.frames
        print(
            f"  {what:38} {rate:8,.0f} frames/s  "
            f"cpu/100k frames: influxd {usage.influxd_s * per:5.2f} s, bench {usage.own_s * per:5.2f} s, "
            f"others {usage.others_s / usage.wall_s:4.2f} cores{extra}",
            flush=True,
        )
        return rate

    def _writers(self, use_gzip: bool, writers: int) -> list[InfluxV1Target]:
        """``writers`` targets on one fresh database, each its own connection (a target is one call at a time)."""
        first = self.target(use_gzip)
        return [first] + [
            InfluxV1Target(self.server.url, first.database, use_gzip=use_gzip) for _ in range(writers - 1)
        ]

    def _run(self, targets: list[InfluxV1Target], produce: Callable[[Callable[[bytes], None]], None]) -> Usage:
        """``produce`` hands bodies to ``put``; the targets' threads write them as they come, one queued each."""
        bodies: queue.Queue[bytes | None] = queue.Queue(maxsize=len(targets))
        errors: list[BaseException] = []

        def drain(target: InfluxV1Target) -> None:
            while (body := bodies.get()) is not None:
                try:
                    target.write(body)
                except BaseException as exc:  # reported after the run: a bench figure is never from a failed write
                    errors.append(exc)

        try:
            with measured(self.server) as usage:
                threads = [threading.Thread(target=drain, args=(t,)) for t in targets]
                for thread in threads:
                    thread.start()
                produce(bodies.put)
                for _ in threads:
                    bodies.put(None)
                for thread in threads:
                    thread.join()
        finally:
            for t in targets:
                t.close()
        if errors:
            raise errors[0]
        return usage

    def write(self, what: str, bodies: list[bytes], *, use_gzip: bool = False, writers: int = 1) -> float:
        """Bodies encoded beforehand: HTTP and influxd alone."""

        def produce(put: Callable[[bytes], None]) -> None:
            for body in bodies:
                put(body)

        return self.report(what, self._run(self._writers(use_gzip, writers), produce))

    def profile(self, what: str, bodies: list[bytes], seconds: int) -> None:
        """Write ``bodies`` while influxd profiles itself for ``seconds``; print where its CPU went."""
        target = self.target(False)
        got: dict[str, bytes] = {}

        def fetch() -> None:
            url = f"{self.server.url}/debug/pprof/profile?seconds={seconds}"
            with urllib.request.urlopen(url, timeout=seconds + 60) as r:
                got["profile"] = r.read()

        profiler = threading.Thread(target=fetch)
        profiler.start()
        try:
            for body in bodies:
                target.write(body)
        finally:
            target.close()
            profiler.join()
        total, split = profile_stages(got["profile"])
        print(f"  influxd's CPU profile while {what} ({total:.1f} CPU s in {seconds} s):")
        for stage, ns in split.most_common():
            print(f"    {ns / 1e9 / total * 100:5.1f}%  {stage}")

    def pipelined(
        self, what: str, frames: list[Frame], rigs: int, batch: int, *, use_gzip: bool = False, writers: int = 1
    ) -> float:
        """As an exporter runs: encode the next batch while the writer threads write the last ones."""
        encode_s = 0.0

        def produce(put: Callable[[bytes], None]) -> None:
            nonlocal encode_s
            for rig in range(1, rigs + 1):
                encoder = TelemetryEncoder(rig_tags(rig))
                for start in range(0, len(frames), batch):
                    a = time.perf_counter()
                    body = encoder.lines(frames[start : start + batch])
                    encode_s += time.perf_counter() - a
                    put(body)

        usage = self._run(self._writers(use_gzip, writers), produce)
        return self.report(what, usage, f"  (encode {encode_s / self.frames * 1e6:.1f} µs/frame of it)")


def server_run(label: str, data: dict[str, str], frames: list[Frame], rigs: int, body: Callable[[Bench], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="simcoach-export-bench-") as tmp:
        server = InfluxServer(Path(tmp), data=data)
        try:
            print(f"\ninfluxd {label}:", flush=True)
            body(Bench(server, len(frames) * rigs, label))
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30_000, help="frames per rig")
    parser.add_argument("--rigs", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="only the default server's batch sizes")
    args = parser.parse_args()

    frames = demo_frames(args.frames)
    total = len(frames) * args.rigs
    print(f"{len(frames)} demo frames x {args.rigs} rigs = {total:,} frames a run")
    encoded: dict[int, list[bytes]] = {}
    for batch in (5000, 10_000, 20_000):
        bodies, spent = encode(frames, args.rigs, batch)
        encoded[batch] = bodies
        size = sum(map(len, bodies)) / total
        print(
            f"encode, batches of {batch:6,}: {spent / total * 1e6:5.1f} µs/frame ({total / spent:8,.0f} frames/s), "
            f"{size:.0f} bytes a line, {max(map(len, bodies)) / 1e6:.1f} MB the largest /write body"
        )

    def default_server(b: Bench) -> None:
        for batch in (5000, 10_000, 20_000):
            b.write(f"write only, batch {batch:,}", encoded[batch])
        if args.quick:
            return
        # The rest at the default SIMCOACH_EXPORT_BATCH_FRAMES: larger batches gain nothing measurable.
        b.write("write only, batch 5,000, gzip", encoded[5000], use_gzip=True)
        b.write("write only, batch 5,000, 2 writers", encoded[5000], writers=2)
        b.write("write only, batch 5,000, precision s", [to_seconds(x) for x in encoded[5000]])
        b.pipelined("encode + write, batch 5,000", frames, args.rigs, 5000)
        b.pipelined("encode + write, batch 5,000, gzip", frames, args.rigs, 5000, use_gzip=True)
        b.pipelined("encode + write, batch 5,000, 2 writers", frames, args.rigs, 5000, writers=2)
        b.profile("writing batches of 5,000", encoded[5000], seconds=5)

    server_run(
        "as tests/influx.py starts it (index inmem, WAL fsync each write)", {}, frames, args.rigs, default_server
    )
    if args.quick:
        return

    def tuned(b: Bench) -> None:
        b.write("write only, batch 5,000", encoded[5000])
        b.write("write only, batch 5,000, 2 writers", encoded[5000], writers=2)
        b.pipelined("encode + write, batch 5,000, 2 writers", frames, args.rigs, 5000, writers=2)

    for label, data in (
        ("index-version tsi1", {"index-version": '"tsi1"'}),
        ('wal-fsync-delay "100ms"', {"wal-fsync-delay": '"100ms"'}),
        ('cache-snapshot-memory-size "256m"', {"cache-snapshot-memory-size": '"256m"'}),
        (
            'tsi1 + wal-fsync-delay "100ms" + cache-snapshot-memory-size "256m"',
            {"index-version": '"tsi1"', "wal-fsync-delay": '"100ms"', "cache-snapshot-memory-size": '"256m"'},
        ),
    ):
        server_run(label, data, frames, args.rigs, tuned)

    best = max(RESULTS, key=lambda r: r[1])
    influxd_us = sorted(r[2] for r in RESULTS)[len(RESULTS) // 2] * 1e6
    client_us = sorted(r[3] for r in RESULTS if r[0].startswith("encode"))[0] * 1e6
    cores = os.cpu_count() or 1
    print(
        f"\nbest: {best[1]:,.0f} frames/s, {best[0]}\n"
        f"influxd spends {influxd_us:.0f} µs of CPU a frame (median of the runs), encoding and sending "
        f"{client_us:.0f} µs at best: {TARGET_FRAMES_S:,} frames/s needs {influxd_us * TARGET_FRAMES_S / 1e6:.1f} "
        f"cores for influxd and {client_us * TARGET_FRAMES_S / 1e6:.1f} for the exporter; this machine has {cores}, "
        f"so at most {cores / (influxd_us + client_us) * 1e6:,.0f} frames/s with nothing else running"
    )
    print(f"\ntarget: {TARGET_FRAMES_S:,} frames/s")


if __name__ == "__main__":
    main()
