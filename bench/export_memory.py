"""Export memory and speed: an hour of 60 Hz frames exported as CSV, Parquet and the dataset, streamed.

Records a demo session of about an hour into a fresh store (26 laps of Spa,
some 220,000 frames; ~25 s) and a one-lap one to warm up with. Each export
runs in a process of its own: it first exports the one-lap session (so that
the libraries' code is paged in and the allocators have their arenas), then
resets its peak resident size (``/proc/self/clear_refs``) and exports the
hour. The figure is that peak (VmHWM) less the resident size just before:
what the hour's export added. Beside it: Arrow's own peak allocation and
what the whole frames table would take in memory. The same CSV and Parquet
are then fetched over HTTP from a real backend serving the store, warmed up
and measured the same way. Streamed, every growth stays a few pages' worth,
far below the table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import BackendProcess


def rss_kib(pid: str = "self", key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def reset_peak(pid: str = "self") -> int:
    """Reset the process's peak resident size to what it holds now (Linux >= 4.0); that size, in KiB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return rss_kib(pid)


def child(fmt: str, data_dir: Path, sessions: str, out: Path) -> None:
    """The warm-up export, then the measured one, in this process; prints the figures as JSON."""
    import pyarrow as pa

    from simcoach.exports.folder import export_session
    from simcoach.storage.store import Store

    warmup_id, session_id = sessions.split(",")
    store = Store(data_dir / "simcoach.db").open()
    session = store.session(session_id)
    assert session is not None
    export_session(store, warmup_id, fmt, out / "warmup")
    before = reset_peak()
    start = time.perf_counter()
    written = export_session(store, session_id, fmt, out)
    elapsed = time.perf_counter() - start
    peak = rss_kib(key="VmHWM")
    store.close()
    print(
        json.dumps(
            {
                "format": fmt,
                "frames": session.frames,
                "seconds": elapsed,
                "rss_growth_mib": (peak - before) / 1024,
                "arrow_peak_mib": pa.default_memory_pool().max_memory() / 2**20,
                "bytes": sum(p.stat().st_size for p in written),
            }
        )
    )


def whole_table_mib(data_dir: Path, session_id: str) -> float:
    """What the frames would take as one Arrow table (one page measured, scaled to the session)."""
    from simcoach.exports.columns import FRAME_COLUMNS
    from simcoach.exports.tabular import frame_batches
    from simcoach.storage.store import Store

    store = Store(data_dir / "simcoach.db").open()
    try:
        session = store.session(session_id)
        assert session is not None
        batch = next(frame_batches(store, session, FRAME_COLUMNS))
        return batch.nbytes / batch.num_rows * session.frames / 2**20
    finally:
        store.close()


def fetch(url: str) -> int:
    size = 0
    with httpx.stream("GET", url, timeout=600) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_bytes():
            size += len(chunk)
    return size


def over_http(data_dir: Path, warmup_id: str, session_id: str) -> list[dict[str, float]]:
    backend = BackendProcess(0, SIMCOACH_DATA_DIR=str(data_dir))
    pid = str(backend.process.pid)
    figures = []
    try:
        for fmt in ("csv", "parquet"):
            fetch(f"{backend.http}/api/sessions/{warmup_id}/frames.{fmt}")
            before = reset_peak(pid)
            start = time.perf_counter()
            size = fetch(f"{backend.http}/api/sessions/{session_id}/frames.{fmt}")
            elapsed = time.perf_counter() - start
            peak = rss_kib(pid, "VmHWM")
            figures.append(
                {"format": fmt, "seconds": elapsed, "bytes": size, "rss_growth_mib": max(0, peak - before) / 1024}
            )
    finally:
        backend.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=26, help="demo laps to record (26: about an hour)")
    parser.add_argument("--child", nargs=4, metavar=("FORMAT", "DATA_DIR", "SESSIONS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fmt, data_dir, sessions, out = args.child
        child(fmt, Path(data_dir), sessions, Path(out))
        return

    from simcoach.demo_session import record_to_file

    work = Path(tempfile.mkdtemp(prefix="simcoach-export-bench-"))
    data_dir = work / "data"
    data_dir.mkdir()
    warmup_id = record_to_file(data_dir / "simcoach.db", 1, rig="warmup")
    start = time.perf_counter()
    session_id = record_to_file(data_dir / "simcoach.db", args.laps)
    print(f"recorded {args.laps} demo laps in {time.perf_counter() - start:.1f} s: session {session_id}")

    table = whole_table_mib(data_dir, session_id)
    for fmt in ("csv", "parquet", "dataset"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", fmt, str(data_dir), f"{warmup_id},{session_id}", str(work / fmt)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{fmt:8s} {r['frames']:,} frames in {r['seconds']:.1f} s = {r['frames'] / r['seconds']:,.0f} frames/s,"
            f" {r['bytes'] / 2**20:.1f} MiB written; peak RSS growth {r['rss_growth_mib']:.1f} MiB,"
            f" Arrow peak {r['arrow_peak_mib']:.1f} MiB (the whole frames table: {table:.0f} MiB)"
        )
        frames = r["frames"]
    for r in over_http(data_dir, warmup_id, session_id):
        print(
            f"HTTP {r['format']:7s} {frames:,} frames in {r['seconds']:.1f} s = {frames / r['seconds']:,.0f} frames/s,"
            f" {r['bytes'] / 2**20:.1f} MiB streamed; backend peak RSS growth {r['rss_growth_mib']:.1f} MiB"
        )


if __name__ == "__main__":
    main()
