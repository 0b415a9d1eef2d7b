"""The rig agent's CPU use and sampling jitter: at 60 Hz and at its highest rate.

A stand-in ACC (the test suite's independent page writer) updates real
shared-memory pages at 333 Hz, like ACC's physics; a real ``simcoach-agent
--game acc`` process samples them and sends to a real backend; a dashboard
client here records every frame's rig timestamp. Prints the agent's CPU as a
percentage of one core, the rate achieved, and the sample-interval jitter.
Run from the repository root: ``python bench/agent_cpu.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

import httpx
from common import BIN, BackendProcess, percentile

from tests.helpers import collect_frames
from tests.rig_agent.games.acc_writer import Game

GAME_RATE_HZ = 333.0


def write_pages(folder: str, seconds: float) -> None:
    game = Game(Path(folder), "acc")
    game.create()
    period = 1.0 / GAME_RATE_HZ
    next_at = time.monotonic()
    deadline = next_at + seconds
    while time.monotonic() < deadline:
        game.step(period)
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    game.files.remove()


def cpu_seconds(pid: int) -> float:
    """CPU seconds of all a process's threads, to the nanosecond (schedstat), not in 10 ms ticks."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def measure(backend: BackendProcess, folder: str, rate: float, seconds: float) -> None:
    rig = sorted(backend.tokens)[0]
    env = {**os.environ, "SIMCOACH_SHM_DIR": folder, "SIMCOACH_AGENT_SPOOL_DIR": tempfile.mkdtemp()}
    command = [str(BIN / "simcoach-agent"), "--game", "acc", "--rate", str(rate), "--rig", rig]
    command += ["--server", backend.ws, "--token", backend.tokens[rig]]
    agent = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)  # attach, connect, settle
        cpu0, t0 = cpu_seconds(agent.pid), time.monotonic()
        frames, _ = asyncio.run(
            collect_frames(backend.ws, rig, until=lambda f: time.monotonic() - t0 >= seconds, timeout=seconds + 10)
        )
        cpu = (cpu_seconds(agent.pid) - cpu0) / (time.monotonic() - t0)
        fps = httpx.get(f"{backend.http}/api/rigs", timeout=5).json()[0]["fps"]
    finally:
        agent.terminate()
        agent.wait(10)
    stamps = [f["t"] for f in frames]
    intervals = [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
    period_ms = 1000 / rate
    jitter = [abs(i - period_ms) for i in intervals]
    print(
        f"agent at --rate {rate:.0f}: {fps:6.1f} frames/s sent, CPU {100 * cpu:5.2f} % of one core, "
        f"sample interval p50 {percentile(intervals, 50):.2f} ms, jitter p99 {percentile(jitter, 99):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(dir="/dev/shm", prefix="simcoach-bench-")
    rates = (60.0, GAME_RATE_HZ)
    writer = multiprocessing.Process(target=write_pages, args=(folder, len(rates) * (args.seconds + 6) + 5))
    writer.start()
    backend = BackendProcess(1, SIMCOACH_STORE="none")
    try:
        for rate in rates:
            measure(backend, folder, rate, args.seconds)
    finally:
        backend.stop()
        writer.terminate()
        writer.join()
        for leftover in Path(folder).glob("*"):
            leftover.unlink()
        os.rmdir(folder)


if __name__ == "__main__":
    main()
