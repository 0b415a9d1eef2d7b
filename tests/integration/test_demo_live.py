"""The live path end to end: the demo car in a real agent process, a real backend, a dashboard client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sqlite3
import subprocess
import time

import httpx
import pytest

from tests.conftest import BIN, start_agent, start_backend
from tests.helpers import collect_frames

pytestmark = pytest.mark.integration


def _consecutive(seqs: list[int]) -> bool:
    return all(b - a == 1 for a, b in itertools.pairwise(seqs))


def test_agent_demo_frames_reach_a_dashboard_in_order_with_no_gaps(tmp_path, backend):
    agent = start_agent(tmp_path, backend, "--game", "demo")
    try:
        frames, session = asyncio.run(
            collect_frames(backend.ws, "demo-agent", until=lambda f: len(f) >= 180, timeout=30)
        )
    finally:
        agent.stop()
    seqs = [f["seq"] for f in frames]
    assert _consecutive(seqs), f"gaps or disorder in {seqs[:20]}..."
    assert session is not None
    assert (session["game"], session["track"], session["car"]) == ("demo", "Spa-Francorchamps", "Mercedes-AMG GT3")
    assert all(f["rig"] == "demo-agent" for f in frames)
    speeds = [f["speed_kmh"] for f in frames]
    assert min(speeds) > 40
    assert max(speeds) < 320
    # 60 Hz: three seconds of frames span about three seconds of rig time.
    assert 2.5 < frames[-1]["t"] - frames[0]["t"] < 3.5


def test_serve_demo_runs_the_demo_rig_in_process_and_serves_the_dashboard(tmp_path):
    server = start_backend(tmp_path, "--demo")
    try:
        frames, session = asyncio.run(collect_frames(server.ws, "demo", until=lambda f: len(f) >= 60, timeout=20))
        page = httpx.get(f"{server.http}/", timeout=5)
        script = httpx.get(f"{server.http}/js/main.js", timeout=5)
        status = server.status()
    finally:
        server.stop()
    assert _consecutive([f["seq"] for f in frames])
    assert session is not None
    assert session["track"] == "Spa-Francorchamps"
    assert page.status_code == 200
    assert "simcoach" in page.text
    assert script.status_code == 200
    assert status["rigs"][0]["rig"] == "demo"


def test_agent_prints_demo_laps_as_fast_as_possible(tmp_path):
    result = subprocess.run(
        [str(BIN / "simcoach-agent"), "--game", "demo", "--stdout", "--realtime", "off", "--laps", "1", "--rig", "r"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "session"
    frames = [m for m in lines if m["type"] == "frame"]
    assert {f["lap"] for f in frames} == {1}
    duration = frames[-1]["t"] - frames[0]["t"]
    assert 130 < duration < 150, "one lap of Spa at 60 Hz of simulated time"
    assert _consecutive([f["seq"] for f in frames])


def test_agent_once_prints_a_single_frame():
    result = subprocess.run(
        [str(BIN / "simcoach-agent"), "--game", "demo", "--once", "--rig", "r"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [line] = result.stdout.splitlines()
    assert json.loads(line)["type"] == "frame"


def test_an_agent_with_a_bad_token_stops_with_the_reason(tmp_path, backend):
    result = subprocess.run(
        [str(BIN / "simcoach-agent"), "--game", "demo", "--server", backend.ws, "--token", "wrong", "--rig", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"SIMCOACH_AGENT_SPOOL_DIR": str(tmp_path / "spool"), "PATH": str(BIN)},
    )
    assert result.returncode == 2
    assert "the backend refused this rig: unknown rig token" in result.stderr


def test_a_backend_away_for_30_s_gets_every_frame_exactly_once(tmp_path):
    first = start_backend(tmp_path)
    agent = start_agent(tmp_path, first, "--game", "demo")
    try:
        _wait_for(lambda: _last_seq(first) is not None, 20)
        time.sleep(2)
        first.stop()
        stored_before = _stored_seqs(tmp_path)
        time.sleep(30)
        second = start_backend(tmp_path, port=first.port)
        try:
            frames, _ = asyncio.run(
                collect_frames(second.ws, "demo-agent", until=lambda f: len(f) > 30 and _newest_is_live(f), timeout=60)
            )
        finally:
            agent.stop()
            time.sleep(0.5)
            second.stop()
    finally:
        agent.stop()
    stored = _stored_seqs(tmp_path)
    assert stored_before, "the first backend stored frames before it stopped"
    assert _consecutive(stored), "a frame was lost during the outage"
    assert len(stored) == len(set(stored))
    relayed = [f["seq"] for f in frames]
    assert len(relayed) == len(set(relayed)), "the restarted backend relayed a frame twice"
    assert min(relayed) > stored_before[-1], "a frame the first backend had was taken again"
    assert stored[-1] >= relayed[-1]
    assert "reconnecting" in agent.output() or "unreachable" in agent.output()


def _newest_is_live(frames: list[dict]) -> bool:
    return bool(frames) and time.time() - frames[-1]["t"] < 0.5


def _last_seq(backend) -> int | None:
    rigs = httpx.get(f"{backend.http}/api/rigs", timeout=5).json()
    return rigs[0]["last_seq"] if rigs else None


def _stored_seqs(tmp_path) -> list[int]:
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "simcoach.db")) as db:
        return [row[0] for row in db.execute("SELECT seq FROM frames WHERE rig = 'demo-agent' ORDER BY seq")]


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError("condition not met")
