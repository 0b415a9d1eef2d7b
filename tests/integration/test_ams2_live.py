"""AMS2 end to end: a stand-in game, or a real game's capture, sends UDP packets; the real agent reads them.

The stand-in plays scripted laps at 60 Hz into the agent and a real backend. The real capture
(tests/fixtures/ams2, Project CARS 2, GT3 RS at the Nürburgring GP) is replayed at its own pace
through a real UDP socket into ``simcoach-agent --game ams2 --stdout``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from simcoach_agent.games.ams2.mapper import Ams2Mapper
from simcoach_agent.games.base import RawSample
from tests.conftest import BIN, REPO, Agent, Backend, start_agent, start_backend
from tests.helpers import collect_frames, dashboard
from tests.integration.stand_in import laps, wait_for_log
from tests.rig_agent.games import ams2_replay
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
    # The stand-in game starts once the agent listens: what it sends first (lap 1's records) is not lost.
    deadline = time.monotonic() + 30
    while not _udp_port_taken(port):
        assert time.monotonic() < deadline, f"the agent never listened on UDP port {port}:\n{agent.output()}"
        time.sleep(0.05)
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
        lap_k = f["lap"] - 273.15  # the tread's Kelvin (353 + lap, ...) in °C
        assert f["tyre_temp_c"] == pytest.approx([353 + lap_k, 354 + lap_k, 351 + lap_k, 352 + lap_k])
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
            # Garbage, truncated packets, wrong lengths, an unseen version, both game builds; paused 1 s to 2.6 s.
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
    assert "ams2: skipping packets: telemetry of 538 bytes (expects 555 or 559)" in log
    # Read, and said once (of whichever build's length came first).
    assert len(re.findall(r"ams2: telemetry packets of 55[59] bytes carry version 9", log)) == 1
    assert "bad packets skipped" in log
    # The status line shows the versions the packets carry (the stand-in stamps telemetry 4, as real builds).
    assert re.search(r"\| driving \(UDP v [^)]*\btim 1\b[^)]*\btel 4\b[^)]*\) \(\d+ bad packets skipped\) \|", log)
    assert "(enable UDP in the game: Options > System > UDP Frequency, protocol 'Project CARS 2')" in log
    speeds = {round(f["speed_kmh"], 1) for f in frames}
    assert PAUSED_KMH not in speeds  # nothing of the paused game was sent
    # Both builds' packets were read (every other one is the 555/1059-byte kind): none skipped, and frames of
    # the first game's 1.9 s of driving at 60 Hz arrived (a loaded machine attaches later, so not all of them).
    assert "telemetry of 555 bytes" not in log
    assert "timings of 1059 bytes" not in log
    assert len([f for f in frames if f["speed_kmh"] > 150.0]) > 40
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    assert agent.process.poll() is None


def test_record_then_replay_through_the_agent_gives_the_same_frames(tmp_path: Path, running: list[Any]):
    port = free_udp_port()
    capture = tmp_path / "lap.ams2"
    agent = [str(BIN / "simcoach-agent"), "--game", "ams2", "--udp-port", str(port), "--rig", RIG, "--stdout"]
    live = subprocess.Popen([*agent, "--laps", "1", "--record", str(capture)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not _udp_port_taken(port):
        assert time.monotonic() < deadline and live.poll() is None, "the agent never listened on its UDP port"
        time.sleep(0.05)
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


# --- the real capture over UDP ---------------------------------------------------------------------

REPLAY_FROM_S = 14.5  # capture time: just before the game says PLAYING (14.94 s); sent 8x faster before
REPLAY_TO_S = ams2_replay.LAST_DRIVEN_S + 0.05  # the car at rest in the gravel, before the capture's 4.8 s gap
SAMPLE_HZ = 60.0


def _udp_port_taken(port: int) -> bool:
    """Whether a socket is bound to the UDP port: binding it without SO_REUSEADDR then fails."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
        return False


def _until(check, what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}; agent said:\n{log.read_text()}"
        time.sleep(0.05)


def _every_telemetry_packet() -> set[tuple[Any, ...]]:
    """(speed, rpm, gear, throttle, brake) of each telemetry packet of the capture, as the mapper reads it."""
    mapper = Ams2Mapper()
    playing = next(d for _, d in ams2_replay.of_type(4) if d[14] & 0x07 == 2)
    out = set()
    for _, data in ams2_replay.of_type(0):
        frame = mapper.map(RawSample(0.0, (("udp", playing), ("udp", data))), "rig-a", 1, 1.0)
        assert frame is not None
        out.add((frame.speed_kmh, frame.rpm, frame.gear, frame.throttle, frame.brake))
    return out


