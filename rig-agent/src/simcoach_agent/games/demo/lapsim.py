"""Quasi-steady-state lap simulation: corner speed limits, a forward (power) and a backward (braking) pass."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from simcoach_agent.games.demo import car, spa
from simcoach_agent.games.demo.car import MASS_KG, G

N = spa.N_POINTS
V_MAX_MS = 95.0  # a ceiling for speed limits where no corner limits the speed
COAST_BAND = 0.15  # m/s2 of deceleration beyond drag a driver gets by lifting, not braking
MIN_BRAKE = 0.05  # less pedal than this is done by easing the throttle instead
_DRIVE_TABLE_STEP = 0.05  # m/s


@dataclass(frozen=True, slots=True)
class Track:
    """Per-metre track data the lap simulation reads, as plain lists (fast to index in loops)."""

    curvature: list[float]  # 1/m, positive right
    abs_curvature: list[float]
    vertical_curvature: list[float]  # 1/m, positive in a dip (compression)
    compression: list[float]  # the positive part of it: what adds grip
    grade: list[float]  # sine of the slope, positive uphill
    next_corner: list[int]  # the corner whose apex comes next (owns the braking zone)
    prev_corner: list[int]  # the corner whose apex was last passed (owns the exit)
    speed_limit: list[float]  # m/s, steady-state corner limit at full grip


@lru_cache(maxsize=1)
def track() -> Track:
    line = spa.outline()
    # Slope and vertical curvature from the smoothed height, wrapping round the lap.
    z = np.concatenate((line.z[-2:], line.z, line.z[:2]))
    dz = (z[3:-1] - z[1:-3]) / 2.0
    d2z = z[3:-1] - 2.0 * z[2:-2] + z[1:-3]
    grade = dz / np.sqrt(1.0 + dz * dz)
    # A metre belongs to the braking zone of the next apex and the exit of the last one.
    apexes = [c.apex_m for c in spa.CORNERS]
    next_corner = [next((j for j, a in enumerate(apexes) if a >= i), 0) for i in range(N)]
    prev_corner = [max((j for j, a in enumerate(apexes) if a <= i), default=len(apexes) - 1) for i in range(N)]
    # A dip (Eau Rouge) presses the car into the road and adds grip. Crests are
    # left out: the racing line over Raidillon's crest is nearly straight, and
    # GT3 drivers take it flat.
    compression = np.maximum(d2z, 0.0)
    limit = [
        min(V_MAX_MS, car.corner_speed_limit(float(k), float(kv)))
        for k, kv in zip(line.curvature, compression, strict=True)
    ]
    return Track(
        curvature=[float(k) for k in line.curvature],
        abs_curvature=[abs(float(k)) for k in line.curvature],
        vertical_curvature=[float(v) for v in d2z],
        compression=[float(v) for v in compression],
        grade=[float(g) for g in grade],
        next_corner=next_corner,
        prev_corner=prev_corner,
        speed_limit=limit,
    )


@dataclass(frozen=True, slots=True)
class TrackArrays:
    """The same per-metre data as numpy arrays, for vectorised work over a whole lap."""

    curvature: npt.NDArray[np.float64]
    vertical_curvature: npt.NDArray[np.float64]
    compression: npt.NDArray[np.float64]
    grade: npt.NDArray[np.float64]


@lru_cache(maxsize=1)
def track_arrays() -> TrackArrays:
    t = track()
    return TrackArrays(
        curvature=np.asarray(t.curvature),
        vertical_curvature=np.asarray(t.vertical_curvature),
        compression=np.asarray(t.compression),
        grade=np.asarray(t.grade),
    )


@lru_cache(maxsize=1)
def _drive_table() -> list[float]:
    """Full-throttle acceleration from the engine (m/s2) on a speed grid, gear chosen for the speed."""
    steps = int(V_MAX_MS * 1.2 / _DRIVE_TABLE_STEP) + 2
    return [car.max_drive_force(i * _DRIVE_TABLE_STEP) / MASS_KG for i in range(steps)]


def engine_accel(v: float) -> float:
    """Full-throttle acceleration (m/s2) the engine gives in the best gear, before grip limits."""
    table = _drive_table()
    return table[min(int(v / _DRIVE_TABLE_STEP), len(table) - 1)]


def resist_accel(v: float) -> float:
    """Deceleration (m/s2) from drag and rolling resistance alone."""
    return car.resistance(v) / MASS_KG


# The steps below run 14 000 times a lap plan: car.py's formulas are written
# out flat here (same physics, no nested calls) to keep a plan near 10 ms.
DOWNFORCE_PER_MASS = 0.5 * car.AIR_DENSITY * car.CLA_M2 / MASS_KG  # downforce per unit mass per (m/s)^2
DRAG_PER_MASS = 0.5 * car.AIR_DENSITY * car.CDA_M2 / MASS_KG
_CRR = car.ROLLING_RESISTANCE
_TRACTION_BASE = car.REAR_WEIGHT * G
_TRACTION_AERO = 0.55 * DOWNFORCE_PER_MASS  # share of the downforce on the rear axle


def forward_step(v: float, i: int, t: Track, grip: float, traction_use: float) -> float:
    """Speed one metre on under full (grip-limited) power from speed v at index i."""
    vv = v * v
    df = DOWNFORCE_PER_MASS * vv
    need = vv * t.abs_curvature[i]
    avail = 1.0
    if need > 0.0:
        r = need / (car.MU_LATERAL * grip * (G + df + vv * t.compression[i]))
        avail = math.sqrt(1.0 - r * r) if r < 1.0 else 0.0
    traction = car.MU_TRACTION * grip * traction_use * (_TRACTION_BASE + _TRACTION_AERO * vv) * avail
    drive = min(engine_accel(v), traction)
    a = drive - DRAG_PER_MASS * vv - _CRR * (G + df) - G * t.grade[i]
    nv = vv + 2.0 * a
    return math.sqrt(nv) if nv > 0.0 else 0.0


def brake_step_back(v: float, i: int, t: Track, grip: float, brake_use: float) -> float:
    """Speed one metre earlier from which braking at brake_use of the grip gets down to v at index i."""
    vv = v * v
    df = DOWNFORCE_PER_MASS * vv
    need = vv * t.abs_curvature[i]
    avail = 1.0
    if need > 0.0:
        r = need / (car.MU_LATERAL * grip * (G + df + vv * t.compression[i]))
        avail = math.sqrt(1.0 - r * r) if r < 1.0 else 0.0
    decel = car.MU_BRAKING * (G + df) * grip * brake_use * avail + DRAG_PER_MASS * vv + _CRR * (G + df) + G * t.grade[i]
    return math.sqrt(vv + 2.0 * decel) if vv + 2.0 * decel > 0.0 else 0.0


def solve(
    caps: list[float],
    v0: float,
    grip: float,
    brake_use: list[float],
    traction_use: list[float],
) -> list[float]:
    """Speed (m/s) at each metre 0..N of a lap starting at v0: the fastest trace within the caps.

    caps has N + 1 entries (the last is the line again); brake_use and
    traction_use say per metre how hard the driver brakes and accelerates.
    """
    t = track()
    fwd = [0.0] * (N + 1)
    v = min(v0, caps[0])
    fwd[0] = v
    for i in range(N):
        v = min(forward_step(v, i, t, grip, traction_use[i]), caps[i + 1])
        fwd[i + 1] = v
    out = fwd
    v = fwd[N]
    for i in range(N - 1, -1, -1):
        v = min(brake_step_back(v, i, t, grip, brake_use[i]), fwd[i])
        out[i] = v
    return out


def brake_pedal(v: float, v1: float, i: int, t: Track, grip: float) -> float:
    """Brake pedal (0..1, 1 = the tyres' limit) that slows the car from v to v1 over metre i."""
    a_req = (v1 * v1 - v * v) / 2.0
    a_coast = -resist_accel(v) - G * t.grade[i]
    if a_req >= a_coast - COAST_BAND:
        return 0.0
    pedal = min(1.0, (a_coast - a_req) / (car.brake_limit(v) * grip))
    return pedal if pedal >= MIN_BRAKE else 0.0


def hold_to_the_car(v: list[float], lo: int, hi: int, grip: float) -> None:
    """Lower speeds (in place) wherever v asks more than the car can do along the road, around lo..hi.

    A mistake bends the clean trace; wherever its pieces meet it must still be
    drivable: no more acceleration than full power and traction give, no more
    deceleration than the brakes at the tyres' limit with drag. Both passes go
    past lo..hi as far as they keep lowering: a coast that starts slower than
    the clean trace gets braked into, a late car gets held back. Cornering is
    left out of these limits on purpose: a car over the lateral limit runs wide
    (the frames show it), it is not a reason to brake earlier than the mistake.
    """
    last = len(v) - 1
    i = max(0, lo)
    while i < last:
        u = v[i]
        uu = u * u
        df = DOWNFORCE_PER_MASS * uu
        traction = car.MU_TRACTION * grip * (_TRACTION_BASE + _TRACTION_AERO * uu)
        a = min(engine_accel(u), traction) - DRAG_PER_MASS * uu - _CRR * (G + df) - G * _grade(i)
        top = math.sqrt(max(0.0, uu + 2.0 * a))
        if v[i + 1] > top:
            v[i + 1] = top
        elif i >= hi:
            break
        i += 1
    i = min(last, max(hi, lo + 1))
    while i > 0:
        u = v[i]
        uu = u * u
        df = DOWNFORCE_PER_MASS * uu
        decel = car.MU_BRAKING * (G + df) * grip + DRAG_PER_MASS * uu + _CRR * (G + df) + G * _grade(i - 1)
        top = math.sqrt(max(0.0, uu + 2.0 * decel))
        if v[i - 1] > top:
            v[i - 1] = top
        elif i <= lo:
            break
        i -= 1


def _grade(i: int) -> float:
    return track().grade[i % N]
