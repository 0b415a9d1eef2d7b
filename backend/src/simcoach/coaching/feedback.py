"""Per-corner measurements of a lap and what they say against the same corner of the reference lap.

A corner's *segment* starts 100 m before the reference's braking point (or
150 m before the entry of a corner the reference does not brake for -- a
corner counts as braked for when the reference loses 10 km/h or more from its
braking point), and not before the previous corner's exit. The time gained or
lost through the corner is the delta where the lap is back on the reference's
speed trace (within 2 km/h either way for 50 m, from the corner's exit on)
minus the delta at the segment's start, and at most up to the next braking
point: a slow exit costs its time on the straight that follows, and that time
belongs to the corner that caused it. A corner is not judged (its numbers are
still measured) when the previous corner made a mistake whose cost was still
running as this one began, or when the car reached it more than 4 km/h down on
the reference: it is paying for the previous corner.

Measured per corner and lap (pedals in 0..1):

- braking point: the first metre of the segment, before the apex, with brake >= 0.1;
- minimum speed: the lowest speed from 20 m before the entry to 20 m after the exit;
- throttle pick-up: the first metre after the braking ends with throttle >= 0.5:
  committed throttle, above the 10-40 % a driver holds to balance the car and
  keep its speed mid-corner (40 % through a long fast corner like Pouhon), so
  it marks the start of the drive out. Corners taken without braking have none;
- exit speed: the speed at the corner's exit;
- coasting: seconds with both pedals below 0.05 from the segment start to the exit;
- overlap: seconds with both pedals at 0.1 or more, same stretch;
- traction control: seconds with TC active from the pick-up to 50 m after the exit;
- lift after pick-up: seconds with the throttle at 0.1 or less (no brake)
  after it first reached 0.5, to 50 m after the exit -- the forced lift of a
  car pushed wide by too much throttle too soon.

A finding names one cause, the first that holds in this order ("not clearly
gained": a delta of -0.05 s or more, since a corner varies by a tenth from lap
to lap and the measured cause is the evidence):

1. overlap: 0.2 s more than the reference;
2. coasting: 0.35 s more than the reference;
3. late braking: later by the shift that counts, from 0.05 s lost; or by twice
   that, not clearly gained (braking later done right gains time). The shift
   that counts is 10 m (15 m for early braking), or half the reference's
   braking zone where that is shorter, at least 4 m: a braking point varies by
   a share of its zone;
4. early braking: earlier by the shift that counts, from 0.05 s lost, unless
   the apex is 4 km/h slower and the shift short of 15 m (braking sooner into a
   slower apex is what the apex asks);
5. early throttle: a pick-up 10 m earlier *before the car's slowest point*
   (throttle while still slowing), with a forced lift 0.25 s longer, not
   clearly gained; or with 0.3 s more traction control, 0.1 s lost and the
   apex not 4 km/h down; or a pick-up 20 m earlier with 0.1 s more traction
   control or lift and 0.05 s lost (where the reference already lifts or uses
   traction control, as in a chicane, the extra can be small);
   (3-5 also against the driver's own laps, below);
6. low minimum speed: 4 km/h slower through the corner, not clearly gained.
   Slower is the two minima, or where the reference's minimum lies outside
   the corner (a corner just after another's exit), the most the reference was
   faster at the same place in the corner.

The driver's usual braking point and pick-up at a corner are the medians over
the session's earlier laps there that were judged and showed no mistake (the
latest 12, from 3 laps on; the reference alone before), with their spread (the
median absolute deviation as a standard deviation): one odd lap moves neither.
Against them, a braking point 4 spreads later or earlier than usual, and at
least the shift that counts for late braking, is late or early braking when
the lap also braked at least 4 m later or earlier than the reference and the
corner did not clearly gain (the slower-apex exception of 4 still holds): a
driver whose braking point varies by 3 m braking 20 m early is a mistake the
lap's variation elsewhere can hide from the clock. A pick-up 4 spreads and at
least 20 m before the usual one (10 m before the reference's) while the car
was still slowing, with 0.3 s more traction control or a 0.25 s longer lift
than the reference, is early throttle whatever the clock says.

Overlap and coasting are said whatever the clock says: clean driving shows
neither, and their cost can hide in lap-to-lap variation. The figures come
from ``bench/detection.py`` (docs/coaching.md).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from simcoach.coaching.corners import Corner
from simcoach.coaching.events import Evidence, Severity
from simcoach.coaching.trace import FloatArray, LapTrace

# What the corner feedback can say, the same names as the demo driver's mistakes.
ADVICE_KINDS: Final = ("late_brake", "early_brake", "coasting", "overlap", "early_throttle", "low_min_speed")

BRAKE_ON: Final = 0.1
PICKUP_THROTTLE: Final = 0.5
PEDAL_OFF: Final = 0.05
OVERLAP_PEDAL: Final = 0.1
LIFT_FROM_THROTTLE: Final = 0.5
LIFT_THROTTLE: Final = 0.1
SEGMENT_LEAD_M: Final = 100.0  # a segment starts this far before the reference's braking point
LIFT_LEAD_M: Final = 150.0  # ... or this far before the entry of a corner taken flat
MIN_SPEED_MARGIN_M: Final = 20.0
BRAKED_KMH: Final = 10.0  # a corner is braked for when the reference loses this much from its braking point
REJOIN_KMH: Final = 2.0  # back on the reference's speed trace: within this...
REJOIN_M: Final = 50  # ...for this long
EXIT_MARGIN_M: Final = 50.0
INHERITED_KMH: Final = 4.0  # this much slower at the segment start: the previous corner's fault

# What makes a finding (calibrated on the demo driver, whose clean laps vary
# by a few metres and 1-2 km/h a corner; see docs/coaching.md).
# Low minimum speed: the speed is the evidence (4 km/h is over twice the 1-2 km/h a corner varies from lap to
# lap); the clock only has to agree that the corner did not gain, since a lap's own variation (+-0.1 s in a
# corner) can hide a 0.1 s loss.
TIME_NOISE_S: Final = 0.05  # a corner gaining less than this has not gained: lap-to-lap variation
MIN_BRAKE_SHIFT_M: Final = 4.0
BRAKE_SHIFT_SHARE: Final = 0.5
MIN_BRAKE_LOSS_S: Final = 0.05  # braking points: a 10-15 m shift is a signal of its own
TC_ONLY_LOSS_S: Final = 0.1  # early throttle shown by traction control alone: only with a clear loss
OVERLAP_MORE_S: Final = 0.2
COASTING_MORE_S: Final = 0.35
EARLY_THROTTLE_M: Final = 10.0
TC_MORE_S: Final = 0.3
LIFT_MORE_S: Final = 0.25
SIGN_MORE_S: Final = 0.1  # a little more lift or traction control, with a pick-up far too early
LATE_BRAKE_M: Final = 10.0
EARLY_BRAKE_M: Final = 15.0
LOW_MIN_SPEED_KMH: Final = 4.0
WARNING_LOSS_S: Final = 0.3
# The driver's own spread at a corner (see ``Usual``): a shift counts against the usual value when it is
# SPREAD_SIGMAS spreads away, and never less than the floor of each rule, so a driver as regular as a robot
# does not get told about 2 m.
USUAL_MIN_LAPS: Final = 3  # fewer earlier laps at a corner: the reference alone
USUAL_MAX_LAPS: Final = 12  # the latest laps only: a driver gets faster through a session
SPREAD_SIGMAS: Final = 4.0
MAD_TO_SIGMA: Final = 1.4826  # the MAD of normally spread numbers times this is their standard deviation


@dataclass(frozen=True, slots=True)
class Segment:
    """A corner's stretch of the lap for measuring it (see the module docstring)."""

    index: int
    corner: Corner
    start_m: float
    end_m: float  # the next braking point (or the line): analysed once the car is past it
    anchor_m: float  # the reference's braking point, or where a lift would start
    braked: bool  # the reference brakes for this corner


