"""A real game's packets (tests/fixtures/ams2: Project CARS 2, Porsche 911 GT3 RS, Nürburgring GP) give real frames.

The capture is replayed with ``--replay`` (the agent's pcap reader) in-process and through the
real CLI; every datagram is decoded; the frames are checked against what the capture's bytes
hold for that car (ranges read from the packets, docs/games/ams2.md). The lap-time derivation
is checked on the capture's own timings packets, edited around a lap change.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import itertools
import json
import math
import struct
import subprocess
from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.ams2 import packets as p
from simcoach_agent.games.ams2.decoder import decode
from simcoach_agent.games.ams2.mapper import Ams2Mapper
from simcoach_agent.games.base import GameSource, RawSample
from simcoach_agent.games.capture import CaptureEnded
from simcoach_agent.games.registry import create_source
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import decode_rig_message, encode
from tests.conftest import BIN
from tests.rig_agent.games import ams2_packets as pk
from tests.rig_agent.games.ams2_replay import FIXTURE, FRAMES, datagrams, of_type

KMH_PER_MS = 3.6
PSI_PER_KPA = 1 / 6.894757


def replay(path: Path = FIXTURE) -> tuple[GameSource, list[Frame], list]:
    source = create_source("ams2", replay=path)
    assert isinstance(source, GameSource)
    source.open()
    frames: list[Frame] = []
    sessions = []
    try:
        while True:
            frame = source.sample("rig-a", len(frames), 1_700_000_000.0 + len(frames) / 60)
            if frame is not None:
                frames.append(frame)
                sessions.append(source.session())
    except CaptureEnded:
        pass
    finally:
        source.shutdown()
    return source, frames, sessions


@pytest.fixture(scope="module")
def replayed() -> tuple[GameSource, list[Frame], list]:
    return replay()


def test_every_datagram_of_the_capture_is_recognised_by_type_and_length():
    kinds = collections.Counter((d[10], len(d), d[11]) for _, d in datagrams())
    assert kinds == {
        (p.CAR_PHYSICS, 559, 4): 2637,  # the header's define says version 2
        (p.TIMINGS, 1063, 1): 2637,
        (p.GAME_STATE, 24, 2): 173,
        (p.RACE_DEFINITION, 308, 1): 6,
        (p.PARTICIPANTS, 1136, 3): 4,  # the header's define says version 1
        (p.PARTICIPANT_VEHICLE_NAMES, 1164, 2): 4,
        (p.PARTICIPANT_VEHICLE_NAMES, 1452, 2): 4,
    }
    assert not of_type(p.TIME_STATS)
    for _, data in datagrams():
        packet = decode(data)
        assert packet is not None
        assert ctypes.sizeof(packet.data) in (len(data), len(data) + 4 * (len(data) in (555, 1059)))


def test_the_capture_gives_a_frame_for_each_telemetry_packet_while_the_game_plays(replayed):
    """2,118 telemetry packets are sent in PLAYING state; the last comes in the read that leaves it."""
    source, frames, _ = replayed
    assert len(frames) == FRAMES
    mapper = source.mapper
    assert isinstance(mapper, Ams2Mapper)
    assert mapper.skipped == {}
    assert mapper.packets["telemetry"] == 2637
    assert mapper.versions == {
        "game state": 2,
        "race definition": 1,
        "participants": 3,
        "vehicle names": 2,
        "telemetry": 4,
        "timings": 1,
    }
    # The capture ends in the game's front end; the status says so, with the versions it saw.
    assert source.status() == "in menu (UDP v state 2, race 1, part 3, names 2, tel 4, tim 1)"
    for frame in frames[::50]:
        incoming = decode_rig_message(encode(frame))
        assert not incoming.errors, incoming.errors


def test_the_session_is_a_gt3_rs_practice_at_the_nurburgring_gp(replayed):
    _, _, sessions = replayed
    assert msgspec.to_builtins(sessions[-1]) == {
        "type": "session",
        "game": "ams2",
        "track": "Nurburgring GP",
        "track_length_m": pytest.approx(5083.776, abs=1e-3),
        "car": "Porsche 911 GT3 RS",
        "car_class": "Straße B",  # the game's class name, in the language it runs in (German)
        "driver": "urandom",
        "session_type": "practice",
        "session_laps": None,
        "rig": None,
    }


def test_speed_rpm_gears_and_pedals_are_a_gt3_rs_leaving_the_pits_and_braking_for_turn_1(replayed):
    _, frames, _ = replayed
    speeds = [f.speed_kmh for f in frames]
    assert min(speeds) < 0.1  # at rest in the gravel at the end
    assert max(speeds) == pytest.approx(44.195 * KMH_PER_MS, abs=0.01)  # 159.1 km/h before turn 1
    assert {f.max_rpm for f in frames} == {8800.0}
    rpms = [f.rpm for f in frames]
    assert 940 <= min(rpms) <= 1010  # idle
    assert 8800 < max(rpms) <= 8911  # the limiter lets it overshoot the max a little
    assert sum(r > 8000 for r in rpms) > 20
    assert {f.gear for f in frames} == {0, 1, 2, 3, 4, 5}  # of 7 (PDK)
    for name in ("throttle", "brake", "clutch"):
        values = [getattr(f, name) for f in frames]
        assert (min(values), max(values)) == (0.0, 1.0), name
    steering = [f.steering for f in frames]
    assert -0.06 < min(steering) < 0.0  # a touch left, once
    assert 0.6 < max(steering) < 0.65  # turn 1 is a right-hander
    # Pit lane on the limiter at 59.4 km/h, then the pit exit, 311 m into the lap.
    in_pit = [f.in_pit for f in frames]
    exit_at = in_pit.index(False)
    assert all(in_pit[:exit_at]) and not any(in_pit[exit_at:])
    assert frames[exit_at].lap_dist_m == 311.0
    pit_lane = [f.speed_kmh for f in frames[:exit_at]]
    assert 59.4 < max(pit_lane) < 62.0  # a brief overshoot as the limiter takes over
    assert sum(abs(v - 59.4) < 0.05 for v in pit_lane) > 500  # 10 s and more held at the limiter's speed


def test_accelerations_have_the_game_s_signs_braking_negative_and_a_right_hander_positive(replayed):
    _, frames, _ = replayed
    braking = [f for f in frames if f.brake > 0.3 and f.speed_kmh > 60]
    assert len(braking) > 100
    assert all(f.g_lon is not None and -1.3 < f.g_lon < -0.4 for f in braking)
    accelerating = sorted(f.g_lon for f in frames if f.throttle == 1.0 and f.gear in (2, 3) and not f.in_pit)
    assert len(accelerating) > 100
    assert 0.3 < accelerating[len(accelerating) // 2] < 1.0  # full throttle in 2nd and 3rd: forward
    assert sum(g > 0 for g in accelerating) > 0.9 * len(accelerating)  # all but the gear shifts
    turning = [f for f in frames if f.steering > 0.1 and f.speed_kmh > 50]
    assert len(turning) > 100
    assert all(f.g_lat is not None and 0.19 < f.g_lat < 1.4 for f in turning)
    # On track and before the car hits the barrier at 650 m, the vertical is about 1 g.
    on_track = [f for f in frames if not f.in_pit and f.lap_dist_m < 649 and f.g_vert is not None]
    assert sorted(f.g_vert for f in on_track)[len(on_track) // 2] == pytest.approx(1.0, abs=0.05)


def test_temperatures_are_celsius_and_pressures_psi_of_a_car_just_out_of_the_garage(replayed):
    _, frames, _ = replayed
    tyres = [t for f in frames for t in f.tyre_temp_c]
    assert (min(tyres), max(tyres)) == (pytest.approx(30.85), pytest.approx(33.85))  # 304..307 K of the tread
    thirds = [t for f in frames for t in (*f.tyre_temp_inner_c, *f.tyre_temp_middle_c, *f.tyre_temp_outer_c)]
    assert (min(thirds), max(thirds)) == (30.0, 34.0)
    brakes = [f.brake_temp_c for f in frames]
    assert min(min(b) for b in brakes) == 30.0
    assert max(b[0] for b in brakes) == 229.0  # front left, braking for turn 1
    assert max(b[2] for b in brakes) == 129.0  # rears run cooler
    assert (min(f.oil_temp_c for f in frames), max(f.oil_temp_c for f in frames)) == (51.0, 56.0)
    assert (min(f.water_temp_c for f in frames), max(f.water_temp_c for f in frames)) == (41.0, 53.0)
    fronts = [x for f in frames for x in f.tyre_pressure_psi[:2]]
    rears = [x for f in frames for x in f.tyre_pressure_psi[2:]]
    assert (min(fronts), max(fronts)) == (pytest.approx(178 * PSI_PER_KPA), pytest.approx(180 * PSI_PER_KPA))
    assert (min(rears), max(rears)) == (pytest.approx(170 * PSI_PER_KPA), pytest.approx(172 * PSI_PER_KPA))
    assert {f.fuel_capacity_l for f in frames} == {64.0}  # the GT3 RS's tank
    assert 31.6 < min(f.fuel_l for f in frames) < max(f.fuel_l for f in frames) <= 32.0  # half full
    assert {tuple(f.tyre_wear) for f in frames} == {(0.0, 0.0, 0.0, 0.0)}


def test_lap_distance_moves_along_an_out_lap_that_ends_in_the_gravel(replayed):
    _, frames, _ = replayed
    distances = [f.lap_dist_m for f in frames]
    assert (distances[0], max(distances), distances[-1]) == (58.0, 650.0, 650.0)
    assert all(b >= a - 1.0 for a, b in itertools.pairwise(distances))  # 1 m jitter in the gravel
    assert {f.lap for f in frames} == {1}
    assert {f.position for f in frames} == {1}
    assert {f.lap_valid for f in frames} == {False}  # an out lap is invalid
    # The game does not time an out lap (sCurrentTime -1) and no lap ends: no lap times, none made up.
    assert {(f.lap_time_s, f.last_lap_s, f.best_lap_s) for f in frames} == {(None, None, None)}
    assert all(f.track_pos == pytest.approx(f.lap_dist_m / 5083.776) for f in frames)
    assert frames[-1].speed_kmh < 1.0


# --- last and best laps from the capture's own timings packets ------------------------------------


@functools.cache
def _real(kind: int) -> bytes:
    """The capture's first packet of ``kind`` (for telemetry: the first one of a car on the move)."""
    if kind == p.CAR_PHYSICS:
        return next(d for _, d in of_type(kind) if struct.unpack_from("<f", d, 36)[0] > 30.0)
    return of_type(kind)[0][1]


