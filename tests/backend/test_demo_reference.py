"""The demo starts with a reference lap of its own; a rig without one gets a normal "no reference yet" answer.

Real backends (uvicorn processes) on free ports, a dashboard WebSocket client
and a real rig connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from simcoach.demo_rig import REFERENCE_SESSION, simulate_reference_lap
from simcoach_agent.telemetry import SessionInfo
from tests.browser.rigs import LiveRig
from tests.conftest import start_backend
from tests.helpers import dashboard

pytestmark = pytest.mark.integration


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


async def first_lap(ws_base: str, timeout: float = 90.0) -> list[dict[str, Any]]:
    """The demo rig's dashboard messages up to its first lap message."""
    messages: list[dict[str, Any]] = []
    async with await dashboard(ws_base, "demo") as ws:

        async def run() -> None:
            while True:
                message = json.loads(await ws.recv())
                messages.append(message)
                if message["type"] == "lap":
                    return

        await asyncio.wait_for(run(), timeout)
    return messages


def reference_of(http: str) -> dict[str, Any] | None:
    answer = httpx.get(f"{http}/api/rigs/demo/reference", timeout=5)
    if answer.status_code != 200:
        return None  # the demo rig is not here yet (its reference is being made)
    body: dict[str, Any] = answer.json()
    return body if "id" in body else None


def test_the_demo_has_a_whole_reference_lap_a_moving_delta_and_corner_coaching_on_lap_one(tmp_path):
    lap, _ = simulate_reference_lap(1)
    server = start_backend(tmp_path, "--demo", "--demo-speed", "25", "--demo-mistakes", "late_brake@Les Combes:1")
    try:
        reference = wait_for(lambda: reference_of(server.http), 120, "the demo's reference lap")
        messages = asyncio.run(first_lap(server.ws))
        laps = httpx.get(f"{server.http}/api/rigs/demo/laps", timeout=5).json()
    finally:
        server.stop()
    # The reference is the simulated clean lap, the whole of Spa.
    assert reference["lap_time_s"] == pytest.approx(lap.time_s, abs=1e-3)
    assert not reference["pinned"]
    dist = reference["points"]["dist_m"]
    assert dist[0] == 0.0 and dist[-1] >= reference["length_m"] - 5.0
    assert all(v is not None for v in reference["points"]["x"])
    assert {"La Source", "Eau Rouge", "Les Combes", "Pouhon", "Bus Stop"} <= {c["name"] for c in reference["corners"]}
    # Lap 1, before any lap is complete: a delta on every frame, moving.
    frames = [m for m in messages if m["type"] == "frames"]
    assert len(frames) > 50 and all(m["coach"]["lap"] == 1 for m in frames)
    deltas = [m["coach"]["delta_s"] for m in frames]
    assert all(d is not None for d in deltas)
    assert sum(a != b for a, b in itertools.pairwise(deltas)) >= 0.95 * (len(deltas) - 1)
    assert any(m["coach"]["corner"] for m in frames)
    # The coach measured lap 1's corners against the reference and found the late braking at Les Combes.
    (lap1,) = [m for m in messages if m["type"] == "lap"]
    assert lap1["lap"] == 1 and lap1["delta_to_reference_s"] is not None
    stored = [stored for stored in laps if stored["lap"] == 1]
    assert stored and {c["corner"] for c in stored[0]["corners"]} >= {"La Source", "Les Combes", "Bus Stop"}
    combes = [c for c in stored[0]["corners"] if c["corner"] == "Les Combes"]
    assert combes[0]["kind"] == "late_brake", combes


def simulated_laps(data: Path) -> list[int]:
    with sqlite3.connect(data / "simcoach.db") as db:
        return [row[0] for row in db.execute("SELECT id FROM laps WHERE session_id = ?", (REFERENCE_SESSION,))]


def test_a_reference_already_stored_is_kept_and_not_simulated_again(tmp_path):
    first = start_backend(tmp_path, "--demo")
    try:
        made = wait_for(lambda: reference_of(first.http), 120, "the demo's reference lap")
    finally:
        first.stop()
    assert simulated_laps(tmp_path / "data") == [made["id"]]
    again = start_backend(tmp_path, "--demo")
    try:
        kept = wait_for(lambda: reference_of(again.http), 120, "the demo's reference lap after a restart")
    finally:
        again.stop()
    assert kept["id"] == made["id"]
    assert simulated_laps(tmp_path / "data") == [made["id"]]  # not simulated again


def test_a_rig_without_a_reference_gets_a_normal_answer_that_says_why(tmp_path):
    server = start_backend(tmp_path)
    session = SessionInfo(game="test", track="Test Ring", car="Test GT3", car_class="GT3", driver="Tester")
    try:
        with LiveRig(server.ws, "rig-a", session) as rig:
            rig.set(speed_kmh=120.0, lap=1, lap_dist_m=100.0)
            wait_for(lambda: any(r["rig"] == "rig-a" for r in server.status()["rigs"]), 60, "rig-a to connect")
            answer = httpx.get(f"{server.http}/api/rigs/rig-a/reference", timeout=5)
        assert answer.status_code == 200
        body = answer.json()
        assert body["reference"] is None
        assert (
            body["reason"]
            == "no reference lap yet for Tester, Test GT3, Test Ring, test: drive a valid lap from line to line"
        )
        unknown = httpx.get(f"{server.http}/api/rigs/nobody/reference", timeout=5)
        assert unknown.status_code == 404 and "nobody" in unknown.json()["detail"]
        # The API documents both answers.
        spec = httpx.get(f"{server.http}/openapi.json", timeout=5).json()
        responses = spec["paths"]["/api/rigs/{rig}/reference"]["get"]["responses"]
        assert '"reference": null' in responses["200"]["description"] and "404" in responses
    finally:
        server.stop()
