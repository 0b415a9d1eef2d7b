"""A stand-in for ACC or AC: writes the three ``acpmf_*`` pages at 60 Hz in a directory, in phases read from stdin.

Run from the repository root:
``python -m tests.rig_agent.games.acc_writer DIR LAYOUT [LAP_S]`` (LAYOUT: acc, acc15 or ac).
Phases (one per stdin line, switched at once):
  drive   a car lapping every LAP_S seconds (3 unless given), starting at START_POS of a lap: speed
          ramps 150 -> 250 km/h along the lap, tyres warm up, laps count
  pause   the game paused (status 3): counters frozen, 999 km/h that must never be sent
  menu    back to the menu (status 0): 888 km/h that must never be sent
  stall   status live but nothing updates (the game hung)
  close   the game gone: the pages are removed
  return  the game back (pages made anew, counters from 1), driving again
  quit    remove the pages and exit
Prints ``phase NAME`` on stdout once a phase is in place.
"""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

from tests.rig_agent.games.acc_pages import (
    AC_GRAPHICS,
    ACC_GRAPHICS,
    PHYSICS,
    PageFiles,
    graphics_page,
    physics_page,
    put,
    static_page,
)

RATE_HZ = 60
LAP_S = 3.0
START_POS = 0.5
LAST_LAP_MS = 83_456
PLAYER_INDEX = 2  # the player's entry in ACC's sixty cars
PLAYER_ID = 1002


class Game:
    def __init__(self, directory: Path, layout: str, lap_s: float = LAP_S) -> None:
        self.layout = layout
        self.lap_s = lap_s
        self.game = "ac" if layout == "ac" else "acc"
        self.graphics_table = AC_GRAPHICS if self.game == "ac" else ACC_GRAPHICS
        self.files = PageFiles(directory)
        self.phase = "drive"
        self.driven = 0.0
        self.packet = 0

    def create(self) -> None:
        extra = {}
        if self.game == "acc":
            ids = [1000 + i for i in range(8)] + [0] * 52
            coords = [0.0] * 180
            for i in range(8):
                coords[i * 3 : i * 3 + 3] = [float(i), 0.0, float(-i)]
            extra = {"activeCars": 8, "carID": ids, "playerCarID": PLAYER_ID, "carCoordinates": coords}
        self.files.create(
            physics_page(self.game, fuel=60.0, wheelsPressure=(27.5, 27.6, 26.9, 27.0)),
            graphics_page(self.game, session=2, position=3, **extra),
            static_page(self.layout),
        )
        self.packet = 0
        self.driven = 0.0

    def step(self, dt: float) -> None:
        phase = self.phase
        if phase in ("close", "stall"):
            return
        physics, graphics = self.files.page("physics"), self.files.page("graphics")
        if phase == "pause":
            put(graphics, self.graphics_table, status=3)
            put(physics, PHYSICS, speedKmh=999.0)
            return
        if phase == "menu":
            put(graphics, self.graphics_table, status=0)
            put(physics, PHYSICS, speedKmh=888.0, packetId=self.packet + 1)
            self.packet += 1
            return
        self.driven += dt
        self.packet += 1
        laps, into = divmod(START_POS + self.driven / self.lap_s, 1.0)
        tyres = tuple(80.0 + 10.0 * into + wheel for wheel in range(4))
        put(
            physics,
            PHYSICS,
            speedKmh=150.0 + 100.0 * into,
            gear=2 + min(int(into * 4), 3),
            rpms=int(5000 + 2500 * into),
            gas=1.0,
            brake=0.0,
            clutch=1.0,  # released
            steerAngle=-0.25,
            accG=(-0.5, 0.0, 0.2),  # a right-hand bend taken while accelerating
            tyreCoreTemperature=tyres,
            brakeTemp=(400.0, 401.0, 300.0, 301.0),
        )
        if self.game == "acc":
            put(physics, PHYSICS, waterTemp=92.0, tc=0.0, abs=1.0)
        else:
            put(physics, PHYSICS, tyreTempI=tyres, tyreTempM=tyres, tyreTempO=tyres, rideHeight=(0.05, 0.06))
        none = 2**31 - 1 if self.game == "acc" else 0
        position = (100.0 + 1000.0 * into, 5.0, -200.0)
        put(
            graphics,
            self.graphics_table,
            status=2,
            completedLaps=int(laps),
            iCurrentTime=int(into * self.lap_s * 1000),
            iLastTime=LAST_LAP_MS if laps >= 1 else none,
            iBestTime=LAST_LAP_MS if laps >= 1 else none,
            normalizedCarPosition=into,
            packetId=self.packet,
        )
        if self.game == "acc":
            coords_offset = ACC_GRAPHICS["carCoordinates"][0] + PLAYER_INDEX * 12
            put(graphics, {"player": (coords_offset, "<3f")}, player=position)
            put(graphics, ACC_GRAPHICS, isValidLap=1)
        else:
            put(graphics, AC_GRAPHICS, carCoordinates=position)
        put(physics, PHYSICS, packetId=self.packet)  # last, as a game finishes a step


def main() -> None:
    directory, layout = Path(sys.argv[1]), sys.argv[2]
    game = Game(directory, layout, float(sys.argv[3]) if len(sys.argv) > 3 else LAP_S)
    game.create()
    print("phase drive", flush=True)
    period = 1.0 / RATE_HZ
    next_at = time.monotonic()
    while True:
        next_at += period
        ready, _, _ = select.select([sys.stdin], [], [], max(0.0, next_at - time.monotonic()))
        if ready:
            phase = sys.stdin.readline().strip()
            if phase in ("quit", ""):
                break
            if phase == "close":
                game.files.remove()
            elif phase == "return":
                game.create()
                phase = "drive"
            game.phase = phase
            print(f"phase {phase}", flush=True)
        game.step(period)
    game.files.remove()


if __name__ == "__main__":
    main()