def _edited_timings(lap: int, current: float, invalid: bool = False) -> bytes:
    """The capture's first timings packet with the player's (participant 0) lap and lap time changed."""
    buf = bytearray(_real(p.TIMINGS))
    base = pk.TIMING_FIRST + 0 * pk.TIMING_STRIDE
    pk.put(buf, pk.TIMING_PARTICIPANT, {"sCurrentLap": lap, "sCurrentTime": current}, base=base)
    state = buf[base + 20]
    buf[base + 20] = (state | 0x08) if invalid else (state & ~0x08)
    return bytes(buf)


def _drive(mapper: Ams2Mapper, laps: list[tuple[int, float, bool]]) -> list[Frame]:
    telemetry = _real(p.CAR_PHYSICS)
    playing = bytearray(_real(p.GAME_STATE))
    playing[14] = 2 | 1 << 4  # PLAYING, practice
    mapper.map(RawSample(0.0, (("udp", bytes(playing)),)), "rig-a", 0, 1.0)
    frames = []
    for i, (lap, current, invalid) in enumerate(laps):
        raw = RawSample(float(i), (("udp", telemetry), ("udp", _edited_timings(lap, current, invalid))))
        frame = mapper.map(raw, "rig-a", i, 1_700_000_000.0 + i)
        assert frame is not None
        frames.append(frame)
    return frames


