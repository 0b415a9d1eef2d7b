"""Mercedes-AMG GT3 as numbers: mass, engine, gearbox, aero and grip, plus the forces they give."""

from __future__ import annotations

import bisect
import math
from typing import Final

CAR_NAME: Final = "Mercedes-AMG GT3"
CAR_CLASS: Final = "GT3"

G: Final = 9.81
AIR_DENSITY: Final = 1.20  # kg/m3, ~400-500 m above sea level on a summer day

# Sources and assumptions: published figures for the 2016-2019 AMG GT3 (6.2 l
# V8 M159, ~550 hp before Balance of Performance, minimum weight ~1285 kg,
# 6-speed sequential transaxle) and typical GT3 aero/tyre numbers from
# engineering talks and sim setups. The exact ratios are ours, spaced so that
# 6th tops out above the ~270 km/h the car reaches at the end of the Kemmel.
MASS_KG: Final = 1300.0  # car at minimum weight + driver + part fuel
WHEELBASE_M: Final = 2.63
TYRE_RADIUS_M: Final = 0.35  # rear 31/71-18 slick, loaded
REAR_WEIGHT: Final = 0.53  # front-mid engine with transaxle

# Engine: torque (N m) against rpm; peak power ~410 kW (550 hp) near 6800 rpm.
TORQUE_CURVE: Final = (
    (1000.0, 380.0),
    (2500.0, 520.0),
    (4000.0, 620.0),
    (5000.0, 650.0),
    (5750.0, 640.0),
    (6500.0, 600.0),
    (7000.0, 565.0),
    (7500.0, 500.0),
)
IDLE_RPM: Final = 1200.0
MAX_RPM: Final = 7500.0  # limiter
UPSHIFT_RPM: Final = 7000.0
DOWNSHIFT_RPM: Final = 6300.0  # the lower gear must land below this after the shift
GEAR_RATIOS: Final = (2.62, 2.00, 1.65, 1.40, 1.19, 1.02)
FINAL_DRIVE: Final = 3.30
DRIVETRAIN_EFFICIENCY: Final = 0.88

# Aero: drag area and downforce area (coefficient times frontal area, m2). GT3
# cars are draggy (Cd ~0.45 on ~2.2 m2) with a lift-to-drag ratio near 2.
CDA_M2: Final = 1.08
CLA_M2: Final = 2.0
ROLLING_RESISTANCE: Final = 0.015

# Tyre grip (friction coefficient of a warm slick) and what the brakes and ABS
# can use of it; the lower braking figure keeps peak decel near 2 g at 250 km/h.
MU_LATERAL: Final = 1.60
MU_BRAKING: Final = 1.25
MU_TRACTION: Final = 1.45

FUEL_CAPACITY_L: Final = 120.0
BRAKE_BIAS_FRONT: Final = 0.60
STEERING_RATIO: Final = 13.0
STEERING_LOCK_DEG: Final = 270.0  # wheel angle at full lock either side (540 deg lock to lock)

_WHEEL_CIRCUMFERENCE: Final = 2.0 * math.pi * TYRE_RADIUS_M
_TOTAL_RATIOS: Final = tuple(r * FINAL_DRIVE for r in GEAR_RATIOS)
_RPM_SPEEDS: Final = tuple(p[0] for p in TORQUE_CURVE)


def engine_torque(rpm: float) -> float:
    """Full-throttle torque (N m) at rpm, linear between the points of the curve."""
    if rpm <= _RPM_SPEEDS[0]:
        return TORQUE_CURVE[0][1]
    if rpm >= _RPM_SPEEDS[-1]:
        return TORQUE_CURVE[-1][1]
    i = bisect.bisect_right(_RPM_SPEEDS, rpm)
    (r0, t0), (r1, t1) = TORQUE_CURVE[i - 1], TORQUE_CURVE[i]
    return t0 + (t1 - t0) * (rpm - r0) / (r1 - r0)


