"""The reference lap of a (driver, game, track, car): its trace, corners, segments, sectors and per-metre lookups.

Everything the per-frame path needs is precomputed here once, as plain Python
lists indexed by whole metres: the reference's time (for the live delta), the
corner the car is in and the one it reaches next, and the corners whose advice
is due at that metre.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import numpy as np

from simcoach.coaching.corners import Corner, corner_index_by_metre, detect_corners
from simcoach.coaching.feedback import CornerMetrics, Segment, measure, plan_segments
from simcoach.coaching.trace import LapTrace
from simcoach.tracks.loader import TrackInfo

# Corner advice is given on the straight before the corner: this far before
# the reference's braking point (or where a lift would start)...
ADVICE_FROM_M: Final = 300.0
ADVICE_TO_M: Final = 120.0
# ...and where the straight is too short for that, just after the previous corner.
MIN_ADVICE_WINDOW_M: Final = 40.0
API_STEP_M: Final = 5


class RefKey(NamedTuple):
    """Whose reference: one per driver, game, track and car ("" where the session did not say)."""

    driver: str
    game: str
    track: str
    car: str


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
) -> Reference:
    """Corners, segments and lookups of a whole-lap trace (milliseconds; done once per new reference)."""
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