def _lap(lap: int, end: float, invalid: bool = False, step: float = 1 / 60, start: float = 0.007):
    """Timings of one lap at 60 Hz from ``start`` s until just before ``end`` s."""
    n = math.floor((end - start) / step)
    return [(lap, start + k * step, invalid) for k in range(n + 1) if start + k * step < end]


def test_last_and_best_laps_come_from_the_lap_counter_when_no_time_stats_arrive():
    mapper = Ams2Mapper()
    # Lap 2 of 118.5 s, lap 3 of 117.25 s but invalidated, lap 4 of 119.0 s; each starts 7 ms after the line.
    frames = _drive(
        mapper,
        [*_lap(2, 118.5), *_lap(3, 117.25, invalid=True), *_lap(4, 119.0), (5, 0.007, False)],
    )
    by_lap: dict[int, set] = collections.defaultdict(set)
    for f in frames:
        by_lap[f.lap].add((f.last_lap_s, f.best_lap_s))
    assert by_lap[2] == {(None, None)}  # nothing completed yet
    [(last, best)] = by_lap[3]
    assert last == pytest.approx(118.5, abs=1e-3)
    assert best == last
    [(last, best)] = by_lap[4]
    assert last == pytest.approx(117.25, abs=1e-3)  # the last lap, though invalid ...
    assert best == pytest.approx(118.5, abs=1e-3)  # ... is not the best
    [(last, best)] = by_lap[5]
    assert (last, best) == (pytest.approx(119.0, abs=1e-3), pytest.approx(118.5, abs=1e-3))
    for f in frames[::200]:
        assert not decode_rig_message(encode(f)).errors


