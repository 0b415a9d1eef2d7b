"""What the rules share: the hysteresis latch, the warm-up lap counter, robust peaks, wheel names, the event builder."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event, Evidence, Severity
from simcoach.coaching.thresholds import Compound, Thresholds
from simcoach_agent.telemetry import Frame

WHEEL_KEYS: Final = ("fl", "fr", "rl", "rr")
WHEEL_NAMES: Final = ("front left", "front right", "rear left", "rear right")
# A gap in frames this long (the pits skipped, a dropped connection) restarts every hold timer.
MAX_GAP_S: Final = 1.0
# Slow quantities (temperatures, pressures, fuel) are looked at this often, not every frame.
SLOW_TICK_S: Final = 0.2
FLYING: Final[frozenset[Phase]] = frozenset({"flying"})


class Latch:
    """Hysteresis for one condition: hold to fire, clear by a margin to re-arm, then a cooldown.

    ``beyond`` says the value is past the edge; ``cleared`` that it is back
    inside by the margin. Between the two only the hold timer restarts, so a
    value hovering at the edge fires once.
    """

    __slots__ = ("armed", "fired_at", "last_t", "since")

    def __init__(self) -> None:
        self.armed = True
        self.since: float | None = None
        self.last_t = -math.inf
        self.fired_at = -math.inf

    def step(self, t: float, beyond: bool, cleared: bool, hold_s: float, cooldown_s: float) -> bool:
        """True once when the condition has held for hold_s, is armed and out of cooldown."""
        if t - self.last_t > MAX_GAP_S or t < self.last_t:
            self.since = None
        self.last_t = t
        if beyond:
            if self.since is None:
                self.since = t
            if self.armed and t - self.since >= hold_s and t - self.fired_at >= cooldown_s:
                self.armed = False
                self.fired_at = t
                return True
            return False
        self.since = None
        if cleared:
            self.armed = True
        return False

    def can_join(self, t: float, cooldown_s: float) -> bool:
        """Past the edge, armed and out of cooldown: may be told along with a wheel that fires now."""
        return self.since is not None and self.last_t == t and self.armed and t - self.fired_at >= cooldown_s

    def consume(self, t: float) -> None:
        self.armed = False
        self.fired_at = t

    def reset(self) -> None:
        self.armed = True
        self.since = None
        self.last_t = -math.inf
        self.fired_at = -math.inf


class WarmUp:
    """Counts laps started on track since the session start or the last time the car was not on a flying lap.

    Tyres and brakes come up to temperature on the first lap from the pits or
    the start, so cold and low warnings wait for ``laps >= warmup_laps``.
    """

    __slots__ = ("lap", "laps")

    def __init__(self) -> None:
        self.lap: int | None = None
        self.laps = 0

    def update(self, frame: Frame, ctx: RigContext) -> int:
        lap = frame.lap
        if ctx.phase != "flying" or frame.in_pit:
            self.laps = 0
        elif lap is not None and self.lap is not None and lap != self.lap:
            self.laps += 1
        self.lap = lap
        return self.laps

    def reset(self) -> None:
        self.lap = None
        self.laps = 0


def sustained_peak(times: Sequence[float], values: Sequence[float], hold_s: float) -> float | None:
    """The highest value held for at least ``hold_s`` (seconds): over every stretch that long, its lowest value.

    A robust peak: a single-sample spike (a kerb, a sensor glitch, a bad
    line) cannot be it, since the samples around it are lower. None when the
    samples span less than ``hold_s``. ``times`` rise; the cost is a pass over
    the samples per window, done once per braking zone or slide, not per frame.
    """
    n = len(times)
    best: float | None = None
    j = 0
    for i in range(n):
        j = max(j, i)
        while j < n and times[j] - times[i] < hold_s:
            j += 1
        if j == n:
            break
        low = min(values[i : j + 1])
        if best is None or low > best:
            best = low
    return best


def compound_of(ctx: RigContext, fixed: Compound | None, th: Thresholds) -> Compound:
    """The tyre compound: the rule's own setting, else the context's (if the engine keeps one), else the table's."""
    if fixed is not None:
        return fixed
    said = getattr(ctx, "tyre_compound", None)
    if said == "wet":
        return "wet"
    if said == "dry":
        return "dry"
    return th.compound


def wheels_phrase(wheels: Sequence[int], noun: str = "tyre") -> str:
    """'Front left tyre', 'Rear tyres', 'All tyres', 'Front left and rear right tyres'."""
    ws = sorted(wheels)
    if len(ws) == 1:
        return f"{WHEEL_NAMES[ws[0]].capitalize()} {noun}"
    if ws == [0, 1, 2, 3]:
        return f"All {noun}s"
    groups = {(0, 1): "Front", (2, 3): "Rear", (0, 2): "Left", (1, 3): "Right"}
    if len(ws) == 2 and (ws[0], ws[1]) in groups:
        return f"{groups[(ws[0], ws[1])]} {noun}s"
    names = [WHEEL_NAMES[w] for w in ws]
    return f"{', '.join(names[:-1]).capitalize()} and {names[-1]} {noun}s"


def num(value: float, digits: int = 1) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros: 90.5, 93, 26.9."""
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wheel_values(wheels: Sequence[int], values: Sequence[float], unit: str, digits: int = 1) -> str:
    """'RL 93 °C, RR 92.5 °C', or '93 °C' for one wheel."""
    ws = sorted(wheels)
    if len(ws) == 1:
        return f"{num(values[ws[0]], digits)} {unit}"
    return ", ".join(f"{WHEEL_KEYS[w].upper()} {num(values[w], digits)} {unit}" for w in ws)


def event(
    frame: Frame,
    ctx: RigContext,
    kind: str,
    severity: Severity,
    message: str,
    *,
    evidence: Evidence,
    priority: int,
    corner: str | None = None,
    at: Frame | None = None,
) -> Event:
    """An event raised by ``frame``; placed where ``at`` was (a mistake's start), else where the frame is.

    ``corner`` overrides the context's.
    """
    place = at if at is not None else frame
    return Event(
        t=frame.t,
        rig=ctx.rig,
        lap=place.lap,
        lap_dist_m=place.lap_dist_m,
        corner=corner if corner is not None else ctx.corner,
        kind=kind,
        severity=severity,
        message=message,
        evidence=evidence,
        priority=priority,
    )


def where(corner: str | None, preposition: str = "at") -> str:
    """' at Les Combes', or '' where the corner is not known."""
    return f" {preposition} {corner}" if corner else ""
