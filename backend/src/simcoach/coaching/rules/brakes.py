"""Brake rules: disc temperature window (cold into a stop, over the working maximum, critical) and fade."""

from __future__ import annotations

import math
from typing import ClassVar, Final

from simcoach.coaching.context import ON_TRACK, Phase, RigContext
from simcoach.coaching.events import Event, Evidence, Severity
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import (
    MAX_GAP_S,
    SLOW_TICK_S,
    WHEEL_KEYS,
    Latch,
    WarmUp,
    event,
    wheel_values,
    wheels_phrase,
    where,
)
from simcoach.coaching.thresholds import Thresholds
from simcoach_agent.telemetry import Frame

# A stop starts when the pedal passes this: the disc temperature then is the one the pads meet.
STOP_PEDAL: Final = 0.3
# Deceleration per unit of pedal is learnt and compared in speed bands this wide: downforce and drag
# make the same pedal slow the car harder at speed.
FADE_BAND_KMH: Final = 40.0
FADE_BANDS: Final = 8
FADE_MIN_SPEED_KMH: Final = 80.0
FADE_LEARN_RATE: Final = 0.05


class BrakeTempRule(Rule):
    """Discs over the working maximum or critical (any wheel), and front discs cold into heavy stops.

    Cold is judged where it matters, as the pedal goes down from speed, on the
    fronts, which do most of the stopping (rear discs of GT and sports cars run
    well below the fronts); it fires after ``brake_cold_stops`` such stops in
    a row, past the warm-up lap.
    """

    kinds: ClassVar[tuple[str, ...]] = ("brake_temp_cold", "brake_temp_hot", "brake_temp_critical")
    phases: ClassVar[frozenset[Phase]] = ON_TRACK

    def __init__(self, th: Thresholds) -> None:
        self.window = th.brake_temp_c
        self.hold_s = th.p("brake_temp_hold_s")
        self.cooldown_s = th.p("brake_temp_cooldown_s")
        self.cold_speed = th.p("brake_cold_min_speed_kmh")
        self.cold_stops = th.p("brake_cold_stops")
        self.warmup_laps = th.p("warmup_laps")
        self.hot = [Latch() for _ in range(4)]
        self.critical = [Latch() for _ in range(4)]
        self.warmup = WarmUp()
        self.reset()

    def reset(self) -> None:
        for latch in (*self.hot, *self.critical):
            latch.reset()
        self.warmup.reset()
        self.tick_t = -math.inf
        self.cold_streak = 0
        self.cold_armed = True
        self.cold_fired_t = -math.inf
        self.laps = 0

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        window = self.window
        temps = frame.brake_temp_c
        if window is None or temps is None or ctx.phase not in self.phases:
            return []
        out: list[Event] = []
        b = frame.brake
        # Every frame, cheaply: the moment the pedal goes down.
        if (
            b is not None
            and b >= STOP_PEDAL
            and prev is not None
            and prev.brake is not None
            and prev.brake < STOP_PEDAL
        ):
            self._stop(out, frame, ctx, temps)
        t = frame.t
        if 0.0 <= t - self.tick_t < SLOW_TICK_S:
            return out
        self.tick_t = t
        self.laps = self.warmup.update(frame, ctx)
        if window.critical_above is not None:
            self._over(
                out, frame, ctx, temps, latches=self.critical, edge=window.critical_above, kind="brake_temp_critical"
            )
        if window.hot_above is not None:
            self._over(out, frame, ctx, temps, latches=self.hot, edge=window.hot_above, kind="brake_temp_hot")
        return out

    def _over(
        self,
        out: list[Event],
        frame: Frame,
        ctx: RigContext,
        temps: tuple[float, float, float, float],
        *,
        latches: list[Latch],
        edge: float,
        kind: str,
    ) -> None:
        assert self.window is not None
        t = frame.t
        margin = self.window.margin
        fired = [
            w
            for w in range(4)
            if latches[w].step(t, temps[w] > edge, temps[w] < edge - margin, self.hold_s, self.cooldown_s)
        ]
        if not fired:
            return
        for w in range(4):
            if w not in fired and latches[w].can_join(t, self.cooldown_s):
                latches[w].consume(t)
                fired.append(w)
        fired.sort()
        if kind == "brake_temp_critical":
            # Critical says more than hot: no hot warning for these wheels until they have cooled.
            for w in fired:
                self.hot[w].consume(t)
        values = wheel_values(fired, temps, "°C", 0)
        severity: Severity
        if kind == "brake_temp_critical":
            message = f"{wheels_phrase(fired, 'brake')} critical: {values} (over {edge:g} °C): ease off, brake earlier"
            severity, priority = "critical", 10
        else:
            message = (
                f"{wheels_phrase(fired, 'brake')} over the working maximum: {values} (window {self.window.describe()})"
            )
            severity, priority = "warning", 30
        evidence: Evidence = {
            "edge_c": edge,
            "window_lo_c": self.window.optimal[0],
            "window_hi_c": self.window.optimal[1],
        }
        for w in fired:
            evidence[f"{WHEEL_KEYS[w]}_brake_temp_c"] = round(temps[w])
        out.append(event(frame, ctx, kind, severity, message, evidence=evidence, priority=priority))

    def _stop(self, out: list[Event], frame: Frame, ctx: RigContext, temps: tuple[float, float, float, float]) -> None:
        assert self.window is not None
        edge = self.window.cold_below
        v = frame.speed_kmh
        if edge is None or v is None or v < self.cold_speed or ctx.phase != "flying" or self.laps < self.warmup_laps:
            return
        front = min(temps[0], temps[1])
        if front >= edge + self.window.margin:
            self.cold_streak = 0
            self.cold_armed = True
            return
        if front >= edge:
            self.cold_streak = 0
            return
        self.cold_streak += 1
        t = frame.t
        if self.cold_armed and self.cold_streak >= self.cold_stops and t - self.cold_fired_t >= self.cooldown_s:
            self.cold_armed = False
            self.cold_fired_t = t
            corner = ctx.corner or ctx.next_corner
            fired = [w for w in (0, 1) if temps[w] < edge]
            message = (
                f"{wheels_phrase(fired, 'brake')} cold{where(corner, 'into')}: {wheel_values(fired, temps, '°C', 0)} "
                f"(window {self.window.describe()}): less brake duct, or lean on them a little earlier"
            )
            evidence: Evidence = {
                "edge_c": edge,
                "speed_kmh": round(v),
                "stops": self.cold_streak,
            }
            for w in (0, 1):
                evidence[f"{WHEEL_KEYS[w]}_brake_temp_c"] = round(temps[w])
            out.append(
                event(frame, ctx, "brake_temp_cold", "info", message, evidence=evidence, priority=50, corner=corner)
            )


