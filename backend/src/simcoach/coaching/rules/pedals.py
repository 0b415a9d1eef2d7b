"""Pedal technique: throttle and brake together, and coasting on neither."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import ClassVar

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import FLYING, MAX_GAP_S, event, where
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame


class OverlapRule(Rule):
    """Throttle and brake both pressed past their thresholds for longer than ``overlap_min_s``.

    Told when the overlap ends, with how long it lasted and the most of each
    pedal; once per overlap, and not again within the cooldown.
    """

    kinds: ClassVar[tuple[str, ...]] = ("throttle_brake_overlap",)
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds) -> None:
        self.min_throttle = th.p("overlap_throttle")
        self.min_brake = th.p("overlap_brake")
        self.min_s = th.p("overlap_min_s")
        self.cooldown_s = th.p("technique_cooldown_s")
        self.reset()

    def reset(self) -> None:
        self.since: float | None = None
        self.last_t = -math.inf
        self.fired_t = -math.inf
        self.peak_throttle = self.peak_brake = 0.0
        self.speed = 0.0
        self.corner: str | None = None
        self.start: Frame | None = None

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        th = frame.throttle
        b = frame.brake
        t = frame.t
        both = th is not None and b is not None and th >= self.min_throttle and b >= self.min_brake
        if self.since is not None and (t - self.last_t > MAX_GAP_S or ctx.phase not in self.phases):
            self.since = None  # a gap or a phase change is not an overlap
        if both and ctx.phase in self.phases:
            assert th is not None and b is not None
            if self.since is None:
                self.since = t
                self.peak_throttle, self.peak_brake = th, b
                self.speed = frame.speed_kmh or 0.0
                self.corner = ctx.corner or ctx.next_corner
                self.start = frame
            else:
                self.peak_throttle = max(self.peak_throttle, th)
                self.peak_brake = max(self.peak_brake, b)
            self.last_t = t
            return []
        self.last_t = t
        since = self.since
        if since is None:
            return []
        self.since = None
        lasted = t - since
        if lasted < self.min_s or t - self.fired_t < self.cooldown_s or self.start is None:
            return []
        self.fired_t = t
        message = (
            f"Throttle and brake together for {lasted:.1f} s{where(self.corner, 'into')} "
            f"(throttle {self.peak_throttle:.0%}, brake {self.peak_brake:.0%}): off the throttle before braking"
        )
        evidence: Evidence = {
            "overlap_s": round(lasted, 2),
            "throttle_pct": round(self.peak_throttle * 100.0),
            "brake_pct": round(self.peak_brake * 100.0),
            "speed_kmh": round(self.speed),
        }
        return [
            event(
                frame,
                ctx,
                "throttle_brake_overlap",
                "info",
                message,
                evidence=evidence,
                priority=55,
                corner=self.corner,
                at=self.start,
            )
        ]


class CoastingRule(Rule):
    """Neither pedal at speed for longer than ``coast_min_s`` after braking, or ``lift_min_s`` after a lift.

    A short lift off the throttle before a fast corner is a deliberate tool,
    so lifts get the longer limit, and corners named in ``lift_corners`` (known
    flat-out lifts of a track) none at all. Told when the coast ends.
    """

    kinds: ClassVar[tuple[str, ...]] = ("coasting",)
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds, lift_corners: Iterable[str] = ()) -> None:
        self.pedal_max = th.p("coast_pedal_max")
        self.min_speed = th.p("coast_min_speed_kmh")
        self.coast_s = th.p("coast_min_s")
        self.lift_s = th.p("lift_min_s")
        self.cooldown_s = th.p("technique_cooldown_s")
        self.lift_corners = frozenset(c.casefold() for c in lift_corners)
        self.reset()

    def reset(self) -> None:
        self.since: float | None = None
        self.last_t = -math.inf
        self.fired_t = -math.inf
        self.after_brake = False
        self.last_brake = False  # the last pedal pressed was the brake
        self.speed = 0.0
        self.corner: str | None = None
        self.start: Frame | None = None

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        th = frame.throttle
        b = frame.brake
        v = frame.speed_kmh
        t = frame.t
        if th is None or b is None or v is None:
            self.since = None
            return []
        pedal_max = self.pedal_max
        if self.since is not None and (t - self.last_t > MAX_GAP_S or ctx.phase not in self.phases):
            self.since = None
        self.last_t = t
        if th < pedal_max and b < pedal_max and v >= self.min_speed and ctx.phase in self.phases:
            if self.since is None:
                self.since = t
                self.after_brake = self.last_brake
                self.speed = v
                self.corner = ctx.corner or ctx.next_corner
                self.start = frame
            return []
        if b >= pedal_max:
            self.last_brake = True
        elif th >= pedal_max:
            self.last_brake = False
        since = self.since
        if since is None:
            return []
        self.since = None
        lasted = t - since
        limit = self.coast_s if self.after_brake else self.lift_s
        corner = self.corner
        if lasted < limit or t - self.fired_t < self.cooldown_s or self.start is None:
            return []
        if corner is not None and corner.casefold() in self.lift_corners:
            return []
        self.fired_t = t
        lost = self.speed - v
        if self.after_brake:
            advice = "pick up the throttle as the brake comes off"
        else:
            advice = "lift less, or brake and get back on the throttle"
        speed_text = f"{lost:.0f} km/h lost" if lost >= 0.5 else "no speed lost"
        message = f"Coasting {lasted:.1f} s{where(corner)} on neither pedal ({speed_text}): {advice}"
        evidence: Evidence = {
            "coast_s": round(lasted, 2),
            "speed_kmh": round(self.speed),
            "speed_lost_kmh": round(lost, 1),
            "after_brake": self.after_brake,
        }
        return [
            event(frame, ctx, "coasting", "info", message, evidence=evidence, priority=60, corner=corner, at=self.start)
        ]