@dataclass(frozen=True, slots=True)
class CornerMetrics:
    corner: str
    brake_m: float | None
    release_m: float | None
    min_speed_kmh: float
    min_speed_m: float
    pickup_m: float | None
    exit_speed_kmh: float
    start_speed_kmh: float  # speed at the start of the segment
    coasting_s: float
    overlap_s: float
    tc_s: float
    lift_s: float  # forced lift after the pick-up

    def to_json(self) -> dict[str, object]:
        return {
            "corner": self.corner,
            "brake_m": _r(self.brake_m, 1),
            "min_speed_kmh": _r(self.min_speed_kmh, 1),
            "min_speed_m": _r(self.min_speed_m, 1),
            "pickup_m": _r(self.pickup_m, 1),
            "exit_speed_kmh": _r(self.exit_speed_kmh, 1),
            "coasting_s": _r(self.coasting_s, 3),
            "overlap_s": _r(self.overlap_s, 3),
            "tc_s": _r(self.tc_s, 3),
            "lift_s": _r(self.lift_s, 3),
        }


@dataclass(frozen=True, slots=True)
class CornerResult:
    """One corner of one lap against the reference: its numbers, the time it cost, and what to say."""

    metrics: CornerMetrics
    time_delta_s: float  # positive: lost
    start_m: float
    end_m: float
    judged: bool  # False when the corner inherited the previous one's mistake
    finding: Finding | None

    def to_json(self) -> dict[str, object]:
        return {
            **self.metrics.to_json(),
            "time_delta_s": round(self.time_delta_s, 3),
            "from_m": round(self.start_m, 1),
            "to_m": round(self.end_m, 1),
            "judged": self.judged,
            "kind": self.finding.kind if self.finding else None,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """What one corner of one lap did wrong against the reference; said on the next approach to it."""

    lap: int | None
    corner: str
    kind: str
    severity: Severity
    message: str
    time_delta_s: float
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Usual:
    """What a driver usually does at a corner: the medians over the session's earlier clean-ish laps there, and
    the spread (the median absolute deviation as a standard deviation); None where too few laps had it."""

    laps: int
    brake_m: float | None
    brake_spread_m: float
    pickup_m: float | None
    pickup_spread_m: float


def _median_spread(values: list[float]) -> tuple[float | None, float]:
    if len(values) < USUAL_MIN_LAPS:
        return None, math.inf
    x = np.asarray(values, dtype=np.float64)
    mid = float(np.median(x))
    return mid, MAD_TO_SIGMA * float(np.median(np.abs(x - mid)))


def usual(history: Sequence[CornerMetrics]) -> Usual | None:
    """The driver's usual numbers at a corner from its earlier laps (the latest USUAL_MAX_LAPS); None with
    fewer than USUAL_MIN_LAPS. Median and MAD: one odd lap (a mistake nobody found) moves neither."""
    recent = list(history)[-USUAL_MAX_LAPS:]
    if len(recent) < USUAL_MIN_LAPS:
        return None
    brake, brake_spread = _median_spread([m.brake_m for m in recent if m.brake_m is not None])
    pickup, pickup_spread = _median_spread([m.pickup_m for m in recent if m.pickup_m is not None])
    return Usual(len(recent), brake, brake_spread, pickup, pickup_spread)


class CornerHistory:
    """Each corner's numbers on the session's laps so far that were judged and showed no mistake (the latest
    USUAL_MAX_LAPS), by corner name: a new reference keeps the driver's history (the numbers are places)."""

    def __init__(self) -> None:
        self._by_corner: dict[str, deque[CornerMetrics]] = {}

    def of(self, corner: str) -> Sequence[CornerMetrics]:
        return self._by_corner.get(corner, ())

    def add(self, result: CornerResult | None) -> None:
        """Keep a corner's numbers when it was judged and showed no mistake (a finding is not the usual)."""
        if result is not None and result.judged and result.finding is None:
            self.add_metrics(result.metrics)

    def add_metrics(self, m: CornerMetrics) -> None:
        self._by_corner.setdefault(m.corner, deque(maxlen=USUAL_MAX_LAPS)).append(m)


def beyond_usual(shift: float, spread: float, floor: float) -> bool:
    """A shift from the usual value that is more than the driver's own spread allows, and at least floor."""
    return shift >= max(floor, SPREAD_SIGMAS * spread)


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


def first_brake(trace: LapTrace, start_m: float, apex_m: float) -> float | None:
    """The first metre in start..apex with the brake at BRAKE_ON or more (the braking point)."""
    lo, hi = trace.index(start_m), trace.index(apex_m)
    brake = trace.channel("brake")[lo : hi + 1]
    hits = np.nonzero(brake >= BRAKE_ON)[0]
    return trace.start_m + lo + int(hits[0]) if len(hits) else None


def plan_segments(corners: list[Corner], ref: LapTrace, length_m: float) -> list[Segment]:
    """The segments of a reference lap's corners."""
    v = ref.channel("speed_kmh")
    starts: list[float] = []
    anchors: list[float] = []
    braked: list[bool] = []
    for k, c in enumerate(corners):
        floor = corners[k - 1].exit_m if k > 0 else 0.0
        brake = first_brake(ref, max(floor, c.entry_m - 600.0), c.apex_m)
        slows = False
        if brake is not None:
            lo, hi = ref.index(brake), ref.index(c.exit_m)
            slows = float(v[lo] - np.nanmin(v[lo : hi + 1])) >= BRAKED_KMH
        anchor = brake if brake is not None and slows else max(0.0, c.entry_m - (LIFT_LEAD_M - SEGMENT_LEAD_M))
        starts.append(max(floor, min(anchor, c.entry_m) - SEGMENT_LEAD_M, 0.0))
        anchors.append(anchor)
        braked.append(slows)
    segments: list[Segment] = []
    for k, c in enumerate(corners):
        # Up to the next corner that is braked for: a flat-out sweep after a slow exit is still the exit.
        nxt = next((j for j in range(k + 1, len(corners)) if braked[j]), None)
        end = max(anchors[nxt], c.exit_m + EXIT_MARGIN_M) if nxt is not None else length_m
        segments.append(Segment(k, c, starts[k], min(max(end, starts[k] + 1.0), length_m), anchors[k], braked[k]))
    return segments


def _seconds(dt: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    return float(np.sum(dt[mask]))


def covers(trace: LapTrace, start_m: float, end_m: float) -> bool:
    return trace.start_m <= start_m + 1.0 and trace.start_m + len(trace) - 1 >= end_m - 1.0


def measure(trace: LapTrace, seg: Segment) -> CornerMetrics | None:
    """The corner's numbers in this trace; None when the trace does not cover the segment."""
    c = seg.corner
    if not covers(trace, seg.start_m, min(seg.end_m, c.exit_m + EXIT_MARGIN_M)):
        return None
    lo, hi = trace.index(seg.start_m), trace.index(seg.end_m)
    offset = trace.start_m
    v = trace.channel("speed_kmh")
    th = trace.channel("throttle")
    br = trace.channel("brake")
    tc = trace.channel("tc")
    t = trace.time_s
    dt = np.diff(t, append=t[-1])

    brake_m = first_brake(trace, seg.start_m, c.apex_m)
    release_m: float | None = None
    if brake_m is not None:
        b0, ex = trace.index(brake_m), trace.index(c.exit_m)
        off = np.nonzero(br[b0 : ex + 1] < BRAKE_ON)[0]
        release_m = offset + b0 + (int(off[0]) if len(off) else ex - b0)

    m_lo = max(lo, trace.index(c.entry_m - MIN_SPEED_MARGIN_M))
    m_hi = max(m_lo, min(hi, trace.index(c.exit_m + MIN_SPEED_MARGIN_M)))
    body = v[m_lo : m_hi + 1]
    if np.isnan(body).all():
        return None
    i_min = m_lo + int(np.nanargmin(body))

    pickup_m: float | None = None
    lift = 0.0
    drive_hi = min(hi, trace.index(c.exit_m + EXIT_MARGIN_M))
    p0 = trace.index(release_m) if release_m is not None else _lift_end(th, trace.index(c.entry_m), drive_hi)
    if p0 is not None:
        on = np.nonzero(th[p0 : drive_hi + 1] >= PICKUP_THROTTLE)[0]
        if len(on):
            p = p0 + int(on[0])
            pickup_m = offset + p
            reached = np.nonzero(th[p : drive_hi + 1] >= LIFT_FROM_THROTTLE)[0]
            if len(reached):
                r = p + int(reached[0])
                lifted = (th[r : drive_hi + 1] <= LIFT_THROTTLE) & (br[r : drive_hi + 1] < BRAKE_ON)
                lift = _seconds(dt[r : drive_hi + 1], lifted)

    x_hi = min(hi, trace.index(c.exit_m))
    th_c, br_c, dt_c = th[lo : x_hi + 1], br[lo : x_hi + 1], dt[lo : x_hi + 1]
    coasting = _seconds(dt_c, (th_c < PEDAL_OFF) & (br_c < PEDAL_OFF))
    overlap = _seconds(dt_c, (th_c >= OVERLAP_PEDAL) & (br_c >= OVERLAP_PEDAL))
    tc_lo = trace.index(pickup_m) if pickup_m is not None else trace.index(c.entry_m)
    tc_s = _seconds(dt[tc_lo : drive_hi + 1], tc[tc_lo : drive_hi + 1] >= 0.5)
    return CornerMetrics(
        corner=c.name,
        brake_m=brake_m,
        release_m=release_m,
        min_speed_kmh=float(v[i_min]),
        min_speed_m=offset + i_min,
        pickup_m=pickup_m,
        exit_speed_kmh=float(v[x_hi]),
        start_speed_kmh=float(v[lo]),
        coasting_s=coasting,
        overlap_s=overlap,
        tc_s=tc_s,
        lift_s=lift,
    )


def _lift_end(th: FloatArray, lo: int, hi: int) -> int | None:
    """Without braking, where the drive out starts: the first metre after the corner's entry below the
    pick-up throttle (a lift, or throttle held to balance the car); None when the throttle stays committed."""
    off = np.nonzero(th[lo : hi + 1] < PICKUP_THROTTLE)[0]
    return lo + int(off[0]) if len(off) else None


def time_between(trace: LapTrace, ref: LapTrace, a: float, b: float) -> float:
    """Seconds this lap took more than the reference from a to b (the delta at b minus the delta at a)."""
    return (trace.time_at(b) - trace.time_at(a)) - (ref.time_at(b) - ref.time_at(a))


def rejoin_m(trace: LapTrace, ref: LapTrace, seg: Segment) -> float:
    """Where, from the corner's exit, the lap is back on the reference's speed for REJOIN_M (else the segment end)."""
    lo, hi = trace.index(seg.corner.exit_m), trace.index(seg.end_m)
    r_lo = ref.index(seg.corner.exit_m)
    v = trace.channel("speed_kmh")[lo : hi + 1]
    vr = ref.channel("speed_kmh")[r_lo : r_lo + len(v)]
    n = min(len(v), len(vr))
    close = np.abs(v[:n] - vr[:n]) <= REJOIN_KMH
    if n < REJOIN_M:
        return seg.end_m
    # A run of REJOIN_M metres all close: a moving sum over the boolean array.
    runs = np.convolve(close.astype(np.int64), np.ones(REJOIN_M, dtype=np.int64), mode="valid")
    hits = np.nonzero(runs == REJOIN_M)[0]
    return trace.start_m + lo + int(hits[0]) if len(hits) else seg.end_m


def analyse(
    lap: int | None,
    trace: LapTrace,
    ref: LapTrace,
    seg: Segment,
    ref_metrics: CornerMetrics,
    *,
    previous: CornerResult | None = None,
    history: Sequence[CornerMetrics] = (),
) -> CornerResult | None:
    """Measure one corner of a lap against the reference and judge it; None when the trace falls short.

    ``previous`` is this lap's result for the corner before, if any: a mistake
    there whose cost is still running here makes this corner not judged.
    ``history``: the corner's numbers on the session's earlier clean-ish laps
    (oldest first), for the driver's usual braking point and pick-up.
    """
    m = measure(trace, seg)
    if m is None or not covers(trace, seg.start_m, seg.end_m):
        return None
    end = rejoin_m(trace, ref, seg)
    delta = time_between(trace, ref, seg.start_m, end)
    if math.isnan(delta):
        return None
    paying = previous is not None and previous.finding is not None and previous.end_m > seg.start_m + REJOIN_M
    judged = not paying and m.start_speed_kmh >= ref_metrics.start_speed_kmh - INHERITED_KMH
    finding = None
    if judged:
        deficit = _deficit_at_slowest(trace, ref, seg, m, ref_metrics)
        finding = judge(
            lap, m, ref_metrics, delta, deficit_kmh=deficit, entry_m=seg.corner.entry_m, usual=usual(history)
        )
    return CornerResult(m, delta, seg.start_m, end, judged, finding)


def _deficit_at_slowest(trace: LapTrace, ref: LapTrace, seg: Segment, m: CornerMetrics, ref_m: CornerMetrics) -> float:
    """km/h this lap was slower than the reference through the corner.

    The two minima, as a rule. But where the reference's minimum lies outside
    the corner (a corner just after another's exit: its window starts on that
    exit, still accelerating, so the minimum is the other corner's), the two
    minima compare different places: then the most the reference was faster
    at the same place in the window.
    """
    c = seg.corner
    dv = ref_m.min_speed_kmh - m.min_speed_kmh
    if c.entry_m <= ref_m.min_speed_m <= c.exit_m:
        return dv
    lo, hi = c.entry_m - MIN_SPEED_MARGIN_M, min(c.exit_m + MIN_SPEED_MARGIN_M, seg.end_m)
    v = trace.channel("speed_kmh")[trace.index(lo) : trace.index(hi) + 1]
    v_ref = ref.channel("speed_kmh")[ref.index(lo) : ref.index(lo) + len(v)]
    n = min(len(v), len(v_ref))
    gap = v_ref[:n] - v[:n]
    return max(dv, float(np.nanmax(gap))) if n and np.isfinite(gap).any() else dv


def _usual_words(shift_m: float, used: bool) -> str:
    return f" ({shift_m:.0f} m from where you usually brake)" if used else ""


def _usual_evidence(evidence: Evidence, u: Usual | None) -> None:
    """The driver's usual numbers at the corner, when the judgement had them."""
    if u is None:
        return
    evidence["usual_laps"] = u.laps
    evidence["usual_brake_point_m"] = _r(u.brake_m, 1)
    evidence["usual_brake_spread_m"] = _r(u.brake_spread_m, 1) if math.isfinite(u.brake_spread_m) else None
    evidence["usual_pickup_m"] = _r(u.pickup_m, 1)
    evidence["usual_pickup_spread_m"] = _r(u.pickup_spread_m, 1) if math.isfinite(u.pickup_spread_m) else None


def _time_words(delta_s: float) -> str:
    return f"lost {delta_s:.2f} s" if delta_s >= 0 else f"gained {-delta_s:.2f} s"


def _speed_words(dv: float) -> str:
    """dv = this lap minus the reference, km/h."""
    if abs(dv) < 1.5:
        return ""
    return f" and carried {abs(dv):.0f} km/h {'less' if dv < 0 else 'more'}"


def brake_shift_needed(ref: CornerMetrics, most_m: float) -> float:
    """How far a braking point must move to count (m): most_m, or half of a short braking zone.

    A braking point varies with how hard the driver brakes, so by a share of
    the zone: a few metres in 150 m from 270 km/h, less where the reference
    only dabs the brakes for 10 m (Malmedy after Les Combes).
    """
    if ref.brake_m is None or ref.release_m is None:
        return most_m
    return min(most_m, max(MIN_BRAKE_SHIFT_M, BRAKE_SHIFT_SHARE * (ref.release_m - ref.brake_m)))


def judge(
    lap: int | None,
    m: CornerMetrics,
    ref: CornerMetrics,
    delta: float,
    *,
    deficit_kmh: float | None = None,
    entry_m: float | None = None,
    usual: Usual | None = None,
) -> Finding | None:
    """The one thing to say about this corner against the reference, if it cost time.

    deficit_kmh: how much slower than the reference this lap was through the
    corner (from the traces; the two minima when not given). entry_m: where the
    corner starts (a slowest point before it is the previous corner's exit).
    """
    name = m.corner
    dv_min = m.min_speed_kmh - ref.min_speed_kmh
    slower = max(-dv_min, deficit_kmh if deficit_kmh is not None else -dv_min)
    dv_exit = m.exit_speed_kmh - ref.exit_speed_kmh
    evidence: Evidence = {
        "analysed_lap": lap,
        "time_delta_s": round(delta, 3),
        "brake_point_m": _r(m.brake_m, 1),
        "ref_brake_point_m": _r(ref.brake_m, 1),
        "min_speed_kmh": _r(m.min_speed_kmh, 1),
        "ref_min_speed_kmh": _r(ref.min_speed_kmh, 1),
        "min_speed_delta_kmh": round(dv_min, 1),
        "exit_speed_kmh": _r(m.exit_speed_kmh, 1),
        "ref_exit_speed_kmh": _r(ref.exit_speed_kmh, 1),
        "pickup_m": _r(m.pickup_m, 1),
        "ref_pickup_m": _r(ref.pickup_m, 1),
        "coasting_s": _r(m.coasting_s, 2),
        "ref_coasting_s": _r(ref.coasting_s, 2),
        "overlap_s": _r(m.overlap_s, 2),
        "ref_overlap_s": _r(ref.overlap_s, 2),
        "tc_s": _r(m.tc_s, 2),
        "ref_tc_s": _r(ref.tc_s, 2),
    }
    lost = _time_words(delta)
    kind: str
    message: str
    brake_shift = m.brake_m - ref.brake_m if m.brake_m is not None and ref.brake_m is not None else None
    more_tc = m.tc_s - ref.tc_s >= TC_MORE_S
    lifted = m.lift_s - ref.lift_s >= LIFT_MORE_S
    # On the throttle while the car is still slowing: the throttle came before the slowest point and did not
    # take. A slower apex lets a driver on the throttle sooner too, but after that slowest point.
    still_slowing = m.pickup_m is not None and (
        m.pickup_m < m.min_speed_m
        # (a slowest point before the braking ended, or before a corner not braked for, is the previous
        # corner's exit)
        or (m.release_m is not None and m.min_speed_m < m.release_m)
        or (m.release_m is None and entry_m is not None and m.min_speed_m < entry_m)
    )
    early_throttle = (
        still_slowing
        and m.pickup_m is not None
        and ref.pickup_m is not None
        and ref.pickup_m - m.pickup_m >= EARLY_THROTTLE_M
    )
    # A forced lift after throttle that came while the car was still slowing says it all; traction control
    # alone (it varies from lap to lap with how hard the driver pushes) needs the clock and the speed to agree.
    strong_early_throttle = early_throttle and lifted and delta >= -TIME_NOISE_S
    pickup_early = ref.pickup_m - m.pickup_m if m.pickup_m is not None and ref.pickup_m is not None else 0.0
    some_sign = m.tc_s - ref.tc_s >= SIGN_MORE_S or m.lift_s - ref.lift_s >= SIGN_MORE_S
    weak_early_throttle = early_throttle and (
        (more_tc and delta >= TC_ONLY_LOSS_S and slower < LOW_MIN_SPEED_KMH)
        # Twice the pick-up shift is beyond what a slower apex or a lap's variation moves it: then any sign
        # that the throttle did not take will do (where the reference already lifts or uses traction
        # control, as between the two parts of a chicane, the extra can be small).
        or (some_sign and delta >= MIN_BRAKE_LOSS_S and pickup_early >= 2.0 * EARLY_THROTTLE_M)
    )
    # Against the driver's own laps: a braking point further from the usual one than the driver's spread at
    # this corner allows is a signal of its own, even where the clock barely shows it (a lap's variation
    # elsewhere in the corner hides a few hundredths); the clock only has to agree it did not gain. A pick-up
    # twice the early-throttle shift before the usual one, while the car was still slowing, that traction
    # control or a lift then undid, is said whatever the clock says, like overlap: clean driving shows none
    # of it (the demo driver's own pick-up varies by up to 13 m), and a lap's variation elsewhere in the
    # corner can hide its cost against a reference driven on another lap.
    not_gained = delta >= -TIME_NOISE_S
    brake_floor = brake_shift_needed(ref, LATE_BRAKE_M)
    later_usual = earlier_usual = 0.0
    if usual is not None and usual.brake_m is not None and m.brake_m is not None:
        later_usual = m.brake_m - usual.brake_m
        earlier_usual = -later_usual
    late_vs_usual = (
        usual is not None
        and brake_shift is not None
        and not_gained
        and brake_shift >= MIN_BRAKE_SHIFT_M
        and beyond_usual(later_usual, usual.brake_spread_m, brake_floor)
    )
    early_vs_usual = (
        usual is not None
        and brake_shift is not None
        and not_gained
        and -brake_shift >= MIN_BRAKE_SHIFT_M
        and beyond_usual(earlier_usual, usual.brake_spread_m, brake_floor)
        and (-brake_shift >= EARLY_BRAKE_M or slower < LOW_MIN_SPEED_KMH)
    )
    throttle_vs_usual = (
        usual is not None
        and usual.pickup_m is not None
        and m.pickup_m is not None
        and ref.pickup_m is not None
        and still_slowing
        and (more_tc or lifted)
        and ref.pickup_m - m.pickup_m >= EARLY_THROTTLE_M
        and beyond_usual(usual.pickup_m - m.pickup_m, usual.pickup_spread_m, 2.0 * EARLY_THROTTLE_M)
    )
    if m.overlap_s - ref.overlap_s >= OVERLAP_MORE_S:
        kind = "overlap"
        message = (
            f"{name}: {m.overlap_s:.1f} s on throttle and brake together ({ref.overlap_s:.1f} s on your best): {lost}"
        )
    elif m.coasting_s - ref.coasting_s >= COASTING_MORE_S:
        kind = "coasting"
        if ref.brake_m is None:
            message = f"{name}: lifted for {m.coasting_s:.1f} s where your best stayed on the throttle: {lost}"
        else:
            message = (
                f"{name}: coasted {m.coasting_s:.1f} s on neither pedal between brake and throttle "
                f"({ref.coasting_s:.1f} s on your best): {lost}"
            )
    elif brake_shift is not None and (
        (delta >= MIN_BRAKE_LOSS_S and brake_shift >= brake_shift_needed(ref, LATE_BRAKE_M))
        # Twice as late and not faster: braking later done right gains the time spent at speed, so a corner
        # that gained nothing lost it again after the braking point.
        or (delta >= -TIME_NOISE_S and brake_shift >= 2.0 * brake_shift_needed(ref, LATE_BRAKE_M))
        or late_vs_usual
    ):
        kind = "late_brake"
        message = (
            f"{name}: braked {brake_shift:.0f} m later than your best{_usual_words(later_usual, late_vs_usual)}"
            f"{_speed_words(dv_min)}: {lost}"
        )
        evidence["brake_point_delta_m"] = round(brake_shift, 1)
        _usual_evidence(evidence, usual)
    elif brake_shift is not None and (
        early_vs_usual
        or (
            delta >= MIN_BRAKE_LOSS_S
            and -brake_shift >= brake_shift_needed(ref, EARLY_BRAKE_M)
            # Braking a few metres sooner into a much slower apex is what the slower apex asks: not the cause.
            and (-brake_shift >= EARLY_BRAKE_M or slower < LOW_MIN_SPEED_KMH)
        )
    ):
        kind = "early_brake"
        message = (
            f"{name}: braked {-brake_shift:.0f} m earlier than your best"
            f"{_usual_words(earlier_usual, early_vs_usual)}{_speed_words(dv_min)}: {lost}"
        )
        evidence["brake_point_delta_m"] = round(brake_shift, 1)
        _usual_evidence(evidence, usual)
    elif strong_early_throttle or weak_early_throttle or throttle_vs_usual:
        kind = "early_throttle"
        signs = (
            ("traction control cut in", m.tc_s - ref.tc_s >= SIGN_MORE_S),
            ("you had to lift", m.lift_s - ref.lift_s >= SIGN_MORE_S),
        )
        what = " and ".join(w for w, on in signs if on) or "the car was still slowing"
        exit_words = f", exit {-dv_exit:.0f} km/h slower" if dv_exit <= -1.5 else ""
        early = ref.pickup_m - m.pickup_m  # type: ignore[operator]
        message = f"{name}: on the throttle {early:.0f} m earlier than your best, {what}{exit_words}: {lost}"
        evidence["pickup_delta_m"] = round(-early, 1)
        _usual_evidence(evidence, usual)
    elif delta >= -TIME_NOISE_S and slower >= LOW_MIN_SPEED_KMH:
        kind = "low_min_speed"
        message = (
            f"{name}: carried {slower:.0f} km/h less through the apex than your best "
            f"({m.min_speed_kmh:.0f} vs {m.min_speed_kmh + slower:.0f} km/h): {lost}"
        )
        evidence["speed_deficit_kmh"] = round(slower, 1)
    else:
        return None
    severity: Severity = "warning" if delta >= WARNING_LOSS_S else "info"
    return Finding(lap, name, kind, severity, message, delta, evidence)
