"""A fake rF2 / LMU writing real shared memory, the real agent reading it, a real backend and a dashboard."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Agent, Backend, start_agent
from tests.helpers import DashboardFeed
from tests.integration.stand_in import wait_for_log
from tests.rig_agent.games.rf2_writer import MENU_RPM, PAUSE_RPM, TRACK_M

pytestmark = pytest.mark.integration

LAP_S = 2.5


def _writer(folder: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.rig_agent.games.rf2_writer", str(folder), "--lap-s", str(LAP_S), *args], cwd=REPO
    )


def _drive(
    backend: Backend, folder: Path, agent: Agent, until: Callable[[list[dict[str, Any]]], bool]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Wait until the agent sees the game at its monitor, then start driving and collect what a dashboard gets."""
    wait_for_log(agent, "in menu")

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        async with DashboardFeed(backend.ws, "demo-agent") as feed:
            (folder / "go").touch()  # the dashboard is subscribed: nothing of the drive can be missed
            await feed.until(lambda: until(feed.frames) and feed.sessions, explain=agent.output)
            return feed.frames, (feed.sessions[-1] if feed.sessions else None)

    return asyncio.run(scenario())


def _check_units_and_laps(frames: list[dict[str, Any]], session: dict[str, Any] | None, game: str) -> None:
    assert session is not None
    assert (session["game"], session["track"], session["track_length_m"]) == (
        game,
        "Autodromo Nazionale Monza",
        TRACK_M,
    )
    assert (session["car"], session["car_class"], session["driver"], session["session_type"]) == (
        "Ferrari 499P #50",
        "Hypercar",
        "Fake Driver",
        "race",
    )
    assert all(f["rpm"] not in (PAUSE_RPM, MENU_RPM) for f in frames), "a frame was sent while paused or in a menu"
    # Speed and tyres come from the telemetry page, the place on the lap from the scoring page: separate
    # pages the writer updates one after the other, so a frame may join one of this step to one of the
    # last (as the real game's pages, updated at different rates, do). One step of the writer apart, then.
    step = 1 / 60 / LAP_S  # of the lap
    for f in frames:
        # The writer's speed ramps 30 -> 50 m/s over the lap, its carcass from 80 to 90 °C (in Kelvin).
        assert f["speed_kmh"] == pytest.approx((30.0 + 20.0 * f["track_pos"]) * 3.6, abs=20.0 * 3.6 * step + 1e-6)
        assert f["tyre_temp_c"][0] == pytest.approx(80.0 + 10.0 * f["track_pos"], abs=10.0 * step + 1e-6)
        assert f["tyre_temp_c"][1:] == pytest.approx([81.0, 82.0, 83.0])
        assert f["tyre_pressure_psi"][0] == pytest.approx(25.0, abs=1e-4)
        assert f["brake_temp_c"] == pytest.approx([400.0, 410.0, 300.0, 310.0])
        assert f["lap_dist_m"] == pytest.approx(f["track_pos"] * TRACK_M, abs=1e-6)
    laps = [f["lap"] for f in frames]
    assert laps == sorted(laps)
    first_of_lap2 = next(f for f in frames if f["lap"] == 2)
    assert first_of_lap2["last_lap_s"] == pytest.approx(LAP_S)
    assert first_of_lap2["lap_time_s"] < 0.1
    assert all(f["last_lap_s"] is None for f in frames if f["lap"] == 1)


def test_rf2_plugin_pages_reach_a_dashboard_through_pause_and_a_game_restart(
    tmp_path: Path, backend: Backend, shm_dir: Path
) -> None:
    writer = _writer(shm_dir, "--mode", "plugin", "--laps", "3", "--pause-at", "1.0", "--close-at", "3.5")
    agent = start_agent(tmp_path, backend, "--game", "rf2")
    try:
        frames, session = _drive(backend, shm_dir, agent, lambda fs: any(f["lap"] == 3 for f in fs))
    finally:
        agent.stop()
        writer.terminate()
        writer.wait(10)
    _check_units_and_laps(frames, session, "rf2")
    assert {1, 2, 3} <= {f["lap"] for f in frames}
    # Paused from game time 1.0 to 1.5: the clock ran on but nothing was sent for it.
    assert not any(1.05 < f["lap_time_s"] < 1.45 for f in frames if f["lap"] == 1)
    # The game went away at 3.5 s (mid lap 2) for 2.5 s; the agent said what it waited for and came back.
    log = agent.output()
    assert "rf2: shared memory '$rFactor2SMMP_Telemetry$' went away" in log or "rf2: waiting for shared memory" in log
    assert "rf2: waiting for shared memory" in log
    after = [f for f in frames if f["lap"] == 2 and f["lap_time_s"] > 1.1]
    assert after, "no frames after the game came back"


def test_lmu_data_reaches_a_dashboard(tmp_path: Path, backend: Backend, shm_dir: Path) -> None:
    writer = _writer(shm_dir, "--mode", "lmu", "--laps", "2", "--pause-at", "0.8")
    agent = start_agent(tmp_path, backend, "--game", "lmu")
    try:
        frames, session = _drive(backend, shm_dir, agent, lambda fs: any(f["lap"] == 2 for f in fs))
    finally:
        agent.stop()
        writer.terminate()
        writer.wait(10)
    _check_units_and_laps(frames, session, "lmu")
    assert all(f["abs_active"] is True and f["tc_active"] is False for f in frames)
