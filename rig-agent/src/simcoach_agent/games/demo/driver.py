"""The demo driver: one lap's speed trace with human variation and mistakes, turned into pedals and gears."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simcoach_agent.games.demo import car, lapsim, mistake_traces, spa
from simcoach_agent.games.demo.car import MASS_KG, G
from simcoach_agent.games.demo.lapsim import N, Track
from simcoach_agent.games.demo.mistake_traces import Edits
from simcoach_agent.games.demo.mistakes import Mistake, MistakeRecord

# How hard a quick driver leans on the car: a little under the lateral limit,
# braking at 93-98.5 % of it (ABS now and then), traction at 95-100 %.
LATERAL_MARGIN = 0.99
BRAKE_USE = (0.93, 0.985)
TRACTION_USE = (0.95, 1.0)
CORNER_SPEED_SPREAD_KMH = 1.2  # one standard deviation of a corner's minimum speed, lap to lap
PACE_SPREAD = 0.004  # one standard deviation of the whole lap's grip use
# Cold tyres on the first laps: grip comes in as they warm up.
LAP_GRIP = {1: 0.975, 2: 0.992}

THROTTLE_RISE_PER_S = 5.0  # a foot squeezes the throttle from 0 to 1 in 0.2 s at quickest
# Throttle pedals are progressive: the first part of the travel gives little
# torque, so holding speed in a slow corner still shows 10-20 % pedal.
PEDAL_EXPONENT = 0.6
CORNER_CURVATURE = 1.0 / 400.0  # tighter than this, the driver keeps some throttle to balance the car
BALANCE_THROTTLE = 0.1
ABS_PEDAL = 0.965  # pedal beyond which the fronts start locking and ABS works
TC_TRACTION_USE = 0.985  # share of the rear grip beyond which traction control cuts in


@dataclass(slots=True)
class LapProfile:
    """Everything about one lap, per metre, worked out when the lap starts; the simulation only reads it."""

    lap: int
    grip: float
    speed: list[float]  # m/s, N + 1 entries (the last is the line again)
    throttle: list[float] = field(default_factory=list)
    brake: list[float] = field(default_factory=list)
    gear: list[int] = field(default_factory=list)
    g_lat: list[float] = field(default_factory=list)
    g_lon: list[float] = field(default_factory=list)
    g_vert: list[float] = field(default_factory=list)
    steering: list[float] = field(default_factory=list)
    abs_active: list[bool] = field(default_factory=list)
    tc_active: list[bool] = field(default_factory=list)
    slip_front: list[float] = field(default_factory=list)
    slip_rear: list[float] = field(default_factory=list)
    mistakes: list[MistakeRecord] = field(default_factory=list)  # sorted by until_m

    def lap_time(self) -> float:
        v = self.speed
        return sum(2.0 / (v[i] + v[i + 1]) for i in range(N))


def build_lap(
    lap: int,
    v0: float,
    rng: random.Random,
    mistakes: Sequence[Mistake] = (),
    mistake_rng: random.Random | None = None,
) -> LapProfile:
    """Plan lap ``lap``, crossing the line at v0 (m/s).

    rng draws the same amount every lap, mistakes or not, so that a run with
    mistakes and one without stay lap-for-lap comparable.
    """
    t = lapsim.track()
    corners = spa.CORNERS
    pace = 1.0 + PACE_SPREAD * _clipped_gauss(rng)
    speed_noise = [_clipped_gauss(rng) for _ in corners]
    brake_use = [rng.uniform(*BRAKE_USE) for _ in corners]
    traction_use = [rng.uniform(*TRACTION_USE) for _ in corners]
    grip = LAP_GRIP.get(lap, 1.0) * pace

    caps = [lim * math.sqrt(grip) * LATERAL_MARGIN for lim in t.speed_limit]
    for index, corner in enumerate(corners):
        lo, hi = int(corner.entry_m), int(corner.exit_m)
        factor = 1.0 + CORNER_SPEED_SPREAD_KMH / 3.6 * speed_noise[index] / min(caps[lo : hi + 1])
        for i in range(lo, hi + 1):
            caps[i] *= factor
    caps.append(caps[0])
    brake_by_metre = [brake_use[c] for c in t.next_corner]
    traction_by_metre = [traction_use[c] for c in t.prev_corner]

    def resolve(limits: list[float]) -> list[float]:
        return lapsim.solve(limits, v0, grip, brake_by_metre, traction_by_metre)

    profile = LapProfile(lap=lap, grip=grip, speed=resolve(caps))
    edits = Edits()
    todo = [m for m in mistakes if m.applies_to(lap)]
    if todo:
        mrng = mistake_rng if mistake_rng is not None else random.Random(0)
        profile.speed, edits, records = mistake_traces.apply(
            lap, todo, profile.speed, caps=caps, resolve=resolve, grip=grip, rng=mrng
        )
        profile.mistakes = sorted(records, key=lambda r: r.until_m)
    _fill_channels(profile, t, edits, traction_by_metre)
    return profile


def _clipped_gauss(rng: random.Random) -> float:
    return max(-2.5, min(2.5, rng.gauss(0.0, 1.0)))


def _fill_channels(p: LapProfile, t: Track, edits: Edits, traction_use: list[float]) -> None:
    """Pedals, gear, g-forces, steering and driver aids from the speed trace (and the mistakes' overrides).

    Vectorised over the lap; only the gearbox and the throttle foot, which
    depend on what came just before, run as loops.
    """
    arrays = lapsim.track_arrays()
    v_all = np.asarray(p.speed)
    v, v1 = v_all[:-1], v_all[1:]
    vv = v * v
    grip = p.grip
    a_req = (v1 * v1 - vv) / 2.0
    df = lapsim.DOWNFORCE_PER_MASS * vv
    a_coast = -(lapsim.DRAG_PER_MASS * vv + car.ROLLING_RESISTANCE * (G + df)) - G * arrays.grade
    k = arrays.curvature
    lat_limit = car.MU_LATERAL * grip * (G + df + vv * arrays.compression)
    # Where a mistake puts the car over the limit it runs wide instead of pulling more g.
    lat = np.minimum(vv * np.abs(k), lat_limit)

    braking = a_req < a_coast - lapsim.COAST_BAND
    brake = np.where(braking, np.minimum(1.0, (a_coast - a_req) / (car.MU_BRAKING * (G + df) * grip)), 0.0)
    brake = np.where(brake >= lapsim.MIN_BRAKE, brake, 0.0)

    gear = _gears(p.speed)
    gear_arr = np.asarray(gear)
    ratios = np.asarray(car.GEAR_RATIOS)[gear_arr - 1] * car.FINAL_DRIVE
    rpm = np.clip(v * ratios * (60.0 / (2.0 * math.pi * car.TYRE_RADIUS_M)), car.IDLE_RPM, car.MAX_RPM)
    torque = np.interp(rpm, [r for r, _ in car.TORQUE_CURVE], [tq for _, tq in car.TORQUE_CURVE])
    drive = torque * ratios * car.DRIVETRAIN_EFFICIENCY / car.TYRE_RADIUS_M / MASS_KG
    powered = (brake == 0.0) & (a_req > a_coast)
    want = np.where(powered, np.clip((a_req - a_coast) / drive, 0.0, 1.0) ** PEDAL_EXPONENT, 0.0)
    cornering = (brake == 0.0) & (np.abs(k) > CORNER_CURVATURE)
    want = np.where(cornering, np.maximum(want, BALANCE_THROTTLE), want)
    r = lat / lat_limit
    rear_load = car.REAR_WEIGHT * G + 0.55 * df
    rear_grip = car.MU_TRACTION * grip * rear_load * np.sqrt(np.maximum(0.0, 1.0 - r * r))
    pushing = np.asarray(traction_use) >= TC_TRACTION_USE
    traction_bound = powered & pushing & (a_req - a_coast >= 0.98 * rear_grip)

    throttle = _throttle_foot(want.tolist(), p.speed, edits)
    brake_list = brake.tolist()
    for i, value in edits.brake.items():
        brake_list[i] = value
    brake = np.asarray(brake_list)
    th = np.asarray(throttle)
    tc = traction_bound & (th > 0.3)
    for i in edits.tc:
        tc[i] = True
    abs_on = (brake >= ABS_PEDAL) & (v > 8.0)

    g_lat = np.copysign(lat, k) / G
    understeer = 0.012 * g_lat  # rad per g: a GT3 set up near neutral still needs a touch more lock
    wheel_deg = np.degrees(car.WHEELBASE_M * k + understeer) * car.STEERING_RATIO
    p.throttle, p.brake, p.gear = throttle, brake_list, gear
    p.g_lon = (a_req / G).tolist()
    p.g_lat = g_lat.tolist()
    p.g_vert = (np.sqrt(1.0 - arrays.grade**2) + vv * arrays.vertical_curvature / G).tolist()
    p.steering = np.clip(wheel_deg / car.STEERING_LOCK_DEG, -1.0, 1.0).tolist()
    p.abs_active = abs_on.tolist()
    p.tc_active = tc.tolist()
    p.slip_front = (0.01 + 0.06 * brake + 0.05 * abs_on + 0.01 * lat / G).tolist()
    p.slip_rear = (0.01 + 0.05 * th * np.where(traction_bound, 1.0, 0.4) + 0.1 * tc).tolist()


def _gears(speed: list[float]) -> list[int]:
    """Sequential box: up at the shift point, down as soon as the lower gear is safe."""
    top = len(car.GEAR_RATIOS)
    gears = [1] * N
    g = car.best_gear(speed[0])
    up = [car.UPSHIFT_RPM / car.rpm_per_speed(n) for n in range(1, top + 1)]  # m/s where each gear is done
    down = [car.DOWNSHIFT_RPM / car.rpm_per_speed(n) for n in range(1, top + 1)]
    for i in range(N):
        v = speed[i]
        while g < top and v > up[g - 1]:
            g += 1
        while g > 1 and v < down[g - 2]:
            g -= 1
        gears[i] = g
    return gears


def _throttle_foot(want: list[float], speed: list[float], edits: Edits) -> list[float]:
    """The throttle the foot gives: it can only squeeze so fast, lifts instantly, and mistakes override it."""
    out = [0.0] * N
    last = 1.0
    overrides = edits.throttle
    for i in range(N):
        th = overrides.get(i, want[i]) if overrides else want[i]
        # A mistake's throttle is squeezed on as fast as a foot can, no faster.
        rise = last + THROTTLE_RISE_PER_S / (speed[i] if speed[i] > 1.0 else 1.0)
        th = min(th, rise)
        out[i] = th
        last = th
    return out