def test_a_lap_whose_packets_were_lost_at_the_line_has_no_made_up_time_and_a_restart_clears_the_best():
    mapper = Ams2Mapper()
    frames = _drive(mapper, [*_lap(2, 60.0), *_lap(4, 30.0), (5, 0.007, False)])
    assert (frames[-2].last_lap_s, frames[-2].best_lap_s) == (None, None)  # lap 3 was never seen
    assert frames[-1].last_lap_s == pytest.approx(30.0, abs=1e-3)
    frames = _drive(mapper, [(1, 0.01, False), (1, 0.5, False)])  # the counter goes back: a new session
    assert (frames[-1].last_lap_s, frames[-1].best_lap_s) == (None, None)


def test_time_stats_packets_when_a_game_sends_them_win_over_the_derivation():
    mapper = Ams2Mapper()
    _drive(mapper, [*_lap(2, 100.0), (3, 0.01, False)])
    stats = pk.time_stats({0: {"sLastLapTime": 99.5, "sFastestLapTime": 98.0}})
    mapper.map(RawSample(0.0, (("udp", stats),)), "rig-a", 0, 1.0)
    frame = _drive(mapper, [(3, 0.5, False)])[-1]
    assert (frame.last_lap_s, frame.best_lap_s) == (99.5, 98.0)


# --- the CLI -----------------------------------------------------------------------------------------


def test_the_cli_replays_the_gzipped_pcap_as_fast_as_asked(tmp_path: Path):
    agent = [str(BIN / "simcoach-agent"), "--rig", "rig-a", "--stdout", "--realtime", "off"]
    done = subprocess.run(
        [*agent, "--game", "auto", "--replay", str(FIXTURE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    frames = [m for m in lines if m["type"] == "frame"]
    assert len(frames) == FRAMES
    assert any(m["type"] == "session" and m["car"] == "Porsche 911 GT3 RS" for m in lines)
    assert "ams2: telemetry packets of 559 bytes carry version 4" in done.stderr
    assert "5465 UDP datagrams read, 0 frames skipped" in done.stderr
    assert "Traceback" not in done.stderr

    refused = subprocess.run(
        [*agent, "--game", "acc", "--replay", str(FIXTURE)], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert f"{FIXTURE}: a capture of ams2, not acc" in refused.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"\xd4\xc3\xb2\xa1" + bytes(10))  # a pcap magic and a cut header
    refused = subprocess.run(
        [*agent, "--game", "ams2", "--replay", str(junk)], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert "not a readable packet capture" in refused.stderr
