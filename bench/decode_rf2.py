"""Reader + mapper time per frame for rF2 plugin pages and LMU_Data, on real /dev/shm pages with a 20-car field.

Run: ``.venv/bin/python bench/decode_rf2.py [iterations]``. Between timed
iterations the fake game advances the player's clock (untimed), as the mapper
sends nothing for telemetry that has not moved.
"""

from __future__ import annotations

import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

from simcoach_agent.games import shm
from simcoach_agent.games.base import Reader
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from simcoach_agent.games.rf2.reader import LmuDataReader, PluginReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.rig_agent.games.rf2_pages import (
    LMU_DATA_SIZE,
    LMU_TELEMETRY_VEHICLES_AT,
    RF2_TELEMETRY,
    RF2_TELEMETRY_NAME,
    RF2_TELEMETRY_VEHICLES_AT,
    RF2_VEHICLE_TELEMETRY_SIZE,
    Rf2PageFile,
    Rf2Scene,
    rf2_lmu_page,
    rf2_plugin_pages,
)

CARS = 20
ELAPSED_AT = RF2_TELEMETRY["mElapsedTime"][0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def run(name: str, reader: Reader, game: str, bump: object, iterations: int) -> None:
    mapper = Rf2Mapper(game)
    reader.open()
    times: list[float] = []
    sent = 0
    try:
        for i in range(iterations):
            bump(i)  # type: ignore[operator]
            start = time.perf_counter_ns()
            raw = reader.read()
            frame = mapper.map(raw, "bench", i, 1.0) if raw is not None else None
            times.append((time.perf_counter_ns() - start) / 1000)
            sent += frame is not None
    finally:
        reader.close()
    mean = sum(times) / len(times)
    print(
        f"{name:<22} {CARS} cars: mean {mean:6.2f} µs  p50 {percentile(times, 50):6.2f} µs  "
        f"p99 {percentile(times, 99):6.2f} µs  ({sent}/{iterations} frames)"
    )


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    folder = Path(tempfile.mkdtemp(prefix="simcoach-bench-rf2-", dir="/dev/shm"))
    shm.SHM_DIR = folder
    scene = Rf2Scene(others=CARS - 1)
    try:
        pages = rf2_plugin_pages(scene)
        files = {n: Rf2PageFile(folder, n, len(d)) for n, d in pages.items()}
        for n, d in pages.items():
            files[n].write(d)
        telemetry = files[RF2_TELEMETRY_NAME].map
        player_at = RF2_TELEMETRY_VEHICLES_AT + (CARS - 1) * RF2_VEHICLE_TELEMETRY_SIZE + ELAPSED_AT

        def bump_plugin(i: int) -> None:
            begin = struct.unpack_from("<I", telemetry, 0)[0] + 1
            struct.pack_into("<I", telemetry, 0, begin)
            struct.pack_into("<d", telemetry, player_at, 100.0 + i / 60)
            struct.pack_into("<I", telemetry, 4, begin)

        run("rF2 plugin pages", PluginReader("rf2"), "rf2", bump_plugin, iterations)
        for f in files.values():
            f.close(remove=True)

        lmu_file = Rf2PageFile(folder, "LMU_Data", LMU_DATA_SIZE)
        lmu_file.write(rf2_lmu_page(scene, player_index=5), versioned=False)
        lmu_at = LMU_TELEMETRY_VEHICLES_AT + 5 * RF2_VEHICLE_TELEMETRY_SIZE + ELAPSED_AT

        def bump_lmu(i: int) -> None:
            struct.pack_into("<d", lmu_file.map, lmu_at, 100.0 + i / 60)

        run("LMU_Data", LmuDataReader("lmu"), "lmu", bump_lmu, iterations)
        lmu_file.close(remove=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
