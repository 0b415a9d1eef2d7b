"""A fake rF2 / LMU for the live tests: writes real shared-memory pages at 60 Hz along a scripted lap.

Run as ``python -m tests.rig_agent.games.rf2_writer FOLDER --mode plugin|lmu``. It
sits in the monitor (not driving, rpm 2222) until ``FOLDER/go`` exists, then
drives laps of ``--lap-s`` seconds: speed ramps 30 -> 50 m/s over each lap,
carcass temperatures in Kelvin, the lap counter and last lap time at each
boundary. Optional stretches: a pause (mGamePhase 9, clock still running,
rpm 1111), and the game closing mid-lap (pages removed, then back).
"""

from __future__ import annotations

import argparse
import signal
import struct
import time
from pathlib import Path

from tests.rig_agent.games.rf2_pages import (
    LMU_DATA_SIZE,
    Rf2PageFile,
    Rf2Scene,
    rf2_lmu_page,
    rf2_plugin_pages,
)

PAUSE_RPM = 1111.0
MENU_RPM = 2222.0
TRACK_M = 4000.0


def scene_at(t: float, lap_s: float, *, driving: bool, paused: bool) -> Rf2Scene:
    laps, into = divmod(t, lap_s)
    frac = into / lap_s
    return Rf2Scene(
        track="Autodromo Nazionale Monza",
        track_length=TRACK_M,
        car="Ferrari 499P #50",
        car_class="Hypercar",
        driver="Fake Driver",
        elapsed=1000.0 + t,
        lap_start=1000.0 + laps * lap_s,
        laps_done=int(laps),
        last=lap_s if laps else -1.0,
        best=lap_s if laps else -1.0,
        lap_dist=frac * TRACK_M,
        vel=(0.0, 0.0, -(30.0 + 20.0 * frac)),
        carcass_k=(353.15 + 10.0 * frac, 354.15, 355.15, 356.15),
        rpm=PAUSE_RPM if paused else (6000.0 + 2000.0 * frac if driving else MENU_RPM),
        phase=9 if paused else 5,
        in_realtime=driving,
    )


class Game:
    def __init__(self, folder: Path, mode: str) -> None:
        self.folder, self.mode = folder, mode
        self.files: dict[str, Rf2PageFile] = {}

    def start(self) -> None:
        if self.mode == "lmu":
            self.files = {
                "LMU_Data": Rf2PageFile(self.folder, "LMU_Data", LMU_DATA_SIZE),
                "LMU_SharedMemoryLockData": Rf2PageFile(self.folder, "LMU_SharedMemoryLockData", 8),
            }
        else:
            pages = rf2_plugin_pages(Rf2Scene())
            self.files = {name: Rf2PageFile(self.folder, name, len(data)) for name, data in pages.items()}

    def write(self, scene: Rf2Scene) -> None:
        if self.mode == "lmu":
            lock = self.files["LMU_SharedMemoryLockData"].map
            struct.pack_into("<i", lock, 4, 1)  # busy, as the game holds its lock while writing
            self.files["LMU_Data"].write(rf2_lmu_page(scene), versioned=False)
            struct.pack_into("<i", lock, 4, 0)
        else:
            # The pages are separate files, written one after the other: an agent may read one page
            # of this step and another of the last. The pause sentinel (PAUSE_RPM, telemetry) must
            # never be readable beside a driving phase (scoring): into a pause the phase goes first,
            # out of it the telemetry. (The real plugin stops updating telemetry while paused, so it
            # has no sentinel to tear.)
            pages = rf2_plugin_pages(scene)
            scoring_first = scene.phase == 9
            order = sorted(pages, key=lambda name: ("Scoring" not in name) if scoring_first else ("Scoring" in name))
            for name in order:
                self.files[name].write(pages[name])

    def stop(self) -> None:
        for f in self.files.values():
            f.close(remove=True)
        self.files = {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--mode", choices=("plugin", "lmu"), default="plugin")
    parser.add_argument("--lap-s", type=float, default=2.5)
    parser.add_argument("--laps", type=int, default=3)
    parser.add_argument("--pause-at", type=float, default=-1.0)
    parser.add_argument("--pause-s", type=float, default=0.5)
    parser.add_argument("--close-at", type=float, default=-1.0)
    parser.add_argument("--closed-s", type=float, default=2.5)
    args = parser.parse_args()

    running = True

    def _stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, _stop)
    game = Game(args.folder, args.mode)
    game.start()
    period, t, closed_done = 1 / 60, 0.0, False
    next_tick = time.monotonic()
    try:
        while running and t < args.laps * args.lap_s + 5.0:
            if not (args.folder / "go").exists():
                game.write(scene_at(0.0, args.lap_s, driving=False, paused=False))
            elif not closed_done and 0 <= args.close_at <= t:
                game.stop()  # the game quits mid-lap ...
                time.sleep(args.closed_s)
                game.start()  # ... and comes back where it was
                closed_done = True
                next_tick = time.monotonic()
            else:
                paused = 0 <= args.pause_at <= t < args.pause_at + args.pause_s
                game.write(scene_at(t, args.lap_s, driving=True, paused=paused))
                t += period
            next_tick += period
            time.sleep(max(0.0, next_tick - time.monotonic()))
    finally:
        game.stop()


if __name__ == "__main__":
    main()
