"""Decode cost of the Automobilista 2 adapter: one read's datagrams (telemetry + timings) to a frame.

No network. First, built packets: the datagrams a read drains at 60 Hz are built once, and each
iteration stamps them as the reader does and maps them. Then the real capture
(tests/fixtures/ams2, Project CARS 2, 5,465 datagrams): read through the agent's pcap reader into
the groups a replay hands on (a telemetry packet and what follows it), and mapped in turn,
several passes. Prints mean and p99 in microseconds per frame and per datagram; the target is
under 20 µs per frame. Run: ``.venv/bin/python bench/decode_ams2.py``.
"""

from __future__ import annotations

import ctypes
import logging
import statistics
import time
from pathlib import Path

from simcoach_agent.games.ams2 import packets as p
from simcoach_agent.games.ams2.decoder import decode
from simcoach_agent.games.ams2.mapper import Ams2Mapper
from simcoach_agent.games.ams2.reader import starts_tick
from simcoach_agent.games.base import RawSample
from simcoach_agent.games.capture import CaptureEnded
from simcoach_agent.games.pcap import PacketCaptureReader

CAPTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ams2" / "pcars2-udp-nurburgring-gt3rs.pcap.gz"
CAPTURE_PASSES = 5

N = 20_000
PLAYER = 3


def _base(kind: int, version: int) -> p.PacketBase:
    return p.PacketBase(mPacketType=kind, mPacketVersion=version, mPartialPacketIndex=1, mPartialPacketNumber=1)


def telemetry(i: int) -> bytes:
    t = p.TelemetryData()
    t.sBase = _base(p.CAR_PHYSICS, p.CAR_PHYSICS_VERSION)
    t.sViewedParticipantIndex = PLAYER
    t.sUnfilteredThrottle, t.sUnfilteredBrake, t.sUnfilteredSteering = 240, 0, -20
    t.sOilTempCelsius, t.sWaterTempCelsius = 104, 88
    t.sFuelCapacity, t.sFuelLevel = 120, 0.51
    t.sSpeed, t.sRpm, t.sMaxRpm, t.sGearNumGears = 64.3 + i % 7, 6890, 7400, 5 | 6 << 4
    t.sLocalAcceleration[:] = (13.9, 0.2, -2.0)
    t.sTyreTemp[:] = (81, 83, 78, 80)
    t.sTyreWear[:] = (10, 12, 8, 8)
    t.sAirPressure[:] = (182, 183, 180, 181)
    t.sBrakeTempCelsius[:] = (412, 405, 310, 302)
    t.sTyreTempLeft[:] = (80, 86, 77, 83)
    t.sTyreTempCenter[:] = (82, 84, 79, 81)
    t.sTyreTempRight[:] = (85, 81, 80, 78)
    t.sFullPosition[:] = (-412.5, 12.0, 833.25)
    t.sTickCount = i
    return bytes(t)


def timings(i: int) -> bytes:
    t = p.TimingsData()
    t.sBase = _base(p.TIMINGS, p.TIMINGS_VERSION)
    t.sNumParticipants = 20
    for k in range(20):
        car = t.sPartcipants[k]
        car.sRacePosition = 0x80 | (k + 1)
        car.sCurrentLap = 5
        car.sCurrentLapDistance = (1000 + 37 * k + i) % 4000
        car.sCurrentTime = 73.2 + k
    return bytes(t)


def warm_up(mapper: Ams2Mapper) -> None:
    """The slow packets a session starts with: game state, track, names, lap records."""
    state = p.GameStateData(sBase=_base(p.GAME_STATE, p.GAME_STATE_VERSION), mGameState=2 | 5 << 4)
    race = p.RaceData(sBase=_base(p.RACE_DEFINITION, p.RACE_DEFINITION_VERSION), sTrackLength=4309.0)
    race.sTrackLocation, race.sTrackVariation = b"Interlagos", b"GP"
    stats = p.TimeStatsData(sBase=_base(p.TIME_STATS, p.TIME_STATS_VERSION))
    stats.sStats.sParticipants[PLAYER].sLastLapTime = 92.1
    stats.sStats.sParticipants[PLAYER].sFastestLapTime = 91.7
    parts = tuple(("udp", bytes(s)) for s in (state, race, stats))
    mapper.map(RawSample(0.0, parts), "bench-000", 0, 0.0)


def main() -> None:
    mapper = Ams2Mapper()
    warm_up(mapper)
    reads = [(telemetry(i), timings(i)) for i in range(64)]
    samples_ns: list[int] = []
    clock = time.perf_counter_ns
    for i in range(N):
        tel, tim = reads[i & 63]
        start = clock()
        raw = RawSample(time.monotonic(), (("udp", tim), ("udp", tel)))
        frame = mapper.map(raw, "bench-000", i, 1.7e9 + i / 60)
        samples_ns.append(clock() - start)
        assert frame is not None
    samples_ns.sort()
    mean_us = statistics.fmean(samples_ns) / 1000
    p99_us = samples_ns[int(len(samples_ns) * 0.99)] / 1000
    print(
        f"ams2 decode: telemetry {ctypes.sizeof(p.TelemetryData)} B + timings {ctypes.sizeof(p.TimingsData)} B per read"
    )
    print(f"mean {mean_us:.2f} µs/frame, p99 {p99_us:.2f} µs/frame over {N} frames (target < 20 µs)")
    real_capture()


def real_capture() -> None:
    """Map the real capture's reads (and decode its datagrams alone), several passes."""
    logging.getLogger("simcoach_agent").setLevel(logging.WARNING)  # the version lines, once per pass
    reader = PacketCaptureReader(CAPTURE, "ams2", starts_read=starts_tick)
    reader.open()
    reads: list[RawSample] = []
    try:
        while True:
            reads.append(reader.read())
    except CaptureEnded:
        pass
    datagrams = [data for raw in reads for _, data in raw.parts]
    clock = time.perf_counter_ns
    per_frame: list[int] = []
    per_read: list[int] = []
    frames = 0
    for _ in range(CAPTURE_PASSES):
        mapper = Ams2Mapper()
        for i, raw in enumerate(reads):
            start = clock()
            frame = mapper.map(raw, "bench-000", i, 1.7e9 + i / 60)
            took = clock() - start
            per_read.append(took)
            if frame is not None:
                per_frame.append(took)
                frames += 1
    per_datagram: list[int] = []
    for _ in range(CAPTURE_PASSES):
        for data in datagrams:
            start = clock()
            decode(data)
            per_datagram.append(clock() - start)

    def figures(samples: list[int]) -> str:
        samples.sort()
        return f"mean {statistics.fmean(samples) / 1000:.2f} µs, p99 {samples[int(len(samples) * 0.99)] / 1000:.2f} µs"

    print(
        f"real capture: {len(datagrams)} datagrams in {len(reads)} reads, "
        f"{frames // CAPTURE_PASSES} frames per pass, {CAPTURE_PASSES} passes"
    )
    print(f"  per read that made a frame: {figures(per_frame)} (target < 20 µs)")
    print(f"  per read, all: {figures(per_read)}")
    print(f"  decode alone, per datagram: {figures(per_datagram)}")
    total_ms = sum(per_read) / CAPTURE_PASSES / 1e6
    print(f"  the whole 59 s capture: {total_ms:.1f} ms of mapping per pass")


if __name__ == "__main__":
    main()
