"""Tyre rules: core temperature window per wheel, hot pressures per lap, and air loss."""

from __future__ import annotations

import math
from typing import ClassVar

from simcoach.coaching.context import ON_TRACK, Phase, RigContext
from simcoach.coaching.events import Event, Evidence, Severity
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.common import (
    MAX_GAP_S,
    SLOW_TICK_S,
    WHEEL_KEYS,
    WHEEL_NAMES,
    Latch,
    WarmUp,
    compound_of,
    event,
    wheel_values,
    wheels_phrase,
)
from simcoach.coaching.thresholds import Compound, Thresholds, Window
from simcoach_agent.telemetry import Frame


class TyreTempRule(Rule):
    """Cold, hot and critical core temperatures, per wheel, against the class's window.

    Hot and cold look at a moving average (the core swings ~10 °C through a
    lap as corners load a tyre); critical looks at the raw reading. Cold waits
    for the warm-up lap and a flying lap. Wheels that cross together are told
    in one message.
    """

    kinds: ClassVar[tuple[str, ...]] = ("tyre_temp_cold", "tyre_temp_hot", "tyre_temp_critical")
    phases: ClassVar[frozenset[Phase]] = ON_TRACK

    def __init__(self, th: Thresholds, compound: Compound | None = None) -> None:
        self.th = th
        self.compound = compound
        self.tau_s = th.p("tyre_temp_smoothing_s")
        self.hold_s = th.p("tyre_temp_hold_s")
        self.critical_hold_s = th.p("tyre_temp_critical_hold_s")
        self.cooldown_s = th.p("tyre_temp_cooldown_s")
        self.warmup_laps = th.p("warmup_laps")
        self.latches = {kind: [Latch() for _ in range(4)] for kind in self.kinds}
        self.warmup = WarmUp()
        self.avg: list[float] | None = None
        self.tick_t = -math.inf

    def reset(self) -> None:
        for latches in self.latches.values():
            for latch in latches:
                latch.reset()
        self.warmup.reset()
        self.avg = None
        self.tick_t = -math.inf

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        t = frame.t
        dt = t - self.tick_t
        if 0.0 <= dt < SLOW_TICK_S:
            return []
        self.tick_t = t
        temps = frame.tyre_temp_c
        if temps is None or ctx.phase not in self.phases:
            self.avg = None
            return []
        laps = self.warmup.update(frame, ctx)
        avg = self.avg
        if avg is None or not 0.0 <= dt <= MAX_GAP_S:
            avg = self.avg = list(temps)
        else:
            a = min(1.0, dt / self.tau_s)
            for w in range(4):
                avg[w] += (temps[w] - avg[w]) * a
        window = self.th.tyre_temp(compound_of(ctx, self.compound, self.th))
        if window is None:
            return []
        out: list[Event] = []
        if window.critical_above is not None:
            edge = window.critical_above
            self._check(
                out,
                frame,
                ctx,
                window,
                kind="tyre_temp_critical",
                values=temps,
                raw=temps,
                edge=edge,
                above=True,
                hold_s=self.critical_hold_s,
            )
        if window.hot_above is not None:
            edge = window.hot_above
            self._check(
                out,
                frame,
                ctx,
                window,
                kind="tyre_temp_hot",
                values=avg,
                raw=temps,
                edge=edge,
                above=True,
                hold_s=self.hold_s,
            )
        if window.cold_below is not None:
            cold_ok = ctx.phase == "flying" and laps >= self.warmup_laps
            edge = window.cold_below
            self._check(
                out,
                frame,
                ctx,
                window,
                kind="tyre_temp_cold",
                values=avg,
                raw=temps,
                edge=edge,
                above=False,
                hold_s=self.hold_s,
                allowed=cold_ok,
            )
        return out

    def _check(
        self,
        out: list[Event],
        frame: Frame,
        ctx: RigContext,
        window: Window,
        *,
        kind: str,
        values: list[float] | tuple[float, float, float, float],
        raw: tuple[float, float, float, float],
        edge: float,
        above: bool,
        hold_s: float,
        allowed: bool = True,
    ) -> None:
        t = frame.t
        margin = window.margin
        latches = self.latches[kind]
        fired: list[int] = []
        for w in range(4):
            v = values[w]
            if above:
                beyond, cleared = v > edge, v < edge - margin
            else:
                beyond, cleared = v < edge, v > edge + margin
            if latches[w].step(t, beyond and allowed, cleared, hold_s, self.cooldown_s):
                fired.append(w)
        if not fired:
            return
        for w in range(4):
            if w not in fired and latches[w].can_join(t, self.cooldown_s):
                latches[w].consume(t)
                fired.append(w)
        fired.sort()
        if kind == "tyre_temp_critical":
            # Critical says more than hot: no hot warning for these wheels until they have cooled.
            for w in fired:
                self.latches["tyre_temp_hot"][w].consume(t)
        shown = [round(v, 1) for v in values]
        severity: Severity
        if kind == "tyre_temp_critical":
            message = (
                f"{wheels_phrase(fired)} overheating: {wheel_values(fired, shown, '°C')} (critical over {edge:g} °C)"
            )
            severity, priority = "critical", 10
        elif kind == "tyre_temp_hot":
            message = f"{wheels_phrase(fired)} hot: {wheel_values(fired, shown, '°C')} (window {window.describe()})"
            severity, priority = "warning", 35
        else:
            message = f"{wheels_phrase(fired)} cold: {wheel_values(fired, shown, '°C')} (window {window.describe()})"
            severity, priority = "warning", 40
        evidence: Evidence = {"window_lo_c": window.optimal[0], "window_hi_c": window.optimal[1], "edge_c": edge}
        for w in fired:
            evidence[f"{WHEEL_KEYS[w]}_temp_c"] = round(values[w], 1)
            evidence[f"{WHEEL_KEYS[w]}_now_temp_c"] = round(raw[w], 1)
        if kind != "tyre_temp_critical":
            evidence["averaged_over_s"] = self.tau_s
        out.append(event(frame, ctx, kind, severity, message, evidence=evidence, priority=priority))


