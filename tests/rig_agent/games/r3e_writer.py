"""A stand-in for RaceRoom: writes the ``$R3E`` page at 60 Hz in a directory, in phases read from stdin.

Run from the repository root: ``python -m tests.rig_agent.games.r3e_writer DIR [PHASE]``.
Phases (one per stdin line, switched at once):
  drive   a car lapping every LAP_S seconds: speed ramps to 50 m/s, tyres warm up, laps count
  pause   the game paused: physics frozen, and a speed of 99 m/s that must never be sent
  close   the game gone: the page is removed
  return  the game back on another track (Spa), at 40 m/s
  old     a RaceRoom sharing layout 2.14
  quit    remove the page and exit
Prints ``phase NAME`` on stdout once a phase is in place.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from tests.rig_agent.games.r3e_page import HEAD_SIZE, SIZE, Page, driving_page

NAME = "$R3E"
RATE_HZ = 60
LAP_S = 2.0
LENGTH_M = 4259.0


class Game:
    def __init__(self, directory: Path) -> None:
        self.path = directory / NAME
        self.page = driving_page()
        self.ticks = 1000
        self.driven = 0.0  # seconds driven in the session, paused time excluded
        self.phase = "drive"

    def step(self, dt: float) -> Page | None:
        p = self.page
        phase = self.phase
        if phase == "close":
            return None
        p.set("version_major", 2 if phase == "old" else 3).set("version_minor", 14 if phase == "old" else 5)
        p.set("game_paused", 1 if phase == "pause" else 0)
        if phase == "pause":
            return p.set("car_speed", 99.0)
        self.driven += dt
        self.ticks += round(dt * 400)
        p.set("player.game_simulation_ticks", self.ticks).set("player.game_simulation_time", self.ticks / 400)
        if phase == "return":
            p.set("track_name", "Spa-Francorchamps").set("layout_name", "Grand Prix")
            return p.set("car_speed", 40.0)
        if phase == "old":
            return p.set("car_speed", 30.0)
        completed, into = divmod(self.driven, LAP_S)
        p.set("car_speed", min(50.0, 25.0 * self.driven))
        p.set("completed_laps", int(completed))
        p.set("lap_time_current_self", into)
        p.set("lap_time_previous_self", LAP_S if completed >= 1 else -1.0)
        p.set("lap_time_best_self", LAP_S if completed >= 1 else -1.0)
        p.set("lap_distance", LENGTH_M * into / LAP_S).set("lap_distance_fraction", into / LAP_S)
        p.set("engine_temp", 90.0)
        for i in range(4):
            p.set(f"tire_temp[{i}].current_temp", 70.0 + self.driven, 80.0 + self.driven, 90.0 + self.driven)
        return p

    def publish(self, page: Page | None) -> None:
        if page is None:
            self.path.unlink(missing_ok=True)
        elif self.path.exists():
            with self.path.open("r+b") as f:
                f.write(page.buf[:HEAD_SIZE])
        else:
            tmp = self.path.with_name(".r3e-writer.tmp")
            tmp.write_bytes(bytes(page.buf[:SIZE]))
            os.replace(tmp, self.path)


def main() -> None:
    directory = Path(sys.argv[1])
    game = Game(directory)
    if len(sys.argv) > 2:
        game.phase = sys.argv[2]
    announced: list[str] = []

    def listen() -> None:
        for line in sys.stdin:
            game.phase = line.strip()

    threading.Thread(target=listen, daemon=True).start()
    period = 1.0 / RATE_HZ
    next_at = time.monotonic()
    while game.phase != "quit":
        phase = game.phase
        game.publish(game.step(period))
        if not announced or announced[-1] != phase:
            announced.append(phase)
            print(f"phase {phase}", flush=True)
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    game.publish(None)


if __name__ == "__main__":
    main()
