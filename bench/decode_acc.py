"""ACC/AC decode cost: reader (three page copies) plus mapper, per frame, on realistic pages in /dev/shm.

Prints mean and p99 in microseconds for ACC and for AC; the target is under 20 us.
No network: the pages are files under a temporary shared-memory folder, changed
between reads the way the game changes them (a new packetId each physics step).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import shutil
import statistics
import struct
import tempfile
import time
from pathlib import Path

from simcoach_agent.games import shm
from simcoach_agent.games.acc.detect import AC, ACC, Variant
from simcoach_agent.games.acc.mapper import AccMapper
from simcoach_agent.games.acc.reader import AccReader

N = 20_000


def _text(field: ctypes.Array[ctypes.c_uint16], value: str) -> None:
    units = struct.unpack(f"<{len(value)}H", value.encode("utf-16-le"))
    for i, unit in enumerate(units):
        field[i] = unit


def pages(variant: Variant) -> tuple[bytes, bytes, bytes]:
    """A car mid-lap: every channel the mapper reads holds a plausible value."""
    p = variant.physics()
    p.packetId, p.gas, p.brake, p.fuel, p.gear, p.rpms = 1, 0.8, 0.0, 61.5, 5, 7120
    p.steerAngle, p.speedKmh, p.clutch = -0.12, 212.4, 1.0
    p.accG[:] = [-1.2, 0.05, 0.3]
    p.wheelSlip[:] = [0.01, 0.02, 0.03, 0.04]
    p.wheelsPressure[:] = [27.4, 27.6, 27.1, 27.3]
    p.tyreCoreTemperature[:] = [84.0, 86.5, 82.0, 83.1]
    p.brakeTemp[:] = [412.0, 405.0, 310.0, 305.0]
    p.tyreTempI[:] = [88.0, 89.0, 85.0, 86.0]
    p.rideHeight[:] = [0.055, 0.071]
    g = variant.graphics()
    g.packetId, g.status, g.session, g.completedLaps, g.position = 1, 2, 2, 4, 3
    g.iCurrentTime, g.iLastTime, g.iBestTime = 61234, 138456, 137890
    g.normalizedCarPosition, g.isValidLap = 0.4321, 1
    if variant.game == "acc":
        g.activeCars, g.playerCarID = 20, 1017
        for i in range(20):
            g.carID[i] = 1000 + i
            g.carCoordinates[i][:] = [float(i), 1.0, -float(i)]
        p.waterTemp, p.abs, p.tc = 91.0, 0.0, 0.4
    else:
        g.carCoordinates[:] = [120.5, 3.2, -845.1]
    s = variant.static()
    for name, value in (("smVersion", "1.9"), ("acVersion", "1.10"), ("carModel", "ferrari_296_gt3"), ("track", "spa")):
        _text(getattr(s, name), value)
    _text(s.playerName, "Ada")
    _text(s.playerSurname, "Lovelace")
    s.maxRpm, s.maxFuel = 8000, 120.0
    if variant.game == "acc":
        _text(s.dryTyresName, "DHF2023")
        _text(s.wetTyresName, "WH")
    else:
        _text(s.carSkin, "00_official")
        s.maxPower, s.trackSPlineLength = 400000.0, 7004.0
    return bytes(p), bytes(g), bytes(s)


def measure(variant: Variant, folder: Path) -> list[float]:
    maps = []
    for name, data in zip(("acpmf_physics", "acpmf_graphics", "acpmf_static"), pages(variant), strict=True):
        fd = os.open(folder / name, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        os.ftruncate(fd, len(data))
        page = mmap.mmap(fd, len(data))
        os.close(fd)
        page[:] = data
        maps.append(page)
    physics = maps[0]
    reader = AccReader(variant.game)
    mapper = AccMapper(variant.game)
    reader.open()
    times: list[float] = []
    try:
        for i in range(N + 100):
            struct.pack_into("<i", physics, 0, i + 2)  # the game's next physics step
            start = time.perf_counter_ns()
            frame = mapper.map(reader.read(), "bench", i, 1.7e9)
            elapsed = time.perf_counter_ns() - start
            if i >= 100:  # past the first frames (static page parsed once, first sight of the page)
                assert frame is not None, mapper.status()
                times.append(elapsed / 1000.0)
    finally:
        reader.close()
        for page in maps:
            page.close()
    return times


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="simcoach-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    shm.SHM_DIR = folder
    try:
        for variant in (ACC, AC):
            times = sorted(measure(variant, folder))
            p99 = times[int(len(times) * 0.99)]
            print(
                f"{variant.label:4} reader+mapper: mean {statistics.fmean(times):5.2f} us/frame, "
                f"p99 {p99:5.2f} us/frame ({N} frames)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
