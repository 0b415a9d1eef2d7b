"""AMS2 end to end: a stand-in game sends UDP packets at 60 Hz, the real agent reads, a real backend relays."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, REPO, Agent, Backend, start_agent, start_backend
from tests.helpers import collect_frames, dashboard
from tests.integration.stand_in import laps, wait_for_log
from tests.rig_agent.games.ams2_sender import free_udp_port

pytestmark = pytest.mark.integration

RIG = "demo-agent"
PAUSED_KMH = 277.2  # the sender's marker speed (77 m/s) while the game says paused


class Sender:
    """The stand-in game (tests/rig_agent/games/ams2_sender.py) sending to 127.0.0.1:port."""

    def __init__(self, port: int, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.rig_agent.games.ams2_sender", "--port", str(port), *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "sending\n"

    def wait(self, timeout: float = 20.0) -> None:
        self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def _start(tmp_path: Path, running: list[Any], port: int) -> tuple[Backend, Agent]:
    backend = start_backend(tmp_path)
    running.append(backend)
    agent = start_agent(tmp_path, backend, "--game", "ams2", "--udp-port", str(port))
    running.append(agent)
    return backend, agent


def test_a_scripted_lap_over_udp_reaches_a_dashboard_in_frame_units(tmp_path: Path, running: list[Any]):
    port = free_udp_port()
    backend, agent = _start(tmp_path, running, port)
    running.append(Sender(port, "--seconds", "20", "--lap-s", "2.0"))

    def enough(frames: list[dict[str, Any]]) -> bool:
        at_line = any(abs(f["speed_kmh"] - 180.0) < 0.01 for f in frames)
        return at_line and any(f["last_lap_s"] is not None for f in frames) and len(laps(frames)) >= 2

    frames, session = asyncio.run(collect_frames(backend.ws, RIG, enough, timeout=20))

    assert session is not None, agent.output()
    assert {k: session[k] for k in ("game", "track", "track_length_m", "car", "car_class", "driver")} == {
        "game": "ams2",
        "track": "Interlagos GP",
        "track_length_m": 4309.0,
        "car": "Formula Test",
        "car_class": "F-Test",
        "driver": "Test Driver",
    }
    assert session["session_type"] == "race"
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    at_line = [f for f in frames if abs(f["speed_kmh"] - 180.0) < 0.01]  # 50 m/s at every lap start
    assert at_line and all(f["rpm"] == 6000.0 and f["lap_dist_m"] == 0.0 for f in at_line)
    for f in frames:
        assert 180.0 - 1e-6 <= f["speed_kmh"] <= 216.0 + 1e-6  # 50..60 m/s
        assert (f["gear"], f["max_rpm"], f["position"], f["in_pit"], f["lap_valid"]) == (4, 8500.0, 2, False, True)
        assert f["tyre_temp_c"] == [80.0 + f["lap"], 81.0 + f["lap"], 78.0 + f["lap"], 79.0 + f["lap"]]
        assert f["tyre_temp_inner_c"] == [95.0, 95.0, 94.0, 94.0]
        assert f["tyre_pressure_psi"][0] == pytest.approx(186 / 6.894757)  # kPa -> psi
        assert f["tyre_wear"] == pytest.approx([0.2, 0.2, 0.0, 1.0])
        assert (f["fuel_l"], f["fuel_capacity_l"], f["water_temp_c"]) == (50.0, 100.0, 90.0)
        assert (f["g_lat"], f["g_lon"], f["g_vert"]) == (pytest.approx(1.0), pytest.approx(0.5), pytest.approx(1.0))
        assert (f["throttle"], f["brake"], f["abs_active"]) == (1.0, pytest.approx(0.2), True)
        assert f["steering"] < 0  # left
        assert f["pos_y"] == 5.0
    # The track length comes with the race definition (sent each second): until then track_pos is unknown.
    known = [i for i, f in enumerate(frames) if f["track_pos"] is not None]
    assert known and known == list(range(known[0], len(frames)))
    assert all(0.0 <= f["track_pos"] <= 1.0 for f in frames[known[0] :])
    seen = laps(frames)
    assert seen == list(range(seen[0], seen[-1] + 1))
    for f in frames:
        if f["lap"] == 1:
            assert f["last_lap_s"] is None
        else:
            assert f["last_lap_s"] == 90.0 + f["lap"] - 1  # the sender's lap N takes "90 + N s"
    assert agent.process.poll() is None


def test_pauses_bad_packets_and_a_game_that_quits_mid_lap_and_returns(tmp_path: Path, running: list[Any]):
    port = free_udp_port()
    backend, agent = _start(tmp_path, running, port)
    frames: list[dict[str, Any]] = []

    async def scenario() -> None:
        async with await dashboard(backend.ws, RIG) as ws:

            async def listen() -> None:
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "frames":
                        frames.extend(message["frames"])

            async def until(check, timeout: float = 10.0) -> None:
                deadline = time.monotonic() + timeout
                while not check():
                    assert time.monotonic() < deadline, agent.output()
                    await asyncio.sleep(0.05)

            listener = asyncio.create_task(listen())
            # Garbage, truncated packets, a wrong version and both game builds mixed in; paused from 1 s to 2.6 s.
            first = Sender(port, "--seconds", "3.5", "--bad", "--mixed", "--pause-at", "1.0", "--pause-s", "1.6")
            running.append(first)
            await until(lambda: len(frames) > 30)
            await asyncio.to_thread(wait_for_log, agent, "| paused (")
            await asyncio.to_thread(first.wait)  # the game quits mid-lap
            await asyncio.to_thread(wait_for_log, agent, f"ams2: waiting for UDP packets on port {port}")
            after_quit = len(frames)
            await asyncio.sleep(1.5)
            assert len(frames) == after_quit
            running.append(Sender(port, "--seconds", "20", "--base-speed", "40"))  # the game is back
            await until(lambda: any(abs(f["speed_kmh"] - 144.0) < 0.01 for f in frames))
            listener.cancel()

    asyncio.run(scenario())
    log = agent.output()
    assert "Traceback" not in log
    assert "ams2: skipping packets: telemetry version 9 (reads version 2)" in log
    assert "bad packets skipped" in log
    assert "(enable UDP in the game: Options > System > UDP Frequency, protocol 'Project CARS 2')" in log
    speeds = {round(f["speed_kmh"], 1) for f in frames}
    assert PAUSED_KMH not in speeds  # nothing of the paused game was sent
    # Both builds' packets were read (every other one is the 555/1059-byte kind): none skipped, and frames of
    # the first game's 1.9 s of driving at 60 Hz arrived (a loaded machine attaches later, so not all of them).
    assert "of 555 bytes" not in log
    assert "of 1059 bytes" not in log
    assert len([f for f in frames if f["speed_kmh"] > 150.0]) > 40
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    assert agent.process.poll() is None


def test_record_then_replay_through_the_agent_gives_the_same_frames(tmp_path: Path, running: list[Any]):
    port = free_udp_port()
    capture = tmp_path / "lap.ams2"
    agent = [str(BIN / "simcoach-agent"), "--game", "ams2", "--udp-port", str(port), "--rig", RIG, "--stdout"]
    live = subprocess.Popen([*agent, "--laps", "1", "--record", str(capture)], stdout=subprocess.PIPE, text=True)
    running.append(Sender(port, "--seconds", "15", "--lap-s", "1.5", "--mixed", "--bad"))
    try:
        out, _ = live.communicate(timeout=20)
    finally:
        if live.poll() is None:
            live.kill()
            live.communicate()
    assert live.returncode == 0
    replay = subprocess.run(
        [*agent, "--laps", "1", "--replay", str(capture), "--realtime", "off"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    def messages(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        lines = [json.loads(line) for line in text.splitlines()]
        frames = [{**m, "seq": 0, "t": 0} for m in lines if m["type"] == "frame"]
        return frames, [m for m in lines if m["type"] == "session"]

    live_frames, live_sessions = messages(out)
    replay_frames, replay_sessions = messages(replay.stdout)
    assert len(live_frames) > 30
    assert replay_frames == live_frames
    # Sessions are looked at every 30 samples, and a live run has idle samples a replay has not: the
    # messages may be printed at other moments, so only what they say is compared, not when.
    assert live_sessions[-1]["track"] == "Interlagos GP"
    assert replay_sessions
    assert all(s["game"] == "ams2" for s in replay_sessions)
