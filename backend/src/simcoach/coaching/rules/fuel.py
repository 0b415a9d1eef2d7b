"""Fuel: litres per clean lap, laps of fuel left, fuel to add to finish, and a warning when it is tight."""

from __future__ import annotations

import math
import statistics
from typing import ClassVar

from simcoach.coaching.context import ALL_PHASES, Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import MAX_GAP_S, SLOW_TICK_S, Latch, event
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

LiveFuel = dict[str, float | None]


class FuelRule(Rule):
    """Fuel use per lap averaged over the last clean laps, and what it means for the finish.

    A clean lap is a whole flying lap seen from line to line, without the pits
    and without refuelling. Refuelling (the fuel level going up) starts the
    average afresh. Laps to go come from the session's lap count, else from the
    time left and the average lap (the lap running when the clock stops is
    finished). ``live()`` gives the numbers for the dashboard; it sees every
    phase, so that it notices refuelling in the pits, but warns only on track.
    """

    kinds: ClassVar[tuple[str, ...]] = ("fuel_tight",)
    phases: ClassVar[frozenset[Phase]] = ALL_PHASES

    def __init__(self, th: Thresholds) -> None:
        self.avg_laps = int(th.p("fuel_avg_laps"))
        self.margin_laps = th.p("fuel_margin_laps")
        self.refuel_jump = th.p("fuel_refuel_jump_l")
        self.cooldown_s = th.p("fuel_cooldown_s")
        self.tight = Latch()
        self.short = Latch()
        self.reset()

    def reset(self) -> None:
        self.tick_t = -math.inf
        self.low_fuel: float | None = None  # lowest level since the last refuelling
        self.lap: int | None = None
        self.lap_start_fuel: float | None = None
        self.lap_start_t = 0.0
        self.clean = False
        self.used: list[float] = []  # litres per clean lap, oldest first
        self.lap_s: list[float] = []  # times of those laps
        self.tight.reset()
        self.short.reset()
        self._live: LiveFuel = {"fuel_per_lap_l": None, "laps_of_fuel": None, "fuel_to_finish_l": None}
        self.laps_left: float | None = None

    # --- public numbers -------------------------------------------------------

    @property
    def fuel_per_lap_l(self) -> float | None:
        return sum(self.used) / len(self.used) if self.used else None

    def live(self) -> LiveFuel:
        """``fuel_per_lap_l``, ``laps_of_fuel``, ``fuel_to_finish_l`` (litres to add; 0 when enough), or None.

        Updated five times a second; the same dict each time, so read, do not keep.
        """
        return self._live

    # --- rule -------------------------------------------------------------------

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        t = frame.t
        dt = t - self.tick_t
        if 0.0 <= dt < SLOW_TICK_S:
            return []
        self.tick_t = t
        fuel = frame.fuel_l
        if fuel is None:
            return []
        # Refuelling: the level rises above the lowest it has been (games add fuel over a few seconds,
        # so compare with that low point, not the last reading). A new stint, and not a clean lap.
        low = self.low_fuel
        if low is None or fuel < low:
            self.low_fuel = fuel
        elif fuel - low >= self.refuel_jump:
            self.low_fuel = fuel
            self.used.clear()
            self.lap_s.clear()
            self.clean = False
        lap = frame.lap
        if lap != self.lap:
            if (
                self.clean
                and lap is not None
                and self.lap is not None
                and lap == self.lap + 1
                and self.lap_start_fuel is not None
            ):
                used = self.lap_start_fuel - fuel
                if used > 0.0:
                    self.used = [*self.used[-(self.avg_laps - 1) :], used]
                    self.lap_s = [*self.lap_s[-(self.avg_laps - 1) :], t - self.lap_start_t]
            self.lap = lap
            self.lap_start_fuel = fuel
            self.lap_start_t = t
            self.clean = lap is not None
        elif not 0.0 <= dt <= MAX_GAP_S:
            self.clean = False
        if ctx.phase != "flying" or frame.in_pit:
            self.clean = False
        return self._update(frame, ctx, fuel)

    def _update(self, frame: Frame, ctx: RigContext, fuel: float) -> list[Event]:
        per_lap = self.fuel_per_lap_l
        live = self._live
        if per_lap is None or per_lap <= 0.0:
            live["fuel_per_lap_l"] = live["laps_of_fuel"] = live["fuel_to_finish_l"] = None
            self.laps_left = None
            return []
        laps_of_fuel = fuel / per_lap
        laps_left = self._laps_left(frame, ctx)
        self.laps_left = laps_left
        live["fuel_per_lap_l"] = round(per_lap, 3)
        live["laps_of_fuel"] = round(laps_of_fuel, 2)
        if laps_left is None:
            live["fuel_to_finish_l"] = None
            return []
        needed = laps_left * per_lap
        live["fuel_to_finish_l"] = round(max(0.0, needed - fuel), 2)
        if ctx.phase == "pit" or frame.in_pit or laps_left <= 0.0:
            return []
        spare = laps_of_fuel - laps_left
        t = frame.t
        out: list[Event] = []
        evidence: Evidence = {
            "fuel_l": round(fuel, 2),
            "fuel_per_lap_l": round(per_lap, 3),
            "laps_of_fuel": round(laps_of_fuel, 2),
            "laps_to_go": round(laps_left, 2),
            "spare_laps": round(spare, 2),
            "fuel_to_add_l": round(max(0.0, needed - fuel), 2),
            "clean_laps": len(self.used),
        }
        if self.short.step(t, spare < 0.0, spare >= 0.5, 2.0, self.cooldown_s):
            self.tight.consume(t)
            message = (
                f"Not enough fuel to finish: {needed - fuel:.1f} l short "
                f"({fuel:.1f} l for {laps_left:.1f} laps at {per_lap:.2f} l/lap)"
            )
            out.append(event(frame, ctx, "fuel_tight", "critical", message, evidence=evidence, priority=12))
        elif self.tight.step(t, spare < self.margin_laps, spare >= self.margin_laps + 0.5, 2.0, self.cooldown_s):
            message = (
                f"Fuel tight: {fuel:.1f} l for {laps_left:.1f} laps at {per_lap:.2f} l/lap, "
                f"{spare:.1f} laps spare: save fuel"
            )
            out.append(event(frame, ctx, "fuel_tight", "warning", message, evidence=evidence, priority=20))
        return out

    def _laps_left(self, frame: Frame, ctx: RigContext) -> float | None:
        lap = frame.lap
        if lap is None:
            return None
        length = ctx.session.track_length_m if ctx.session is not None else None
        if frame.lap_dist_m is not None and length:
            done = min(1.0, max(0.0, frame.lap_dist_m / length))
        elif frame.track_pos is not None:
            done = frame.track_pos
        else:
            done = 0.0
        total = ctx.session.session_laps if ctx.session is not None else None
        if total is not None:
            return max(0.0, total - (lap - 1) - done)
        time_left = frame.session_time_left_s
        lap_s = self._lap_time(ctx)
        if time_left is None or lap_s is None:
            return None
        this_lap = (1.0 - done) * lap_s
        if time_left <= this_lap:
            return 1.0 - done
        return (1.0 - done) + math.ceil((time_left - this_lap) / lap_s)

    def _lap_time(self, ctx: RigContext) -> float | None:
        """The usual lap: median of the clean laps, else of the session's last laps (shrugs off a pit lap)."""
        if self.lap_s:
            return statistics.median(self.lap_s)
        if ctx.lap_times_s:
            return statistics.median(ctx.lap_times_s[-self.avg_laps :])
        return None
