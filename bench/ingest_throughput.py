"""Ingest throughput: frames per second one backend process takes with one dashboard per rig.

Starts a real backend (uvicorn), connects N rigs and N dashboards over real
WebSockets from this process, and prints what the backend took, what reached
the dashboards, and the backend's CPU and memory. Two runs: rigs at 60 Hz
(the target: 100 rigs = 6,000 frames/s), then 10 rigs sending as fast as the
backend lets them in batches of 10, to show the ceiling. Each run has its own
backend process; the load comes from this process, on the other core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
import uvloop
from common import BackendProcess, sample_frame
from websockets.asyncio.client import connect

from simcoach_agent.telemetry.codec import encode, encode_batch
from simcoach_agent.telemetry.messages import Hello


async def rig(backend: BackendProcess, name: str, rate: float, batch: int, stop: float) -> None:
    headers = {"Authorization": f"Bearer {backend.tokens[name]}"}
    async with connect(f"{backend.ws}/ws/ingest", additional_headers=headers, compression=None) as ws:
        await ws.send(encode(Hello(rig=name)))
        await ws.recv()
        drain = asyncio.create_task(_drain(ws))
        seq = time.time_ns() // 1000  # as the agent does: fresh seqs for each run
        template = sample_frame(name, 1)
        # Rig time 60 Hz apart, whatever the sending rate: a flat-out rig is a backlog draining after an
        # outage (frames sampled faster than SIMCOACH_INGEST_MAX_HZ would be refused).
        rig_t = time.time()
        period = batch / rate if rate else 0.0
        next_at = time.monotonic()
        while time.monotonic() < stop:
            frames = []
            for _ in range(batch):
                template.seq = seq
                template.t = rig_t
                rig_t += 1 / 60
                frames.append(encode(template))
                seq += 1
            await ws.send(frames[0] if batch == 1 else encode_batch(frames))
            if period:
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            else:
                await asyncio.sleep(0)
        drain.cancel()


async def _drain(ws) -> None:
    async for _ in ws:
        pass


async def dashboard(backend: BackendProcess, name: str, counts: dict[str, int], stop: float) -> None:
    async with connect(f"{backend.ws}/ws?rig={name}", compression=None, max_size=2**24) as ws:
        while time.monotonic() < stop:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), stop - time.monotonic() + 0.1))
            except TimeoutError:
                break
            if message["type"] == "frames":
                counts[name] += len(message["frames"])


def taken(backend: BackendProcess) -> int:
    return sum(r["frames"] for r in httpx.get(f"{backend.http}/api/rigs", timeout=10).json())


async def run(backend: BackendProcess, rigs: int, rate: float, batch: int, seconds: float) -> None:
    names = sorted(backend.tokens)[:rigs]
    counts = dict.fromkeys(names, 0)
    stop = time.monotonic() + seconds + 5
    tasks = [asyncio.create_task(dashboard(backend, n, counts, stop)) for n in names]
    await asyncio.sleep(0.5)
    tasks += [asyncio.create_task(rig(backend, n, rate, batch, stop)) for n in names]
    await asyncio.sleep(1.5)  # warm-up: connections open, rates settle
    frames0, shown0, cpu0, t0 = taken(backend), sum(counts.values()), backend.cpu_seconds(), time.monotonic()
    load0 = time.process_time()
    await asyncio.sleep(seconds - 0.5)
    status = httpx.get(f"{backend.http}/api/status", timeout=10).json()
    frames1, shown1, cpu1, t1 = taken(backend), sum(counts.values()), backend.cpu_seconds(), time.monotonic()
    load = time.process_time() - load0
    await asyncio.gather(*tasks, return_exceptions=True)
    span = t1 - t0
    dropped = sum(c["dropped"] for c in status["dashboards"]["clients"])
    label = f"{rigs} rigs at {rate:.0f} Hz" if rate else f"{rigs} rigs flat out, batches of {batch}"
    print(
        f"{label}: backend took {(frames1 - frames0) / span:8.0f} frames/s, "
        f"dashboards got {(shown1 - shown0) / span:8.0f} frames/s, "
        f"backend CPU {100 * (cpu1 - cpu0) / span:5.1f} % of one core, RSS {backend.rss_mib():.0f} MiB, "
        f"stale frames dropped {dropped}; load generator CPU {100 * load / span:.0f} %"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rigs", type=int, default=100)
    parser.add_argument("--flat-out-rigs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    for rigs, rate, batch in ((args.rigs, 60.0, 1), (args.flat_out_rigs, 0.0, 10)):
        if not rigs:
            continue
        backend = BackendProcess(rigs)
        try:
            uvloop.run(run(backend, rigs, rate, batch, args.seconds))
        finally:
            backend.stop()


if __name__ == "__main__":
    main()
