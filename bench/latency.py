"""Rig-to-dashboard latency: 10 rigs at 60 Hz through a real backend, p50/p99 in milliseconds.

Each frame carries its send time in ``t``; the dashboard client in the same
process (same clock) measures when it arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop
from common import BackendProcess, percentile, sample_frame
from websockets.asyncio.client import connect

from simcoach_agent.telemetry.codec import encode
from simcoach_agent.telemetry.messages import Hello


async def rig(backend: BackendProcess, name: str, rate: float, stop: float) -> None:
    headers = {"Authorization": f"Bearer {backend.tokens[name]}"}
    async with connect(f"{backend.ws}/ws/ingest", additional_headers=headers, compression=None) as ws:
        await ws.send(encode(Hello(rig=name)))
        await ws.recv()
        drain = asyncio.create_task(_drain(ws))
        frame = sample_frame(name, time.time_ns() // 1000)
        next_at = time.monotonic()
        while time.monotonic() < stop:
            frame.seq += 1
            frame.t = time.time()
            await ws.send(encode(frame))
            next_at += 1 / rate
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        drain.cancel()


async def _drain(ws) -> None:
    async for _ in ws:
        pass


async def dashboard(backend: BackendProcess, name: str, latencies: list[float], stop: float, warm: float) -> None:
    async with connect(f"{backend.ws}/ws?rig={name}", compression=None) as ws:
        while time.monotonic() < stop:
            try:
                raw = await asyncio.wait_for(ws.recv(), max(0.05, stop - time.monotonic()))
            except TimeoutError:
                break
            now = time.time()
            message = json.loads(raw)
            if message["type"] == "frames" and time.monotonic() > warm:
                latencies += [(now - f["t"]) * 1000 for f in message["frames"]]


async def run(backend: BackendProcess, rigs: int, rate: float, seconds: float) -> None:
    names = sorted(backend.tokens)[:rigs]
    latencies: list[float] = []
    start = time.monotonic()
    stop = start + seconds + 1
    tasks = [asyncio.create_task(dashboard(backend, n, latencies, stop, start + 1)) for n in names]
    await asyncio.sleep(0.3)
    tasks += [asyncio.create_task(rig(backend, n, rate, stop)) for n in names]
    await asyncio.gather(*tasks)
    print(
        f"{rigs} rigs at {rate:.0f} Hz: {len(latencies)} frames, latency p50 {percentile(latencies, 50):.2f} ms, "
        f"p99 {percentile(latencies, 99):.2f} ms, max {max(latencies):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rigs", type=int, default=10)
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    backend = BackendProcess(args.rigs)
    try:
        uvloop.run(run(backend, args.rigs, args.rate, args.seconds))
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
