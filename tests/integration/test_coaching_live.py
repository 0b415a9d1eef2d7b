"""Coaching live: a real backend driving the demo faster than life, a dashboard client, the API, a restart."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simcoach.demo_rig import simulate_reference_lap
from tests.conftest import start_backend
from tests.helpers import dashboard

pytestmark = pytest.mark.integration


async def watch(ws_base: str, stop: Callable[[dict[str, Any]], bool], timeout: float = 60.0) -> list[dict[str, Any]]:
    """Dashboard messages of the demo rig up to the first for which ``stop`` holds (it sees each once)."""
    messages: list[dict[str, Any]] = []
    async with await dashboard(ws_base, "demo") as ws:

        async def run() -> None:
            while True:
                message = json.loads(await ws.recv())
                messages.append(message)
                if stop(message):
                    return

        await asyncio.wait_for(run(), timeout)
    return messages


def nth(kind: str, n: int) -> Callable[[dict[str, Any]], bool]:
    """Stop at the n-th message of a type."""
    seen = 0

    def stop(message: dict[str, Any]) -> bool:
        nonlocal seen
        seen += message["type"] == kind
        return seen >= n

    return stop


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


def test_a_dashboard_sees_the_delta_move_laps_complete_and_corner_advice(tmp_path):
    server = start_backend(tmp_path, "--demo", "--demo-speed", "25", "--demo-mistakes", "late_brake@La Source:2")
    try:
        messages = asyncio.run(watch(server.ws, lambda m: m["type"] == "event" and m["kind"] == "late_brake"))
        status = server.status()
    finally:
        server.stop()
    # The demo at 25x keeps driving (a new best lap may land between two requests): read the API
    # from the same store with the demo stopped.
    quiet = start_backend(tmp_path)
    try:
        laps = httpx.get(f"{quiet.http}/api/rigs/demo/laps", timeout=5).json()
        events = httpx.get(f"{quiet.http}/api/rigs/demo/events", params={"limit": 10}, timeout=5).json()
        reference = httpx.get(f"{quiet.http}/api/rigs/demo/reference", timeout=5).json()
    finally:
        quiet.stop()
    lap_messages = of_type(messages, "lap")
    assert lap_messages[0]["lap"] == 1
    assert lap_messages[0]["time_s"] == pytest.approx(140.7, abs=0.1)
    assert lap_messages[0]["valid"]
    # The demo starts with a reference lap of its own: from the first frame every frames message
    # carries a delta, and it moves from one to the next.
    ref_time_s = simulate_reference_lap(1)[0].time_s
    frames = of_type(messages, "frames")
    assert len(frames) > 50
    deltas = [m["coach"]["delta_s"] for m in frames]
    assert all(d is not None for d in deltas)
    assert sum(a != b for a, b in itertools.pairwise(deltas)) >= 0.95 * (len(deltas) - 1)
    assert frames[0]["coach"]["lap"] == 1
    assert frames[0]["coach"]["reference_lap_s"] == pytest.approx(ref_time_s, abs=1e-3)
    first = lap_messages[0]
    assert first["delta_to_reference_s"] == pytest.approx(first["time_s"] - ref_time_s, abs=1e-3)
    (advice,) = [m for m in of_type(messages, "event") if m["kind"] == "late_brake"]
    assert advice["corner"] == "La Source"
    assert advice["evidence"]["analysed_lap"] == 2
    assert advice["lap"] == 2 and advice["lap_dist_m"] > 6500  # on the run to La Source, ending lap 2
    assert advice["message"].startswith("La Source: braked ")
    # The API agrees with what the dashboard saw.
    assert [lap["lap"] for lap in laps][:1] == [1]
    assert all("id" in lap for lap in laps)
    assert any(e["kind"] == "late_brake" for e in events)
    replaced = [lap for lap in laps if lap["is_reference"]]
    if replaced:  # a demo lap faster than the simulated one took over
        assert reference["id"] == replaced[-1]["id"]
    else:
        assert reference["id"] not in {lap["id"] for lap in laps}
        assert reference["lap_time_s"] == pytest.approx(ref_time_s, abs=1e-3)
    assert reference["corners"][0]["name"] == "La Source"
    assert status["rigs"][0]["rig"] == "demo"


def test_the_reference_survives_a_restart_and_a_put_switches_it(tmp_path):
    first = start_backend(tmp_path, "--demo", "--demo-speed", "40")
    try:
        seen = asyncio.run(watch(first.ws, nth("lap", 2)))
    finally:
        first.stop()
    lap1, lap2 = of_type(seen, "lap")[:2]
    assert lap2["time_s"] < lap1["time_s"]

    # Restarted without the demo: the rig is not here, its laps and reference are, from the store.
    second = start_backend(tmp_path)
    try:
        laps = httpx.get(f"{second.http}/api/rigs/demo/laps", timeout=5).json()
        assert [lap["id"] for lap in laps][:2] == [lap1["id"], lap2["id"]]
        best = min((lap for lap in laps if lap["valid"]), key=lambda lap: lap["time_s"])
        before = httpx.get(f"{second.http}/api/rigs/demo/reference", timeout=5)
        assert before.status_code == 200
        # The best valid lap: the demo's simulated reference, unless a lap driven beat it.
        ref_time_s = simulate_reference_lap(1)[0].time_s
        assert ref_time_s is not None
        if best["time_s"] < ref_time_s:
            assert before.json()["id"] == best["id"]
        else:
            assert before.json()["id"] not in {lap["id"] for lap in laps}
        assert before.json()["lap_time_s"] == pytest.approx(min(best["time_s"], ref_time_s), abs=1e-3)
        chosen = httpx.put(f"{second.http}/api/rigs/demo/reference", json={"lap_id": lap1["id"]}, timeout=5)
        assert chosen.status_code == 200, chosen.text
        assert (chosen.json()["id"], chosen.json()["pinned"]) == (lap1["id"], True)
        assert httpx.get(f"{second.http}/api/rigs/demo/reference", timeout=5).json()["id"] == lap1["id"]
        missing = httpx.put(f"{second.http}/api/rigs/demo/reference", json={"lap_id": 999_999}, timeout=5)
        assert missing.status_code == 404 and "no lap with id 999999" in missing.json()["detail"]
        unknown = httpx.get(f"{second.http}/api/rigs/nobody/reference", timeout=5)
        assert unknown.status_code == 404 and "nobody" in unknown.json()["detail"]
        assert httpx.get(f"{second.http}/api/rigs/nobody/laps", timeout=5).status_code == 404
    finally:
        second.stop()

    # With the demo back, the live rig compares with the lap that was picked.
    third = start_backend(tmp_path, "--demo", "--demo-speed", "40")
    try:
        frames = asyncio.run(watch(third.ws, nth("frames", 5)))
        now = httpx.get(f"{third.http}/api/rigs/demo/reference", timeout=5).json()
    finally:
        third.stop()
    assert now["id"] == lap1["id"] and now["pinned"]
    coach = of_type(frames, "frames")[-1]["coach"]
    assert coach["reference_lap_s"] == pytest.approx(lap1["time_s"], abs=1e-3)