def test_the_real_capture_over_udp_gives_a_gt3_rs_at_the_sampling_rate(tmp_path: Path, running: list[Any]):
    port = free_udp_port()
    log = tmp_path / "agent.log"
    lines: list[dict[str, Any]] = []
    with log.open("w") as err:
        agent = subprocess.Popen(
            [str(BIN / "simcoach-agent"), "--game", "ams2", "--udp-port", str(port), "--rig", RIG, "--stdout"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each line as printed, not per 8 kB
        )
    assert agent.stdout is not None
    out = agent.stdout

    def read_lines() -> None:
        for line in out:
            lines.append(json.loads(line))

    reader = threading.Thread(target=read_lines, daemon=True)
    reader.start()
    try:
        _until(lambda: _udp_port_taken(port), "the agent never listened on its UDP port", 30, log)
        sender = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.rig_agent.games.ams2_replay",
                "--port",
                str(port),
                "--from-s",
                str(REPLAY_FROM_S),
                "--to-s",
                str(REPLAY_TO_S),
                "--lead-speed",
                "8",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        try:
            sender.wait(120)
        finally:
            if sender.poll() is None:
                sender.kill()
                sender.wait()
        assert sender.returncode == 0

        def at_rest_in_the_gravel() -> bool:
            return any(m["type"] == "frame" and m["lap_dist_m"] == 650.0 and m["speed_kmh"] < 1.0 for m in lines)

        _until(at_rest_in_the_gravel, "no frame of the car at rest at 650 m", 30, log)
        agent.send_signal(signal.SIGINT)
        agent.wait(20)
        reader.join(10)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        reader.join(10)
        out.close()
    said = log.read_text()
    assert agent.returncode == 0, said
    assert "Traceback" not in said
    assert "ams2: telemetry packets of 559 bytes carry version 4" in said
    assert "ams2: participants packets of 1136 bytes carry version 3" in said
    assert "skipping packets" not in said

    sessions = [m for m in lines if m["type"] == "session"]
    assert sessions, said
    assert {k: sessions[-1][k] for k in ("game", "track", "car", "car_class", "driver", "session_type")} == {
        "game": "ams2",
        "track": "Nurburgring GP",
        "car": "Porsche 911 GT3 RS",
        "car_class": "Straße B",
        "driver": "urandom",
        "session_type": "practice",
    }
    assert sessions[-1]["track_length_m"] == pytest.approx(5083.776, abs=1e-3)

    frames = [m for m in lines if m["type"] == "frame"]
    # Frames at the sampling rate: one per 60 Hz sample that found a new telemetry packet. The game
    # sent 53 Hz on average (14 to 21 ms apart), so most samples, never two frames in one sample.
    driven_s = ams2_replay.LAST_DRIVEN_S - ams2_replay.PLAYING_FROM_S
    assert 25 * driven_s < len(frames) <= SAMPLE_HZ * driven_s + 10
    gaps = [b["t"] - a["t"] for a, b in itertools.pairwise(frames)]
    assert sum(g > 1 / SAMPLE_HZ - 0.006 for g in gaps) > 0.95 * len(gaps)
    assert 1 / SAMPLE_HZ - 0.004 < statistics.median(gaps) < 2 / SAMPLE_HZ + 0.004
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))

    # Every frame is the car of the capture: its telemetry values are those of one of its packets.
    known = _every_telemetry_packet()
    assert all((f["speed_kmh"], f["rpm"], f["gear"], f["throttle"], f["brake"]) in known for f in frames)
    assert max(f["speed_kmh"] for f in frames) > 150.0  # 159.1 km/h at the end of the straight
    assert {f["max_rpm"] for f in frames} == {8800.0}
    assert 8000.0 < max(f["rpm"] for f in frames) <= 8911.0
    assert {1, 2, 3, 4, 5} <= {f["gear"] for f in frames} <= {0, 1, 2, 3, 4, 5}
    assert max(f["throttle"] for f in frames) == 1.0
    assert max(f["brake"] for f in frames) > 0.4
    for f in frames:
        assert all(30.8 < t < 33.9 for t in f["tyre_temp_c"])  # °C of the tread (304..307 K)
        assert all(24.6 < x < 26.2 for x in f["tyre_pressure_psi"])  # 170..180 kPa
        assert 30.0 <= min(f["brake_temp_c"]) <= max(f["brake_temp_c"]) <= 229.0
        assert 51.0 <= f["oil_temp_c"] <= 56.0
        assert 41.0 <= f["water_temp_c"] <= 53.0
        assert f["fuel_capacity_l"] == 64.0
        assert (f["lap"], f["position"], f["lap_valid"]) == (1, 1, False)
    assert max(max(f["brake_temp_c"]) for f in frames) > 180.0  # hot after braking for turn 1
    distances = [f["lap_dist_m"] for f in frames]
    assert distances[0] <= 60.0 and distances[-1] == 650.0  # from the garage to the gravel
    assert all(b >= a - 1.0 for a, b in itertools.pairwise(distances))
    assert len(set(distances)) > 300  # it moves
