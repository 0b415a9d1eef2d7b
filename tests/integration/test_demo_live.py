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
from tests.helpers import collect_frames, wait_until

pytestmark = pytest.mark.integration


def _consecutive(seqs: list[int]) -> bool:
    return all(b - a == 1 for a, b in itertools.pairwise(seqs))


def test_agent_demo_frames_reach_a_dashboard_in_order_with_no_gaps(tmp_path, backend):
    agent = start_agent(tmp_path, backend, "--game", "demo")
    try:
        frames, session = asyncio.run(
            collect_frames(backend.ws, "demo-agent", until=lambda f: len(f) >= 180, explain=agent.output)
        )
        # A dashboard that falls behind gets the newest frames (stale ones are dropped on purpose);
        # the store gets every one.
        newest = frames[-1]["seq"]
        wait_until(lambda: max(_stored_seqs(tmp_path), default=-1) >= newest, explain=agent.output)
    finally:
        agent.stop()
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs)), f"disorder in {seqs[:20]}..."
    stored = _stored_seqs(tmp_path)
    assert _consecutive(stored) and stored[0] <= seqs[0], "a frame is missing from the store"
    assert session is not None
    assert (session["game"], session["track"], session["car"]) == ("demo", "Spa-Francorchamps", "Mercedes-AMG GT3")
    assert all(f["rig"] == "demo-agent" for f in frames)
    speeds = [f["speed_kmh"] for f in frames]
    assert min(speeds) > 40
    assert max(speeds) < 320
    # 60 Hz of rig time between consecutive frames (a loaded machine may skip a sample now and then).
    steps = sorted(b["t"] - a["t"] for a, b in itertools.pairwise(frames) if b["seq"] == a["seq"] + 1)
    assert steps[len(steps) // 2] == pytest.approx(1 / 60, rel=0.1)


def test_serve_demo_runs_the_demo_rig_in_process_and_serves_the_dashboard(tmp_path):
    server = start_backend(tmp_path, "--demo")
    try:
        frames, session = asyncio.run(collect_frames(server.ws, "demo", until=lambda f: len(f) >= 60))
        page = httpx.get(f"{server.http}/", timeout=5)
        script = httpx.get(f"{server.http}/js/main.js", timeout=5)
        status = server.status()
    finally:
        server.stop()
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
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


OUTAGE_S = 30.0


def test_a_backend_away_for_30_s_gets_every_frame_exactly_once(tmp_path):
    first = start_backend(tmp_path)
    agent = start_agent(tmp_path, first, "--game", "demo")
    try:
        wait_until(lambda: len(_stored_seqs(tmp_path)) >= 120, explain=agent.output)
        first.stop()
        stored_before = _stored_seqs(tmp_path)
        # The outage itself: the agent keeps sampling and spools for 30 s with no backend.
        wait_until(lambda: "reconnecting" in agent.output() or "unreachable" in agent.output(), explain=agent.output)
        time.sleep(OUTAGE_S)
        second = start_backend(tmp_path, port=first.port)
        try:
            frames, _ = asyncio.run(
                collect_frames(
                    second.ws, "demo-agent", until=lambda f: len(f) > 30 and _newest_is_live(f), explain=agent.output
                )
            )
            newest = frames[-1]["seq"]
            wait_until(lambda: _stored_seqs(tmp_path)[-1] >= newest, explain=agent.output)
        finally:
            agent.stop()
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
    return bool(frames) and time.time() - frames[-1]["t"] < 2.0  # the spooled backlog is through


def _stored_seqs(tmp_path) -> list[int]:
    path = tmp_path / "data" / "simcoach.db"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT seq FROM frames WHERE rig = 'demo-agent' ORDER BY seq")]
