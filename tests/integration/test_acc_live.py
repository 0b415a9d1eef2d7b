"""ACC and AC end to end: a stand-in game writes the three ``acpmf_*`` pages at 60 Hz, the real agent reads them,
a real backend relays them to a dashboard."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, start_agent, start_backend
from tests.helpers import DashboardFeed, collect_frames
from tests.integration.stand_in import StandInGame, laps, wait_for_log

pytestmark = pytest.mark.integration

RIG = "demo-agent"


def acc_game(directory: Path, layout: str) -> StandInGame:
    """The stand-in ACC or AC of tests/rig_agent/games/acc_writer.py (LAYOUT: acc, acc15 or ac)."""
    return StandInGame("tests.rig_agent.games.acc_writer", str(directory), layout, first_phase="drive")


LAST_LAP_S = 83.456  # the writer's lap time, written in ms
AC_SPLINE_M = 5758.0


def test_an_acc_lap_reaches_a_dashboard_in_frame_units(tmp_path: Path, shm_dir: Path, running: list[Any]):
    running.append(acc_game(shm_dir, "acc"))
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "acc")
    running.append(agent)

    def enough(frames: list[dict[str, Any]]) -> bool:
        seen = laps(frames)
        return len(seen) >= 2 and sum(f["lap"] == seen[1] for f in frames) >= 10

    frames, session = asyncio.run(collect_frames(backend.ws, RIG, enough, explain=agent.output))

    assert session is not None, agent.output()
    assert (session["game"], session["track"], session["car"]) == ("acc", "spa", "amr_v8_vantage_gt3")
    assert (session["driver"], session["session_type"], session["track_length_m"]) == ("Ada Lovelace", "race", None)
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    for f in frames:
        assert 150.0 <= f["speed_kmh"] <= 250.0  # km/h as ACC writes it
        assert 1 <= f["gear"] <= 4  # the page's 2..5
        assert 5000.0 <= f["rpm"] <= 7500.0
        assert (f["max_rpm"], f["fuel_l"], f["fuel_capacity_l"]) == (7250.0, 60.0, 132.0)
        assert (f["throttle"], f["brake"], f["clutch"], f["steering"]) == (1.0, 0.0, 0.0, -0.25)
        assert (f["g_lat"], f["g_lon"], f["g_vert"]) == (0.5, pytest.approx(0.2), 1.0)
        assert 80.0 <= f["tyre_temp_c"][0] <= 90.0  # °C
        assert f["tyre_temp_c"][3] == pytest.approx(f["tyre_temp_c"][0] + 3.0)
        assert f["tyre_pressure_psi"] == pytest.approx([27.5, 27.6, 26.9, 27.0])
        assert f["brake_temp_c"] == [400.0, 401.0, 300.0, 301.0]
        assert (f["water_temp_c"], f["oil_temp_c"], f["tyre_wear"]) == (92.0, None, None)
        assert (f["lap_valid"], f["in_pit"], f["position"]) == (True, False, 3)
        assert (f["abs_active"], f["tc_active"]) == (True, False)
        assert 0.0 <= f["track_pos"] <= 1.0
        assert f["lap_dist_m"] is None
        # The player's car is entry 2 of the sixty, found by its car id.
        assert f["pos_x"] == pytest.approx(100.0 + 1000.0 * f["track_pos"], abs=0.01)
        assert (f["pos_y"], f["pos_z"]) == (5.0, -200.0)
        assert (f["last_lap_s"] is None) == (f["lap"] == 1), f
        if f["lap"] >= 2:
            assert f["last_lap_s"] == LAST_LAP_S
            assert f["best_lap_s"] == LAST_LAP_S
    # A slow start (a loaded machine) may miss the first lap: the laps seen must follow each other.
    seen = laps(frames)
    assert len(seen) >= 2
    assert seen == list(range(seen[0], seen[0] + len(seen)))
    assert agent.process.poll() is None


def test_ac_pages_are_read_as_ac_even_when_acc_was_asked(tmp_path: Path, shm_dir: Path, running: list[Any]):
    running.append(acc_game(shm_dir, "ac"))
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "acc")
    running.append(agent)

    frames, session = asyncio.run(collect_frames(backend.ws, RIG, lambda fs: len(fs) >= 30, explain=agent.output))

    assert session is not None
    assert (session["game"], session["track"], session["car"]) == ("ac", "monza", "ks_porsche_911_gt3_r_2016")
    assert session["track_length_m"] == AC_SPLINE_M
    for f in frames:
        assert f["lap_dist_m"] == pytest.approx(f["track_pos"] * AC_SPLINE_M, abs=0.01)
        assert f["tyre_temp_inner_c"] == f["tyre_temp_c"]
        assert f["ride_height_mm"] == pytest.approx([50.0, 50.0, 60.0, 60.0])
        assert (f["water_temp_c"], f["lap_valid"], f["abs_active"], f["tc_active"]) == (None, None, None, None)
        assert f["pos_x"] == pytest.approx(100.0 + 1000.0 * f["track_pos"], abs=0.01)
    wait_for_log(agent, "the running game is Assetto Corsa, not Assetto Corsa Competizione")


def test_pause_menu_close_and_return(tmp_path: Path, shm_dir: Path, running: list[Any]):
    writer = acc_game(shm_dir, "acc")
    running.append(writer)
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "acc")
    running.append(agent)
    frames: list[dict[str, Any]] = []

    async def scenario() -> None:
        async with DashboardFeed(backend.ws, RIG) as feed:

            async def more(count: int) -> None:
                target = len(feed.frames) + count
                await feed.until(lambda: len(feed.frames) >= target, explain=agent.output)

            async def still(phase: str, status: str) -> None:
                # The paused and menu pages carry speeds no drive reaches (999, 888 km/h): any frame
                # of them would show. Stay until the agent has said the status twice, a second apart.
                writer.phase(phase)
                await feed.until(lambda: agent.output().count(status) >= 2, explain=agent.output)

            await more(20)
            await still("pause", "| paused |")
            writer.phase("drive")
            await more(10)
            await still("menu", "| in menu |")
            writer.phase("drive")
            await more(10)
            writer.phase("close")
            await feed.until(lambda: "(the game closed); waiting for it" in agent.output(), explain=agent.output)
            assert agent.process.poll() is None
            writer.phase("return", shows="drive")
            await more(20)
            frames.extend(feed.frames)

    asyncio.run(scenario())
    assert all(f["speed_kmh"] < 300.0 for f in frames)  # nothing from the paused or menu pages
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))  # and no frame sent twice across pause, menu and the restart
    assert agent.process.poll() is None


def test_record_then_replay_through_the_agent(tmp_path: Path, shm_dir: Path, running: list[Any]):
    running.append(acc_game(shm_dir, "acc15"))  # ACC's static page with the short trackConfiguration
    capture = tmp_path / "acc.capture"
    agent = [str(BIN / "simcoach-agent"), "--game", "acc", "--stdout", "--laps", "2"]
    live = subprocess.run(
        [*agent, "--record", str(capture)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    replay = subprocess.run(
        [*agent, "--replay", str(capture), "--realtime", "off"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    def frames(out: str) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in out.splitlines()]
        return [{k: v for k, v in m.items() if k not in ("seq", "t")} for m in lines if m["type"] == "frame"]

    recorded, replayed = frames(live.stdout), frames(replay.stdout)
    assert len(recorded) > 30, live.stderr
    assert replayed == recorded
    # --laps 2 stops as the third lap starts: the rest of the lap the agent found the car in (a slow
    # start may find it near the end) and one whole lap after it.
    seen = sorted({f["lap"] for f in recorded})
    assert len(seen) == 2 and seen[1] == seen[0] + 1
    sessions = [json.loads(line) for line in replay.stdout.splitlines() if '"session"' in line]
    assert sessions
    assert sessions[0]["game"] == "acc"
    assert sessions[0]["track"] == "spa"
