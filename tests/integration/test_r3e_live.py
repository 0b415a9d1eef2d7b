"""RaceRoom end to end: a stand-in game writes ``$R3E`` at 60 Hz, the real agent reads it, a real backend relays it."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, start_agent, start_backend
from tests.helpers import DashboardFeed
from tests.integration.stand_in import StandInGame, laps, wait_for_log

pytestmark = pytest.mark.integration

RIG = "demo-agent"
ZANDVOORT = "Circuit Zandvoort - Grand Prix"


def r3e_game(directory: Path, phase: str) -> StandInGame:
    """The stand-in RaceRoom of tests/rig_agent/games/r3e_writer.py, starting in ``phase``."""
    return StandInGame("tests.rig_agent.games.r3e_writer", str(directory), phase, first_phase=phase)


def test_a_scripted_lap_reaches_a_dashboard_in_frame_units(tmp_path: Path, shm_dir: Path, running: list[Any]):
    running.append(r3e_game(shm_dir, "drive"))
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "r3e")
    running.append(agent)

    def enough(frames: list[dict[str, Any]]) -> bool:
        fast = any(abs(f["speed_kmh"] - 180.0) < 0.01 for f in frames)
        return fast and len(laps(frames)) >= 2

    async def watch() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        async with DashboardFeed(backend.ws, RIG) as feed:
            # The agent starts, finds the page and drives: on a loaded machine that may take a while.
            await feed.until(lambda: enough(feed.frames) and feed.sessions, explain=agent.output)
            return feed.frames, (feed.sessions[-1] if feed.sessions else None)

    frames, session = asyncio.run(watch())

    assert session is not None, agent.output()
    assert (session["game"], session["track"], session["car"]) == ("r3e", ZANDVOORT, "model 4523")
    assert session["track_length_m"] == 4259.0
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    full = [f for f in frames if abs(f["speed_kmh"] - 180.0) < 0.01]  # 50 m/s
    assert full and all(f["rpm"] == pytest.approx(6684.5, abs=0.1) for f in full)
    for f in frames:
        assert 0.0 <= f["speed_kmh"] <= 180.0 + 1e-6
        assert f["water_temp_c"] == 90.0
        assert 80.0 <= f["tyre_temp_middle_c"][0] < 130.0  # °C, warming up
        assert f["tyre_temp_c"][0] == pytest.approx(f["tyre_temp_middle_c"][0])
        assert f["g_lat"] == pytest.approx(1.0)
        assert 0.0 <= f["track_pos"] <= 1.0
    seen = laps(frames)
    assert seen == list(range(seen[0], seen[-1] + 1))
    for f in frames:
        assert (f["last_lap_s"] is None) == (f["lap"] == 1), f  # the writer's laps take 2.0 s
        if f["last_lap_s"] is not None:
            assert f["last_lap_s"] == 2.0
    assert agent.process.poll() is None


def test_versions_pauses_and_a_game_that_quits_and_returns(tmp_path: Path, shm_dir: Path, running: list[Any]):
    writer = r3e_game(shm_dir, "old")
    running.append(writer)
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "r3e")
    running.append(agent)
    frames: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []

    async def scenario() -> None:
        async with DashboardFeed(backend.ws, RIG) as feed:
            # An old RaceRoom: refused with both versions named, and waited for.
            await asyncio.to_thread(wait_for_log, agent, "r3e: shared memory layout 2.14, this agent implements 3.5")
            assert feed.frames == []
            writer.phase("drive")
            await feed.until(lambda: len(feed.frames) > 30, explain=agent.output)
            writer.phase("pause")
            await asyncio.to_thread(wait_for_log, agent, "| paused |")
            writer.phase("close")  # the game quits mid-lap
            await asyncio.to_thread(wait_for_log, agent, "r3e: waiting for shared memory")
            writer.phase("return")
            await feed.until(lambda: any(abs(f["speed_kmh"] - 144.0) < 0.01 for f in feed.frames), explain=agent.output)
            await feed.until(lambda: any(s["track"].startswith("Spa-Francorchamps") for s in feed.sessions))
            frames.extend(feed.frames)
            sessions.extend(feed.sessions)

    asyncio.run(scenario())
    log = agent.output()
    assert "Traceback" not in log
    speeds = {round(f["speed_kmh"], 1) for f in frames}
    assert 108.0 not in speeds  # the old layout was never read
    assert 356.4 not in speeds  # nothing of the paused game was sent (its page says 99 m/s)
    # Nothing while the game was away: the frames before the close are the Zandvoort lap, then Spa.
    tracks_by_speed = [abs(f["speed_kmh"] - 144.0) < 0.01 for f in frames]
    assert tracks_by_speed == sorted(tracks_by_speed)
    assert sessions[0]["track"] == ZANDVOORT
    assert sessions[-1]["track"] == "Spa-Francorchamps - Grand Prix"
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    assert agent.process.poll() is None


def test_record_then_replay_through_the_agent_gives_the_same_frames(tmp_path: Path, shm_dir: Path, running: list[Any]):
    running.append(r3e_game(shm_dir, "drive"))
    capture = tmp_path / "lap.r3e"
    agent = [str(BIN / "simcoach-agent"), "--game", "r3e", "--rig", RIG, "--stdout", "--laps", "1"]
    live = subprocess.run([*agent, "--record", str(capture)], capture_output=True, text=True, timeout=120, check=True)
    replay = subprocess.run(
        [*agent, "--replay", str(capture), "--realtime", "off"], capture_output=True, text=True, timeout=120, check=True
    )

    def messages(out: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        lines = [json.loads(line) for line in out.splitlines()]
        frames = [{**m, "seq": 0, "t": 0} for m in lines if m["type"] == "frame"]
        return frames, [m for m in lines if m["type"] == "session"]

    live_frames, live_sessions = messages(live.stdout)
    replay_frames, replay_sessions = messages(replay.stdout)
    assert len(live_frames) > 20
    assert replay_frames == live_frames
    assert replay_sessions == live_sessions and live_sessions[0]["track"] == ZANDVOORT
