"""Laps by distance for people: a lap's trace on a grid of metres, and two laps on one grid with the time between.

A stored trace has a point every metre; an API answer every ``step_m`` metres
is enough to draw and a fifth of the size at 5 m. Two laps are compared where
both have samples, on the same metres, and the delta is the second lap's time
at each metre minus the first's: positive where the second is behind.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simcoach.coaching.trace import CHANNELS, STEPPED, FloatArray, LapTrace, at_metres

# The channels an answer carries, with the digits they keep (tc and abs are 1/0 flags).
_DIGITS: dict[str, int] = {
    "speed_kmh": 2,
    "throttle": 3,
    "brake": 3,
    "steering": 3,
    "g_lat": 3,
    "tc": 0,
    "abs": 0,
    "x": 2,
    "y": 2,
    "gear": 0,
}
assert set(_DIGITS) == set(CHANNELS)


def _values(a: FloatArray, digits: int) -> list[float | None]:
    """JSON numbers; null where the game gave nothing (NaN)."""
    return [None if math.isnan(v) else v for v in np.round(a, digits).tolist()]


def grid(start_m: float, end_m: float, step_m: float) -> FloatArray:
    """Metres from ``start_m`` to ``end_m`` (both within the trace) every ``step_m``."""
    n = math.floor((end_m - start_m) / step_m + 1e-9) + 1
    return start_m + step_m * np.arange(max(n, 0), dtype=np.float64)


def _end(trace: LapTrace) -> float:
    return trace.start_m + len(trace) - 1


def sample(trace: LapTrace, at: FloatArray) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Time since the line and every channel at the metres ``at`` (linear between stored metres; gear held)."""
    d = trace.dist_m
    return np.interp(at, d, trace.time_s), {k: at_metres(at, d, v, k in STEPPED) for k, v in trace.channels.items()}


def trace_json(trace: LapTrace, step_m: float) -> dict[str, Any]:
    """``GET /api/laps/{id}/trace``: the lap every ``step_m`` metres."""
    at = grid(trace.start_m, _end(trace), step_m)
    time_s, channels = sample(trace, at)
    return {
        "step_m": step_m,
        "length_m": trace.length_m,
        "lap_time_s": trace.lap_time_s,
        "dist_m": _values(at, 2),
        "time_s": _values(time_s, 3),
        "channels": {k: _values(channels[k], _DIGITS[k]) for k in CHANNELS},
    }


def compare_json(a: LapTrace, b: LapTrace, step_m: float) -> dict[str, Any] | None:
    """``GET /api/compare``: both laps on the metres they share, and ``delta_s`` (b minus a); None if none."""
    lo, hi = max(a.start_m, b.start_m), min(_end(a), _end(b))
    if hi < lo:
        return None
    at = grid(lo, hi, step_m)
    ta, ca = sample(a, at)
    tb, cb = sample(b, at)
    return {
        "step_m": step_m,
        "dist_m": _values(at, 2),
        "a": {"time_s": _values(ta, 3), "channels": {k: _values(ca[k], _DIGITS[k]) for k in CHANNELS}},
        "b": {"time_s": _values(tb, 3), "channels": {k: _values(cb[k], _DIGITS[k]) for k in CHANNELS}},
        "delta_s": _values(tb - ta, 3),
    }
