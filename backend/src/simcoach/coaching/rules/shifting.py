"""Engine and gearbox technique: sitting on the rev limiter, and upshifting early at full throttle."""

from __future__ import annotations

import math
from typing import ClassVar, Final

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import FLYING, MAX_GAP_S, event, where
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

# An upshift shows as the gear going up, then the revs falling at least this much within SHIFT_CONFIRM_S.
SHIFT_DROP: Final = 0.95
SHIFT_CONFIRM_S: Final = 0.5


class ShiftRule(Rule):
    """Over-rev: rpm at ``over_rev_fraction`` of max for longer than ``over_rev_min_s`` (told when it ends).

    Early shift: an upshift at full throttle from under ``early_shift_fraction``
    of max rpm, confirmed by the revs dropping after it.
    """

    kinds: ClassVar[tuple[str, ...]] = ("over_rev", "early_shift")
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds) -> None:
        self.limit_frac = th.p("over_rev_fraction")
        self.limit_s = th.p("over_rev_min_s")
        self.early_frac = th.p("early_shift_fraction")
        self.early_throttle = th.p("early_shift_min_throttle")
        self.cooldown_s = th.p("technique_cooldown_s")
        self.reset()

    def reset(self) -> None:
        self.limiter_since: float | None = None
        self.limiter_last_t = -math.inf
        self.limiter_gear: int | None = None
        self.limiter_peak = 0.0
        self.limiter_start: Frame | None = None
        # Upshift waiting for the revs to drop: time, rpm before, gear before and after.
        self.pending: tuple[float, float, int, int] | None = None
        self.fired = {"over_rev": -math.inf, "early_shift": -math.inf}

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        rpm = frame.rpm
        top = frame.max_rpm
        if rpm is None or top is None or top <= 0.0 or ctx.phase not in self.phases:
            self.limiter_since = None
            self.pending = None
            return []
        t = frame.t
        out: list[Event] = []
        if rpm >= top * self.limit_frac:
            if self.limiter_since is None or t - self.limiter_last_t > MAX_GAP_S:
                self.limiter_since = t
                self.limiter_gear = frame.gear
                self.limiter_peak = rpm
                self.limiter_start = frame
            elif rpm > self.limiter_peak:
                self.limiter_peak = rpm
            self.limiter_last_t = t
        elif self.limiter_since is not None:
            out += self._limiter_ended(frame, ctx, top)
        gear = frame.gear
        if prev is not None and prev.gear is not None and gear is not None and prev.rpm is not None:
            upshift = gear == prev.gear + 1 and prev.gear >= 1
            if upshift:
                throttle = prev.throttle if prev.throttle is not None else 0.0
                early = throttle >= self.early_throttle and prev.rpm < top * self.early_frac
                self.pending = (t, prev.rpm, prev.gear, gear) if early else None
        pending = self.pending
        if pending is not None:
            if t - pending[0] > SHIFT_CONFIRM_S:
                self.pending = None
            elif rpm < pending[1] * SHIFT_DROP:
                self.pending = None
                out += self._early(frame, ctx, top, pending)
        return out

    def _limiter_ended(self, frame: Frame, ctx: RigContext, top: float) -> list[Event]:
        t = frame.t
        since = self.limiter_since
        self.limiter_since = None
        if since is None or t - since < self.limit_s or t - self.fired["over_rev"] < self.cooldown_s:
            return []
        self.fired["over_rev"] = t
        lasted = t - since
        gear = self.limiter_gear
        in_gear = f" in gear {gear}" if gear else ""
        message = f"On the rev limiter for {lasted:.1f} s{in_gear}{where(ctx.corner)}: shift up earlier"
        evidence: Evidence = {
            "limiter_s": round(lasted, 2),
            "peak_rpm": round(self.limiter_peak),
            "max_rpm": round(top),
            "gear": gear,
        }
        return [
            event(
                frame,
                ctx,
                "over_rev",
                "info",
                message,
                evidence=evidence,
                priority=70,
                corner=None,
                at=self.limiter_start,
            )
        ]

    def _early(self, frame: Frame, ctx: RigContext, top: float, pending: tuple[float, float, int, int]) -> list[Event]:
        t = frame.t
        if t - self.fired["early_shift"] < self.cooldown_s:
            return []
        self.fired["early_shift"] = t
        _, shift_rpm, before, after = pending
        message = (
            f"Early upshift {before}→{after} at {shift_rpm:.0f} rpm ({shift_rpm / top:.0%} of {top:.0f}) "
            "at full throttle: hold the gear longer"
        )
        evidence: Evidence = {
            "shift_rpm": round(shift_rpm),
            "max_rpm": round(top),
            "shift_pct_of_max": round(shift_rpm / top * 100.0, 1),
            "early_below_rpm": round(top * self.early_frac),
            "from_gear": before,
            "to_gear": after,
        }
        return [event(frame, ctx, "early_shift", "info", message, evidence=evidence, priority=70)]
