"""RaceRoom decode cost: reader (copy of the page from shared memory) plus mapper, per frame, in microseconds.

Runs on a real ``$R3E`` page in a temporary folder under /dev/shm whose physics
ticks move between reads, as the game's do, so every read makes a whole frame.
Usage: ``.venv/bin/python bench/decode_r3e.py [iterations]``.
"""

from __future__ import annotations

import ctypes
import mmap
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from simcoach_agent.games import shm
from simcoach_agent.games.r3e import layout
from simcoach_agent.games.r3e.mapper import R3EMapper
from simcoach_agent.games.r3e.reader import R3EReader

TICKS_AT = layout.R3EShared.player.offset + layout.R3EPlayerData.game_simulation_ticks.offset


def realistic_page() -> layout.R3EShared:
    """A car at speed mid-lap with every channel the mapper reads filled."""
    s = layout.R3EShared()
    s.version_major, s.version_minor = layout.VERSION_MAJOR, layout.VERSION_MINOR
    s.all_drivers_offset, s.driver_data_size = layout.ALL_DRIVERS_OFFSET, layout.DRIVER_DATA_SIZE
    s.game_mode = layout.GAMEMODE_SINGLERACE
    s.player.game_simulation_ticks = 1
    s.player.position.x, s.player.position.y, s.player.position.z = 120.5, 3.2, -840.0
    s.player.ride_height[:] = [0.05, 0.05, 0.07, 0.07]
    s.track_name[:17] = b"Circuit Zandvoort"
    s.layout_name[:10] = b"Grand Prix"
    s.layout_length = 4259.0
    s.session_type = layout.SESSION_RACE
    s.position, s.completed_laps, s.current_lap_valid = 3, 4, 1
    s.lap_distance, s.lap_distance_fraction = 1064.7, 0.25
    s.lap_time_best_self, s.lap_time_previous_self, s.lap_time_current_self = 92.5, 93.2, 23.5
    s.vehicle_info.model_id, s.vehicle_info.class_id = 4523, 1703
    s.car_speed, s.engine_rps, s.max_engine_rps, s.gear = 61.3, 712.0, 800.0, 5
    s.local_acceleration.x, s.local_acceleration.y, s.local_acceleration.z = -12.1, 9.8, 3.2
    s.fuel_left, s.fuel_capacity, s.engine_temp, s.engine_oil_temp = 42.5, 110.0, 88.0, 104.5
    s.throttle, s.brake, s.clutch, s.steer_input_raw = 0.8, 0.0, 0.0, -0.12
    s.aid_settings.abs, s.aid_settings.tc = 1, 5
    s.tire_wear[:] = [0.97, 0.96, 0.98, 0.98]
    s.tire_pressure[:] = [172.0, 179.0, 165.0, 158.0]
    for i in range(4):
        s.tire_temp[i].current_temp[:] = [78.0 + i, 84.0 + i, 88.0 + i]
        s.brake_temp[i].current_temp = 400.0 - 20 * i
    return s


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    directory = Path(tempfile.mkdtemp(prefix="simcoach-bench-r3e-", dir="/dev/shm"))
    shm.SHM_DIR = directory
    try:
        (directory / layout.SHARED_MEMORY_NAME).write_bytes(bytes(realistic_page()))
        with (directory / layout.SHARED_MEMORY_NAME).open("r+b") as f:
            game = mmap.mmap(f.fileno(), layout.SHARED_SIZE)
        reader, mapper = R3EReader(), R3EMapper()
        reader.open()
        ticks = ctypes.c_int32.from_buffer(game, TICKS_AT)
        both: list[int] = []
        mapping: list[int] = []
        frames = 0
        for i in range(iterations + 1000):  # the first thousand warm up
            ticks.value = i + 2
            t0 = time.perf_counter_ns()
            raw = reader.read()
            t1 = time.perf_counter_ns()
            frame = mapper.map(raw, "bench", i, 1.7e9)
            t2 = time.perf_counter_ns()
            if i >= 1000:
                both.append(t2 - t0)
                mapping.append(t2 - t1)
                frames += frame is not None
        del ticks
        reader.close()
        game.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    assert frames == iterations, f"only {frames} of {iterations} reads made a frame"
    for name, samples in (("reader+mapper", both), ("mapper only", mapping)):
        samples.sort()
        mean = statistics.fmean(samples) / 1000
        median = samples[len(samples) // 2] / 1000
        p99 = samples[int(len(samples) * 0.99)] / 1000
        print(
            f"r3e {name:14s} mean {mean:6.2f}  median {median:6.2f}  p99 {p99:6.2f} us/frame  ({len(samples)} frames)"
        )
    print(f"page copied per read: {layout.HEAD_SIZE} of {layout.SHARED_SIZE} bytes")


if __name__ == "__main__":
    main()