def rpm_per_speed(gear: int) -> float:
    """Engine rpm per m/s of road speed in a gear (1..6)."""
    return 60.0 / _WHEEL_CIRCUMFERENCE * _TOTAL_RATIOS[gear - 1]


def engine_rpm(speed_ms: float, gear: int) -> float:
    """Engine speed in a gear at a road speed, never below idle (the clutch slips below it)."""
    return max(IDLE_RPM, speed_ms * rpm_per_speed(gear))


def best_gear(speed_ms: float) -> int:
    """The lowest gear that keeps the engine under the upshift point: where a driver on the limit is."""
    for gear in range(1, len(GEAR_RATIOS) + 1):
        if engine_rpm(speed_ms, gear) <= UPSHIFT_RPM:
            return gear
    return len(GEAR_RATIOS)


def drive_force(speed_ms: float, gear: int) -> float:
    """Full-throttle tractive force (N) at the rear tyres in a gear, before any grip limit."""
    rpm = min(engine_rpm(speed_ms, gear), MAX_RPM)
    return engine_torque(rpm) * _TOTAL_RATIOS[gear - 1] * DRIVETRAIN_EFFICIENCY / TYRE_RADIUS_M


def max_drive_force(speed_ms: float) -> float:
    """Full-throttle force in the best gear for the speed."""
    return drive_force(speed_ms, best_gear(speed_ms))


def downforce(speed_ms: float) -> float:
    return 0.5 * AIR_DENSITY * CLA_M2 * speed_ms * speed_ms


def resistance(speed_ms: float) -> float:
    """Aero drag plus rolling resistance (N): what slows the car when no pedal is pressed."""
    return 0.5 * AIR_DENSITY * CDA_M2 * speed_ms * speed_ms + ROLLING_RESISTANCE * (MASS_KG * G + downforce(speed_ms))


def normal_accel(speed_ms: float, vertical_curvature: float = 0.0) -> float:
    """Tyre load per unit mass (m/s2): gravity, downforce, and the push of a dip (Eau Rouge)."""
    return G + downforce(speed_ms) / MASS_KG + speed_ms * speed_ms * vertical_curvature


def lateral_limit(speed_ms: float, vertical_curvature: float = 0.0) -> float:
    """Most lateral acceleration the tyres give (m/s2)."""
    return MU_LATERAL * max(0.0, normal_accel(speed_ms, vertical_curvature))


def brake_limit(speed_ms: float) -> float:
    """Most deceleration the brakes give through the tyres (m/s2), drag not included."""
    return MU_BRAKING * normal_accel(speed_ms)


def traction_limit(speed_ms: float) -> float:
    """Most forward acceleration the driven rear tyres can transmit (m/s2)."""
    rear_load = REAR_WEIGHT * MASS_KG * G + 0.55 * downforce(speed_ms)
    return MU_TRACTION * rear_load / MASS_KG


def corner_speed_limit(curvature: float, vertical_curvature: float = 0.0) -> float:
    """Highest steady speed (m/s) at a curvature: lateral grip (with downforce) equals v^2 * k.

    Solves v^2 |k| = mu (g + (rho ClA / 2m) v^2 + v^2 kv); where downforce grows
    faster than the need, the corner does not limit speed (returns inf).
    """
    k = abs(curvature)
    gain = MU_LATERAL * (0.5 * AIR_DENSITY * CLA_M2 / MASS_KG + vertical_curvature)
    if k <= gain:
        return math.inf
    return math.sqrt(MU_LATERAL * G / (k - gain))


def steering_for(curvature: float, lateral_accel: float) -> float:
    """Steering (-1 full left .. 1 full right) for a curvature: Ackermann angle plus mild understeer."""
    understeer_rad_per_g = 0.012  # a GT3 set up near neutral still needs a little more lock with load
    road_wheel = WHEELBASE_M * curvature + understeer_rad_per_g * lateral_accel / G
    wheel_deg = math.degrees(road_wheel) * STEERING_RATIO
    return max(-1.0, min(1.0, wheel_deg / STEERING_LOCK_DEG))