class BrakeFadeRule(Rule):
    """Fade: discs over the fade temperature while the car slows less than usual for the same pedal.

    Measured as deceleration per unit of pedal in firm stops, learnt per speed
    band while the discs are in their window, and compared when they are over
    ``brake_fade_above_c``. Both numbers go in the evidence. Readings past the
    class's ``plausible_decel_g`` are left out of both.
    """

    kinds: ClassVar[tuple[str, ...]] = ("brake_fade",)
    phases: ClassVar[frozenset[Phase]] = ON_TRACK

    def __init__(self, th: Thresholds) -> None:
        window = th.brake_temp_c
        self.cold_edge = window.cold_below if window and window.cold_below is not None else -math.inf
        self.margin = window.margin if window else 0.0
        self.fade_above = th.p("brake_fade_above_c")
        self.drop = th.p("brake_fade_drop")
        self.min_pedal = th.p("brake_fade_min_pedal")
        self.hold_s = th.p("brake_fade_hold_s")
        self.min_samples = th.p("brake_fade_min_samples")
        self.cooldown_s = th.p("brake_temp_cooldown_s")
        self.plausible = th.p("plausible_decel_g")
        self.latch = Latch()
        self.reset()

    def reset(self) -> None:
        self.usual = [0.0] * FADE_BANDS
        self.samples = [0] * FADE_BANDS
        self.latch.reset()

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        b = frame.brake
        if b is None or b < self.min_pedal:
            return []
        g = frame.g_lon
        v = frame.speed_kmh
        temps = frame.brake_temp_c
        if g is None or v is None or temps is None or v < FADE_MIN_SPEED_KMH or ctx.phase not in self.phases:
            return []
        if not -self.plausible <= g <= self.plausible:
            return []  # a spike or a bad sample: it must not teach the usual deceleration nor look like fade
        if prev is not None and frame.t - prev.t > MAX_GAP_S:
            return []
        per_pedal = -g / b
        band = min(int(v / FADE_BAND_KMH), FADE_BANDS - 1)
        hottest = max(temps)
        t = frame.t
        if hottest < self.fade_above:
            if hottest >= self.cold_edge:
                n = self.samples[band]
                # A plain mean for the first samples, then a slow moving average that follows pad wear.
                rate = 1.0 / (n + 1) if n < 1.0 / FADE_LEARN_RATE else FADE_LEARN_RATE
                self.usual[band] += (per_pedal - self.usual[band]) * rate
                self.samples[band] = n + 1
            self.latch.step(t, False, hottest < self.fade_above - self.margin, self.hold_s, self.cooldown_s)
            return []
        if self.samples[band] < self.min_samples:
            return []
        usual = self.usual[band]
        fading = per_pedal < usual * (1.0 - self.drop)
        if not self.latch.step(t, fading, False, self.hold_s, self.cooldown_s):
            return []
        drop = 1.0 - per_pedal / usual
        corner = ctx.corner or ctx.next_corner
        message = (
            f"Brake fade{where(corner, 'into')}: {per_pedal:.2f} g per full pedal at {v:.0f} km/h, "
            f"usually {usual:.2f} g ({drop:.0%} less), discs at {hottest:.0f} °C: cool the brakes"
        )
        evidence: Evidence = {
            "decel_g": round(-g, 2),
            "brake_pedal_pct": round(b * 100.0),
            "decel_per_pedal_g": round(per_pedal, 2),
            "usual_decel_per_pedal_g": round(usual, 2),
            "drop_pct": round(drop * 100.0, 1),
            "brake_temp_c": round(hottest),
            "speed_kmh": round(v),
        }
        return [event(frame, ctx, "brake_fade", "warning", message, evidence=evidence, priority=15, corner=corner)]
