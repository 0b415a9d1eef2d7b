"""Steering technique: abrupt inputs at speed."""

from __future__ import annotations

import math
from typing import ClassVar, Final

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import FLYING, event, where
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

# Frames further apart than this say nothing about how fast the wheel turned.
MAX_STEP_S: Final = 0.2


class AbruptSteeringRule(Rule):
    """Steering speed (fractions of full lock a second, smoothed) past ``steer_rate_max_per_s`` at speed.

    The frame's steering is -1..1 of the car's lock, so the rate is in lock per
    second; the smoothing filters sensor noise at high frame rates. Re-arms
    when the rate falls under half the limit.
    """

    kinds: ClassVar[tuple[str, ...]] = ("abrupt_steering",)
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds) -> None:
        self.max_rate = th.p("steer_rate_max_per_s")
        self.min_speed = th.p("steer_min_speed_kmh")
        self.tau_s = th.p("steer_smoothing_s")
        self.cooldown_s = th.p("technique_cooldown_s")
        self.reset()

    def reset(self) -> None:
        self.rate = 0.0
        self.armed = True
        self.fired_t = -math.inf

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        s = frame.steering
        if s is None or prev is None or prev.steering is None:
            self.rate = 0.0
            return []
        t = frame.t
        dt = t - prev.t
        if not 0.0 < dt <= MAX_STEP_S:
            self.rate = 0.0
            return []
        a = dt / self.tau_s
        rate = self.rate + ((s - prev.steering) / dt - self.rate) * (a if a < 1.0 else 1.0)
        self.rate = rate
        mag = rate if rate >= 0.0 else -rate
        if mag < self.max_rate:
            if mag < 0.5 * self.max_rate:
                self.armed = True
            return []
        v = frame.speed_kmh
        if v is None or v < self.min_speed or not self.armed or ctx.phase not in self.phases:
            return []
        self.armed = False
        if t - self.fired_t < self.cooldown_s:
            return []
        self.fired_t = t
        message = (
            f"Abrupt steering at {v:.0f} km/h{where(ctx.corner)}: the wheel moved at {mag:.1f}× full lock a second; "
            "smoother hands keep the car settled"
        )
        evidence: Evidence = {
            "steering_rate_lock_per_s": round(mag, 2),
            "limit_lock_per_s": self.max_rate,
            "speed_kmh": round(v),
            "steering": round(s, 3),
        }
        return [event(frame, ctx, "abrupt_steering", "info", message, evidence=evidence, priority=65)]
