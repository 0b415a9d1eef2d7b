"""Corners found in a lap trace: where the car turns hard or slows to a minimum, named from a track file.

How a corner is found (all on the 1 m trace of the reference lap):

1. The lateral signal: ``g_lat`` when the game gives it, else the curvature of
   the x/y path times speed squared, else steering times speed squared. Only
   its shape matters: thresholds are fractions of the lap's 98th percentile.
2. Turning runs: stretches where the smoothed signal stays above 35 % of that
   level in one direction, kept when they peak above 60 % (hysteresis, so a
   kink taken at half the grip is a straight) and last 20 m or more.
3. Speed minima that drop and recover by 8 km/h (and 4 %) or more: one that
   lies in no run becomes a run of its own (a slow corner with little g).
4. Apex: the slowest point of a run that has a speed minimum, else the centre
   of its lateral load (a flat-out sweep has no minimum).
5. Naming: with a track file, each run takes the named corner whose
   entry..exit window (widened by 25 m) it overlaps most, or whose apex is
   within 60 m; runs that share a name become one corner (a chicane, a double
   apex). Runs left over, and every run on an unknown track, are merged when
   they are a chicane (opposite directions less than 25 m apart) or one corner
   in two bites (same direction, less than 30 m apart). A corner that has no
   name is "Turn N", N its place in the lap; no name is ever guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from simcoach.coaching.trace import FloatArray, LapTrace
from simcoach.tracks.loader import NamedCorner, TrackInfo

SMOOTH_M: Final = 15  # moving average of the lateral signal, metres
RUN_ON: Final = 0.6  # share of the lap's high lateral level a run must reach
RUN_HOLD: Final = 0.35  # share below which a run ends
MIN_RUN_M: Final = 20
MIN_DROP_KMH: Final = 8.0  # a speed minimum must fall and recover by this much...
MIN_DROP_SHARE: Final = 0.04  # ...and by this share of the speed
LONE_MINIMUM_HALF_M: Final = 30  # the run made around a speed minimum that lies in no run
NAME_TOLERANCE_M: Final = 25.0
NAME_APEX_WINDOW_M: Final = 60.0
CHICANE_GAP_M: Final = 25
SAME_WAY_GAP_M: Final = 30


@dataclass(frozen=True, slots=True)
class Corner:
    number: int  # 1-based, in lap order
    name: str  # the track file's name, or "Turn N"
    named: bool
    entry_m: float
    apex_m: float
    exit_m: float
    direction: str  # "left" or "right" at the apex

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "name": self.name,
            "entry_m": self.entry_m,
            "apex_m": self.apex_m,
            "exit_m": self.exit_m,
            "direction": self.direction,
        }


@dataclass(slots=True)
class _Run:
    start: int
    end: int
    sign: float
    apex: int
    slow: bool  # has a speed minimum
    name: NamedCorner | None = None


def _smooth(x: FloatArray, width: int) -> FloatArray:
    if len(x) < width:
        return x.copy()
    kernel = np.ones(width) / width
    padded = np.concatenate((np.full(width, x[0]), x, np.full(width, x[-1])))
    out: FloatArray = np.convolve(padded, kernel, mode="same")[width:-width]
    return out


def _filled(x: FloatArray) -> FloatArray | None:
    """NaNs filled by interpolation; None when there is too little of the channel."""
    ok = np.isfinite(x)
    if ok.sum() < 0.9 * len(x):
        return None
    if ok.all():
        return x
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def speed_kmh(trace: LapTrace) -> FloatArray:
    """Speed per metre: the channel, or from the time taken over each metre."""
    v = _filled(trace.channel("speed_kmh"))
    if v is not None:
        return v
    dt = np.diff(trace.time_s, append=trace.time_s[-1] + (trace.time_s[-1] - trace.time_s[-2]))
    return 3.6 / np.maximum(dt, 1e-3)


def lateral(trace: LapTrace, v_kmh: FloatArray) -> FloatArray:
    """A signal proportional to lateral acceleration, signed (positive right)."""
    g = _filled(trace.channel("g_lat"))
    if g is not None:
        return g
    v2 = (v_kmh / 3.6) ** 2
    x, y = _filled(trace.channel("x")), _filled(trace.channel("y"))
    if x is not None and y is not None and np.ptp(x) + np.ptp(y) > 10.0:
        heading = np.unwrap(np.arctan2(np.gradient(_smooth(y, 5)), np.gradient(_smooth(x, 5))))
        # Heading measured counter-clockwise: turning right makes it fall, so right is positive with a minus.
        curvature = -np.gradient(_smooth(heading, 9))
        return curvature * v2
    steer = _filled(trace.channel("steering"))
    if steer is not None:
        return steer * v2
    return np.zeros(len(v_kmh))


def _minima(v: FloatArray) -> list[int]:
    """Indices of speed minima with a fall before and a rise after of at least the threshold (zig-zag)."""
    out: list[int] = []
    values = v.tolist()
    lo_i, hi_v = 0, values[0]
    lo_v = values[0]
    falling = False
    for i, x in enumerate(values):
        need = max(MIN_DROP_KMH, MIN_DROP_SHARE * x)
        if falling:
            if x < lo_v:
                lo_v, lo_i = x, i
            elif x - lo_v >= need:
                out.append(lo_i)
                falling, hi_v = False, x
        elif x > hi_v:
            hi_v = x
        elif hi_v - x >= need:
            falling, lo_v, lo_i = True, x, i
    return out


def _runs(lat: FloatArray) -> list[tuple[int, int, float]]:
    level = float(np.percentile(np.abs(lat), 98))
    if level <= 0.0:
        return []
    on, hold = RUN_ON * level, RUN_HOLD * level
    runs: list[tuple[int, int, float]] = []
    sign = np.sign(lat)
    above = np.abs(lat) >= hold
    i, n = 0, len(lat)
    while i < n:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and above[j + 1] and sign[j + 1] == sign[i]:
            j += 1
        if j - i + 1 >= MIN_RUN_M and float(np.max(np.abs(lat[i : j + 1]))) >= on:
            runs.append((i, j, float(sign[i])))
        i = j + 1
    return runs


def detect_corners(trace: LapTrace, track: TrackInfo | None = None) -> list[Corner]:
    """The corners of a lap (a whole-lap trace from 0 m), in lap order."""
    v = speed_kmh(trace)
    lat = _smooth(lateral(trace, v), SMOOTH_M)
    minima = _minima(v)
    runs: list[_Run] = []
    for start, end, sign in _runs(lat):
        inside = [m for m in minima if start - 20 <= m <= end + 20]
        if inside:
            apex, slow = min(inside, key=lambda m: v[m]), True
        else:
            weight = np.abs(lat[start : end + 1])
            apex, slow = start + round(float(np.sum(weight * np.arange(len(weight))) / np.sum(weight))), False
        runs.append(_Run(start, end, sign, apex, slow))
    for m in minima:
        if not any(r.start - 20 <= m <= r.end + 20 for r in runs):
            sign = float(np.sign(lat[m])) or 1.0
            runs.append(_Run(max(0, m - LONE_MINIMUM_HALF_M), min(len(v) - 1, m + LONE_MINIMUM_HALF_M), sign, m, True))
    runs.sort(key=lambda r: r.start)
    if track is not None and track.corners:
        for run in runs:
            run.name = _name_for(run, trace.start_m, track.corners)
    groups = _group(runs, v)
    corners: list[Corner] = []
    for number, group in enumerate(groups, start=1):
        slowest = min(group, key=lambda r: v[r.apex])
        named = group[0].name
        offset = trace.start_m
        corners.append(
            Corner(
                number=number,
                name=named.name if named is not None else f"Turn {number}",
                named=named is not None,
                entry_m=offset + min(r.start for r in group),
                apex_m=offset + slowest.apex,
                exit_m=offset + max(r.end for r in group),
                direction="right" if slowest.sign > 0 else "left",
            )
        )
    return corners


def _name_for(run: _Run, offset: float, named: tuple[NamedCorner, ...]) -> NamedCorner | None:
    start, end, apex = run.start + offset, run.end + offset, run.apex + offset
    best: NamedCorner | None = None
    best_overlap = 0.0
    for nc in named:
        overlap = min(end, nc.exit_m + NAME_TOLERANCE_M) - max(start, nc.entry_m - NAME_TOLERANCE_M)
        if overlap > best_overlap:
            best, best_overlap = nc, overlap
    if best is not None:
        return best
    near = min(named, key=lambda nc: abs(nc.apex_m - apex))
    return near if abs(near.apex_m - apex) <= NAME_APEX_WINDOW_M else None


def _group(runs: list[_Run], v: FloatArray) -> list[list[_Run]]:
    groups: list[list[_Run]] = []
    for run in runs:
        if groups:
            last = groups[-1][-1]
            head = groups[-1][0]
            gap = run.start - last.end
            if run.name is not None or head.name is not None:
                together = run.name is not None and run.name == head.name
            elif run.sign != last.sign:
                together = gap <= CHICANE_GAP_M
            else:
                together = gap <= SAME_WAY_GAP_M
            if together:
                groups[-1].append(run)
                continue
        groups.append([run])
    return groups


def corner_index_by_metre(corners: list[Corner], length_m: float) -> tuple[list[int], list[int]]:
    """Per whole metre of the lap: the corner the car is in (-1 on a straight), and the corner it reaches next."""
    n = math.floor(length_m) + 1
    inside = [-1] * n
    upcoming = [-1] * n
    if not corners:
        return inside, upcoming
    for k, c in enumerate(corners):
        for i in range(max(0, int(c.entry_m)), min(n, int(c.exit_m) + 1)):
            inside[i] = k
    nxt = 0
    for i in range(n):
        while nxt < len(corners) and corners[nxt].entry_m <= i:
            nxt += 1
        upcoming[i] = nxt if nxt < len(corners) else 0
    return inside, upcoming
