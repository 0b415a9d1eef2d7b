"""Braking technique: a heavy stop's peak deceleration well under the driver's best at the same place."""

from __future__ import annotations

import math
from typing import ClassVar, Final

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import FLYING, MAX_GAP_S, event, sustained_peak, where
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

ZONE_ON: Final = 0.1  # pedal that starts a braking zone
ZONE_OFF: Final = 0.05  # and ends it
FIRM_PEDAL: Final = 0.5  # a heavy stop reaches this much pedal
# Braking zones are told apart by where they start: within this of a known one is the same zone.
SAME_ZONE_M: Final = 80.0
# A stop with more than this share of impossible readings has a sensor to doubt: its other samples too.
MAX_IMPLAUSIBLE_SHARE: Final = 0.1


class BrakingGRule(Rule):
    """Peak deceleration of a heavy stop against the driver's best peak at the same braking zone this session.

    Zones are keyed by where the pedal goes down (lap distance), or by the
    corner ahead where the distance is unknown: a 270 km/h stop and a 150 km/h
    one peak at very different g with downforce, so each zone has its own best.

    A zone's peak is robust: the highest deceleration held for
    ``braking_peak_hold_s``, from plausible samples only (a reading past the
    class's ``plausible_decel_g`` is a spike or a bad sample, and is left out;
    a stop with many of them is not measured at all). A spike is then neither
    reported as a peak nor kept as a best.
    """

    kinds: ClassVar[tuple[str, ...]] = ("braking_g_low",)
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds) -> None:
        self.heavy_speed = th.p("braking_heavy_speed_kmh")
        self.heavy_drop = th.p("braking_heavy_drop_kmh")
        self.drop = th.p("braking_g_drop")
        self.min_gap = th.p("braking_g_min_gap_g")
        self.cooldown_s = th.p("technique_cooldown_s")
        self.hold_s = th.p("braking_peak_hold_s")
        self.plausible = th.p("plausible_decel_g")
        self.reset()

    def reset(self) -> None:
        self.active = False
        self.entry_speed = 0.0
        self.exit_speed = 0.0
        self.times: list[float] = []  # the zone's plausible samples: when, and the deceleration in g
        self.decels: list[float] = []
        self.implausible = 0
        self.max_pedal = 0.0
        self.last_t = -math.inf
        self.start: Frame | None = None
        self.corner: str | None = None
        self.zones: list[tuple[float | None, str | None, float]] = []  # where it starts, corner, best peak g
        self.fired_t = -math.inf

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        b = frame.brake
        t = frame.t
        if not self.active:
            if b is None or b < ZONE_ON or ctx.phase not in self.phases:
                return []
            g = frame.g_lon
            v = frame.speed_kmh
            if g is None or v is None:
                return []
            self.active = True
            self.entry_speed = prev.speed_kmh if prev is not None and prev.speed_kmh is not None else v
            self.exit_speed = v
            self.times, self.decels, self.implausible = [], [], 0
            self._sample(t, -g)
            self.max_pedal = b
            self.last_t = t
            self.start = frame
            self.corner = ctx.corner or ctx.next_corner
            return []
        g = frame.g_lon
        v = frame.speed_kmh
        if b is None or b < ZONE_OFF or g is None or v is None or ctx.phase not in self.phases:
            self.active = False
            return self._zone_done(frame, ctx)
        dt = t - self.last_t
        self.last_t = t
        if not 0.0 <= dt <= MAX_GAP_S:
            self.active = False
            return []
        self._sample(t, -g)
        self.max_pedal = max(self.max_pedal, b)
        self.exit_speed = v
        return []

    def _sample(self, t: float, decel: float) -> None:
        if -self.plausible <= decel <= self.plausible:
            self.times.append(t)
            self.decels.append(decel)
        else:
            self.implausible += 1

    def _zone_done(self, frame: Frame, ctx: RigContext) -> list[Event]:
        start = self.start
        if start is None:
            return []
        entry, exit_ = self.entry_speed, self.exit_speed
        if entry < self.heavy_speed or entry - exit_ < self.heavy_drop or self.max_pedal < FIRM_PEDAL:
            return []
        if self.implausible > MAX_IMPLAUSIBLE_SHARE * (self.implausible + len(self.decels)):
            return []
        peak = sustained_peak(self.times, self.decels, self.hold_s)
        if peak is None or peak <= 0.0:
            return []  # too few plausible samples to know the peak: neither a best nor a comparison
        where_m = start.lap_dist_m
        index = self._zone(where_m, self.corner)
        if index is None:
            self.zones.append((where_m, self.corner, peak))
            return []
        at_m, corner, best = self.zones[index]
        if peak > best:
            self.zones[index] = (at_m, corner, peak)
        t = frame.t
        if peak >= best * (1.0 - self.drop) or best - peak < self.min_gap or t - self.fired_t < self.cooldown_s:
            return []
        self.fired_t = t
        name = self.corner or corner
        message = (
            f"Braking{where(name, 'into')} peaked at {peak:.2f} g, your best there is {best:.2f} g: "
            "hit the pedal harder at the start of the stop"
        )
        evidence: Evidence = {
            "peak_decel_g": round(peak, 2),
            "best_peak_decel_g": round(best, 2),
            "entry_speed_kmh": round(entry),
            "exit_speed_kmh": round(exit_),
            "max_brake_pct": round(self.max_pedal * 100.0),
            "implausible_samples": self.implausible,
        }
        return [
            event(frame, ctx, "braking_g_low", "info", message, evidence=evidence, priority=60, corner=name, at=start)
        ]

    def _zone(self, at_m: float | None, corner: str | None) -> int | None:
        for i, (m, c, _) in enumerate(self.zones):
            if at_m is not None and m is not None:
                if abs(at_m - m) <= SAME_ZONE_M:
                    return i
            elif corner is not None and c == corner:
                return i
        return None