class TyrePressureRule(Rule):
    """Hot pressures against the class's window (lap averages of flying laps), and a tyre losing air.

    A pressure is a set-up number: it is judged on whole flying laps, fires
    after ``tyre_pressure_hold_laps`` laps in a row out of the window, says how
    much to change at the next stop, and re-arms only when a lap's average is
    back inside by the margin. Air loss compares the two tyres of an axle
    live, in any phase on track.
    """

    kinds: ClassVar[tuple[str, ...]] = ("tyre_pressure_low", "tyre_pressure_high", "tyre_pressure_critical")
    phases: ClassVar[frozenset[Phase]] = ON_TRACK

    def __init__(self, th: Thresholds, compound: Compound | None = None) -> None:
        self.th = th
        self.compound = compound
        self.hold_laps = th.p("tyre_pressure_hold_laps")
        self.warmup_laps = th.p("warmup_laps")
        self.puncture_gap = th.p("puncture_axle_gap_psi")
        self.puncture_hold_s = th.p("tyre_pressure_critical_hold_s")
        self.cooldown_s = th.p("tyre_temp_cooldown_s")
        self.warmup = WarmUp()
        self.puncture = [Latch() for _ in range(4)]
        self.reset()

    def reset(self) -> None:
        self.warmup.reset()
        for latch in self.puncture:
            latch.reset()
        self.tick_t = -math.inf
        self.lap: int | None = None
        self.sums = [0.0, 0.0, 0.0, 0.0]
        self.sum_t = 0.0
        self.lap_start_t: float | None = None
        self.clean = False
        # Per wheel and direction: laps in a row out of the window, whether a warning may fire.
        self.streak = {"low": [0] * 4, "high": [0] * 4}
        self.armed = {"low": [True] * 4, "high": [True] * 4}
        self.history: list[tuple[int, list[float]]] = []

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        t = frame.t
        dt = t - self.tick_t
        if 0.0 <= dt < SLOW_TICK_S:
            return []
        self.tick_t = t
        p = frame.tyre_pressure_psi
        if p is None or ctx.phase not in self.phases:
            self.clean = False
            return []
        out: list[Event] = []
        self._puncture(out, frame, ctx, p)
        lap = frame.lap
        laps = self.warmup.update(frame, ctx)
        if laps == 0 and self.history:
            # Off a flying lap (the pits, most likely new tyres): earlier laps say nothing about these.
            self.streak = {"low": [0] * 4, "high": [0] * 4}
            self.armed = {"low": [True] * 4, "high": [True] * 4}
            self.history = []
        if lap != self.lap:
            if lap is not None and self.lap is not None and lap == self.lap + 1 and self.clean:
                self._lap_done(out, frame, ctx, lap=self.lap, laps=laps, t=t)
            self.lap = lap
            self.sums = [0.0, 0.0, 0.0, 0.0]
            self.sum_t = 0.0
            self.lap_start_t = t
            self.clean = lap is not None
        elif not 0.0 <= dt <= MAX_GAP_S:
            self.clean = False
        if ctx.phase != "flying" or frame.in_pit:
            self.clean = False
        elif self.clean and 0.0 <= dt <= MAX_GAP_S:
            s = self.sums
            for w in range(4):
                s[w] += p[w] * dt
            self.sum_t += dt
        return out

    def _lap_done(self, out: list[Event], frame: Frame, ctx: RigContext, *, lap: int, laps: int, t: float) -> None:
        # The lap just finished must be past the warm-up and covered nearly whole.
        lap_s = t - (self.lap_start_t if self.lap_start_t is not None else t)
        if laps < self.warmup_laps + 1 or lap_s <= 0.0 or self.sum_t < 0.9 * lap_s:
            return
        window = self.th.tyre_pressure(compound_of(ctx, self.compound, self.th))
        averages = [s / self.sum_t for s in self.sums]
        self.history = [*self.history[-4:], (lap, averages)]
        if window is None:
            return
        lo, hi = window.optimal
        low_edge = window.cold_below if window.cold_below is not None else lo
        high_edge = window.hot_above if window.hot_above is not None else hi
        for direction in ("low", "high"):
            fired: list[int] = []
            for w in range(4):
                v = averages[w]
                if direction == "low":
                    beyond, cleared = v < low_edge, v >= low_edge + window.margin
                else:
                    beyond, cleared = v > high_edge, v <= high_edge - window.margin
                streak, armed = self.streak[direction], self.armed[direction]
                if beyond:
                    streak[w] += 1
                    if armed[w] and streak[w] >= self.hold_laps:
                        armed[w] = False
                        fired.append(w)
                else:
                    streak[w] = 0
                    if cleared:
                        armed[w] = True
            if fired:
                out.append(self._pressure_event(frame, ctx, window, direction=direction, wheels=fired, lap=lap))

    def _pressure_event(
        self, frame: Frame, ctx: RigContext, window: Window, *, direction: str, wheels: list[int], lap: int
    ) -> Event:
        n = int(self.hold_laps)
        recent = [a for _, a in self.history[-n:]]
        mean = [sum(a[w] for a in recent) / len(recent) for w in range(4)]
        target = (window.optimal[0] + window.optimal[1]) / 2.0
        first = self.history[-len(recent)][0]
        laps_text = f"lap {lap}" if first == lap else f"laps {first}-{lap}"
        shown = [round(v, 1) for v in mean]
        change = [round(abs(mean[w] - target), 1) for w in wheels]
        more_less = "less" if direction == "high" else "more"
        amount = f"{change[0]:.1f} psi" if len(set(change)) == 1 else f"{min(change):.1f}-{max(change):.1f} psi"
        message = (
            f"{wheels_phrase(wheels)} pressure {direction}: {wheel_values(wheels, shown, 'psi', 1)} "
            f"over {laps_text} (window {window.describe()}): about {amount} {more_less} at the next stop"
        )
        evidence: Evidence = {
            "window_lo_psi": window.optimal[0],
            "window_hi_psi": window.optimal[1],
            "laps": len(recent),
        }
        for w in wheels:
            evidence[f"{WHEEL_KEYS[w]}_pressure_psi"] = round(mean[w], 2)
            evidence[f"{WHEEL_KEYS[w]}_change_psi"] = round(target - mean[w], 2)
        kind = f"tyre_pressure_{direction}"
        return event(frame, ctx, kind, "info", message, evidence=evidence, priority=45)

    def _puncture(self, out: list[Event], frame: Frame, ctx: RigContext, p: tuple[float, ...]) -> None:
        t = frame.t
        gap = self.puncture_gap
        for a, b in ((0, 1), (2, 3)):
            diff = p[a] - p[b]
            for w, other, d in ((b, a, diff), (a, b, -diff)):
                if self.puncture[w].step(t, d >= gap, d < gap / 2.0, self.puncture_hold_s, self.cooldown_s):
                    message = (
                        f"{wheels_phrase([w])} losing air: {p[w]:.1f} psi, {d:.1f} psi below the "
                        f"{WHEEL_NAMES[other]}: check for a puncture"
                    )
                    evidence: Evidence = {
                        f"{WHEEL_KEYS[w]}_pressure_psi": round(p[w], 2),
                        f"{WHEEL_KEYS[other]}_pressure_psi": round(p[other], 2),
                        "gap_psi": round(d, 2),
                    }
                    out.append(
                        event(frame, ctx, "tyre_pressure_critical", "critical", message, evidence=evidence, priority=5)
                    )
