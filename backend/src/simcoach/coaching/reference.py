"""The reference lap of a (driver, game, track, car): its trace, corners, segments, sectors and per-metre lookups.

Everything the per-frame path needs is precomputed here once, as plain Python
lists indexed by whole metres: the reference's time (for the live delta), the
corner the car is in and the one it reaches next, and the corners whose advice
is due at that metre.

No impossible value gets into a reference: a lap whose speed changes faster
than the car class can brake or accelerate (a bad sample, a glitch of the
game) is not made one (``implausible`` says why), and lateral g beyond what
the class can corner at (a kerb strike, a sensor spike) is left out of the
reference's trace, so it cannot make a corner.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from simcoach.coaching.corners import Corner, corner_index_by_metre, detect_corners
from simcoach.coaching.feedback import CornerMetrics, Segment, measure, plan_segments
from simcoach.coaching.thresholds import class_for_session, thresholds_for
from simcoach.coaching.trace import LapTrace
from simcoach.storage.records import SessionKey
from simcoach.tracks.loader import TrackInfo
from simcoach_agent.telemetry import SessionInfo

# Corner advice is given on the straight before the corner: this far before
# the reference's braking point (or where a lift would start)...
ADVICE_FROM_M: Final = 300.0
ADVICE_TO_M: Final = 120.0
# ...and where the straight is too short for that, just after the previous corner.
MIN_ADVICE_WINDOW_M: Final = 40.0
API_STEP_M: Final = 5


# Speed changes are judged over this stretch: a real stop shows over metres, noise over one does not add up.
PLAUSIBLE_SPAN_M: Final = 5
G: Final = 9.80665


@dataclass(frozen=True, slots=True)
class Plausibility:
    """What a car class can physically do (the threshold table's ``plausible_*`` params), in g."""

    decel_g: float
    lat_g: float

    @classmethod
    def for_session(cls, session: SessionInfo | None) -> Plausibility:
        th, _ = thresholds_for(class_for_session(session))
        return cls(th.p("plausible_decel_g"), th.p("plausible_lat_g"))


def implausible(trace: LapTrace, limits: Plausibility) -> str | None:
    """Why a lap's trace cannot be a reference (a speed change no car of the class can make), or None.

    The acceleration implied by the speed over ``PLAUSIBLE_SPAN_M`` metres
    ((v1² - v0²) / 2d, either way) must stay within ``limits.decel_g``: no car
    accelerates harder than it brakes.
    """
    v = trace.channel("speed_kmh") / 3.6
    span = PLAUSIBLE_SPAN_M
    if len(v) <= span:
        return None
    accel = (v[span:] ** 2 - v[:-span] ** 2) / (2.0 * span)
    with np.errstate(invalid="ignore"):
        over = np.abs(accel) > limits.decel_g * G
    if not over.any():
        return None
    i = int(np.argmax(over))
    g = float(accel[i]) / G
    kmh = v[[i, i + span]] * 3.6
    return (
        f"its speed goes from {kmh[0]:.0f} to {kmh[1]:.0f} km/h in {span} m at {trace.start_m + i:.0f} m "
        f"({g:+.1f} g; the car class can do {limits.decel_g:g} g at most)"
    )


def without_implausible_g(trace: LapTrace, limits: Plausibility) -> LapTrace:
    """The trace with lateral g beyond the class's limit left out (NaN): a spike must not make a corner."""
    g = trace.channel("g_lat")
    with np.errstate(invalid="ignore"):
        bad = np.abs(g) > limits.lat_g
    if not bad.any():
        return trace
    # And the metres either side: resampling ramps into a spike, and the ramp is no more real than its top.
    bad = np.convolve(bad, np.ones(2 * PLAUSIBLE_SPAN_M + 1), mode="same") > 0
    channels = dict(trace.channels)
    channels["g_lat"] = np.where(bad, np.nan, g)
    return LapTrace(trace.start_m, trace.time_s, channels, trace.length_m, trace.lap_time_s)


# Whose reference: one per driver, game, track and car ("" where the session did not say).
RefKey = SessionKey


def default_sectors(length_m: float, track: TrackInfo | None) -> list[float]:
    """Where each sector starts: the track file's, or thirds of the lap."""
    if track is not None and track.sectors_m is not None and all(s < length_m for s in track.sectors_m):
        return list(track.sectors_m)
    return [0.0, length_m / 3.0, 2.0 * length_m / 3.0]


@dataclass(slots=True)
class Reference:
    lap_id: int
    key: RefKey
    lap_time_s: float
    trace: LapTrace
    length_m: float
    corners: list[Corner]
    segments: list[Segment]
    metrics: list[CornerMetrics | None]
    sectors_m: list[float]
    sector_times_s: list[float]  # the reference's time in each sector
    pinned: bool = False  # chosen by the user: a faster lap does not replace it
    times: list[float] = field(default_factory=list)
    corner_at: list[int] = field(default_factory=list)
    next_at: list[int] = field(default_factory=list)
    advice_at: list[tuple[int, ...]] = field(default_factory=list)

    def time_at(self, dist_m: float) -> float:
        return self.trace.time_at(dist_m)

    def to_json(self) -> dict[str, object]:
        """The reference for the dashboard: lap, corners, sectors and traces every 5 m."""
        n = len(self.trace)
        idx = np.arange(0, n, API_STEP_M)
        ch = self.trace.channels

        def series(name: str, digits: int) -> list[float | None]:
            values = ch[name][idx]
            return [None if math.isnan(v) else round(float(v), digits) for v in values]

        return {
            "id": self.lap_id,
            "lap_time_s": round(self.lap_time_s, 3),
            "driver": self.key.driver or None,
            "game": self.key.game or None,
            "track": self.key.track or None,
            "car": self.key.car or None,
            "length_m": self.length_m,
            "pinned": self.pinned,
            "points": {
                "dist_m": [float(self.trace.start_m + i) for i in idx],
                "x": series("x", 1),
                "y": series("y", 1),
                "speed_kmh": series("speed_kmh", 1),
            },
            "corners": [c.to_json() for c in self.corners],
            "sectors_m": self.sectors_m,
        }


def build_reference(
    lap_id: int,
    key: RefKey,
    lap_time_s: float,
    trace: LapTrace,
    track: TrackInfo | None,
    *,
    pinned: bool = False,
    limits: Plausibility | None = None,
) -> Reference:
    """Corners, segments and lookups of a whole-lap trace (milliseconds; done once per new reference).

    With ``limits``, lateral g the class cannot reach is left out of the trace first.
    """
    if limits is not None:
        trace = without_implausible_g(trace, limits)
    length = trace.length_m if trace.length_m is not None else float(trace.start_m + len(trace) - 1)
    corners = detect_corners(trace, track)
    segments = plan_segments(corners, trace, length)
    metrics = [measure(trace, s) for s in segments]
    sectors = default_sectors(length, track)
    bounds = [*sectors, length]
    marks = [trace.time_at(b) if b < length else (trace.lap_time_s or trace.time_at(b)) for b in bounds]
    sector_times = [b - a for a, b in itertools.pairwise(marks)]
    ref = Reference(
        lap_id=lap_id,
        key=key,
        lap_time_s=lap_time_s,
        trace=trace,
        length_m=length,
        corners=corners,
        segments=segments,
        metrics=metrics,
        sectors_m=sectors,
        sector_times_s=sector_times,
        pinned=pinned,
    )
    _lookups(ref)
    return ref


def _lookups(ref: Reference) -> None:
    trace = ref.trace
    times = [float(t) for t in trace.time_s]
    # One more point at the line, so the metre before it interpolates to the lap time.
    last = trace.start_m + len(times) - 1
    if ref.length_m > last and trace.lap_time_s is not None:
        times.append(trace.lap_time_s)
    ref.times = times
    ref.corner_at, ref.next_at = corner_index_by_metre(ref.corners, ref.length_m)
    n = len(ref.corner_at)
    advice: list[list[int]] = [[] for _ in range(n)]
    windows = advice_windows(ref.segments, ref.length_m)
    for k, (lo, hi) in enumerate(windows):
        for m in range(math.floor(lo), math.ceil(hi) + 1):
            advice[m % n].append(k)
    ref.advice_at = [tuple(a) for a in advice]


def advice_windows(segments: list[Segment], length_m: float) -> list[tuple[float, float]]:
    """Per corner, the stretch of lap where its advice is due (metres; below 0 is the end of the lap before)."""
    windows: list[tuple[float, float]] = []
    for k, seg in enumerate(segments):
        prev_exit = segments[k - 1].corner.exit_m if k > 0 else (segments[-1].corner.exit_m - length_m)
        lo = max(seg.anchor_m - ADVICE_FROM_M, prev_exit)
        hi = seg.anchor_m - ADVICE_TO_M
        if hi - lo < MIN_ADVICE_WINDOW_M:
            # No straight to speak of before it (a corner right after another): say it on the way out of the one before.
            lo, hi = prev_exit, prev_exit + MIN_ADVICE_WINDOW_M
        windows.append((lo, hi))
    return windows
