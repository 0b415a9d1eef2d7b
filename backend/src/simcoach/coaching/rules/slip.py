"""Wheel slip: lock-ups under braking and wheelspin under power, where the game reports slip."""

from __future__ import annotations

import math
from typing import ClassVar, Final

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import FLYING, MAX_GAP_S, WHEEL_KEYS, event, sustained_peak, wheels_phrase, where
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

LOCK_PEDAL: Final = 0.2  # braking
SPIN_THROTTLE: Final = 0.3  # under power
SPIN_BRAKE_MAX: Final = 0.1
MIN_SPEED_KMH: Final = 30.0  # slip ratios mean little near standstill


# A slide's reported slip is the highest held for this share of the shortest slide that counts: one noisy
# sample (a kerb, a wheel in the air) is not what the tyre did.
PEAK_HOLD_SHARE: Final = 0.5


class _Run:
    """One stretch of slipping: when it began, where, and its samples (time, worst wheel, slip)."""

    __slots__ = ("corner", "last_t", "since", "start", "times", "values", "wheels")

    def __init__(self) -> None:
        self.since: float | None = None
        self.last_t = -math.inf
        self.corner: str | None = None
        self.start: Frame | None = None
        self.times: list[float] = []
        self.values: list[float] = []
        self.wheels = [0, 0, 0, 0]  # how often each wheel was the worst

    def feed(self, t: float, frame: Frame, ctx: RigContext, wheel: int, value: float) -> None:
        if self.since is None or t - self.last_t > MAX_GAP_S:
            self.since = t
            self.corner = ctx.corner or ctx.next_corner
            self.start = frame
            self.times, self.values, self.wheels = [], [], [0, 0, 0, 0]
        self.times.append(t)
        self.values.append(value)
        self.wheels[wheel] += 1
        self.last_t = t

    def peak(self, hold_s: float) -> tuple[int, float]:
        """The wheel that slid most of the time, and the slip held for ``hold_s`` (robust to a lone spike)."""
        wheel = max(range(4), key=self.wheels.__getitem__)
        held = sustained_peak(self.times, self.values, hold_s)
        if held is None:  # samples too sparse for the window: the middle one is still no spike
            held = sorted(self.values)[len(self.values) // 2] if self.values else 0.0
        return wheel, held

    def end(self, t: float) -> float:
        """How long the run lasted (0 when there was none); forgets it."""
        since = self.since
        self.since = None
        return 0.0 if since is None else t - since


class SlipRule(Rule):
    """Lock-ups and wheelspin from ``wheel_slip`` (game units, read as a slip ratio magnitude).

    A lock-up is a wheel past ``lockup_slip`` under braking while ABS is not
    working (ABS working means no lock). Wheelspin is a wheel past
    ``wheelspin_slip`` under power. Games without slip but with traction
    control report long TC interventions as wheelspin; with neither, silent.
    """

    kinds: ClassVar[tuple[str, ...]] = ("lockup", "wheelspin")
    phases: ClassVar[frozenset[Phase]] = FLYING

    def __init__(self, th: Thresholds) -> None:
        self.lock_slip = th.p("lockup_slip")
        self.lock_s = th.p("lockup_min_s")
        self.spin_slip = th.p("wheelspin_slip")
        self.spin_s = th.p("wheelspin_min_s")
        self.tc_s = th.p("tc_active_min_s")
        self.least = min(self.lock_slip, self.spin_slip)
        self.cooldown_s = th.p("technique_cooldown_s")
        self.lock = _Run()
        self.spin = _Run()
        self.tc = _Run()
        self.reset()

    def reset(self) -> None:
        self.lock.end(0.0)
        self.spin.end(0.0)
        self.tc.end(0.0)
        self.fired = {"lockup": -math.inf, "wheelspin": -math.inf}
        self.idle = True  # no lock-up or wheelspin being timed

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        slip = frame.wheel_slip
        if slip is not None:
            # Slip may be signed (spin one way, lock the other): the size is what counts.
            peak = max(slip)
            low = min(slip)
            peak = max(peak, -low)
            if peak < self.least and self.idle:
                return []  # the usual frame: no wheel anywhere near slipping
        t = frame.t
        v = frame.speed_kmh
        moving = v is not None and v >= MIN_SPEED_KMH and ctx.phase in self.phases
        if slip is None:
            if frame.tc_active and moving:
                self.tc.feed(t, frame, ctx, 2, 0.0)
                return []
            if self.tc.since is None:
                return []
            return self._ended(frame, ctx, "wheelspin", self.tc, min_s=self.tc_s, by_tc=True)
        worst = max(range(4), key=lambda w: abs(slip[w]))
        b = frame.brake or 0.0
        th = frame.throttle or 0.0
        out: list[Event] = []
        if moving and b >= LOCK_PEDAL and frame.abs_active is not True and peak >= self.lock_slip:
            self.lock.feed(t, frame, ctx, worst, peak)
        elif self.lock.since is not None:
            out += self._ended(frame, ctx, "lockup", self.lock, min_s=self.lock_s)
        if moving and th >= SPIN_THROTTLE and b < SPIN_BRAKE_MAX and peak >= self.spin_slip:
            self.spin.feed(t, frame, ctx, worst, peak)
        elif self.spin.since is not None:
            out += self._ended(frame, ctx, "wheelspin", self.spin, min_s=self.spin_s)
        self.idle = self.lock.since is None and self.spin.since is None
        return out

    def _ended(
        self, frame: Frame, ctx: RigContext, kind: str, run: _Run, *, min_s: float, by_tc: bool = False
    ) -> list[Event]:
        t = frame.t
        start, corner = run.start, run.corner
        wheel, peak = run.peak(min_s * PEAK_HOLD_SHARE)
        lasted = run.end(t)
        if lasted < min_s or t - self.fired[kind] < self.cooldown_s or start is None:
            return []
        self.fired[kind] = t
        evidence: Evidence = {"duration_s": round(lasted, 2)}
        if by_tc:
            message = (
                f"Traction control cutting for {lasted:.1f} s{where(corner, 'out of')}: "
                "squeeze the throttle on more gently"
            )
            evidence["tc_active_s"] = round(lasted, 2)
        elif kind == "lockup":
            message = (
                f"{wheels_phrase([wheel])} locking{where(corner, 'into')} for {lasted:.1f} s "
                f"(slip {peak:.2f}): ease the brake pressure as the car slows"
            )
            evidence[f"{WHEEL_KEYS[wheel]}_slip"] = round(peak, 3)
        else:
            message = (
                f"Wheelspin{where(corner, 'out of')} for {lasted:.1f} s ({WHEEL_KEYS[wheel].upper()} slip {peak:.2f}): "
                "squeeze the throttle on more gently"
            )
            evidence[f"{WHEEL_KEYS[wheel]}_slip"] = round(peak, 3)
        priority = 50 if kind == "lockup" else 55
        return [event(frame, ctx, kind, "info", message, evidence=evidence, priority=priority, corner=corner, at=start)]
