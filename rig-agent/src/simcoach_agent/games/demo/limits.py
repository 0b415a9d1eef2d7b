"""What a GT3 and its driver can physically do, as limits, and the check of a lap plan or a run of frames against them.

The demo promises that every lap, clean or with any mistake on any seed,
stays inside these limits (docs/demo.md, "Physical limits"). The figures:

- braking: at most 2.5 g. The AMG GT3's brakes through slicks (mu 1.25 of
  the load) with ~500 kg of downforce at 270 km/h and drag give ~2.2 g at the
  top of the Kemmel; nothing a GT3 does on a flat road reaches 2.5 g.
- accelerating: at most 1.2 g. First gear at full torque is ~1.1 g before
  the rear tyres' limit (~0.8 g at low speed, a little more with downforce).
- lateral: at most 3.0 g. 1.6 mu with downforce gives ~2.4 g at 250 km/h;
  the compression at the bottom of Eau Rouge adds load.
- speed: continuous, each step consistent with the accelerations above.
- throttle: squeezed on at most 5 per second (0 to 1 in 0.2 s, a quick foot).
  Lifting and stamping on the brake are not limited: a foot does either within
  one 60 Hz frame.
- steering: at most 4.5 per second of the normalised range (about 1200 deg/s
  at the wheel with 540 deg lock to lock): a quick direction change in a
  chicane like Les Combes, not a twitch.
- gears: one at a time (a sequential box).

The plan is one value a metre (speed linear in between), so a frame can see
the next metre's value up to a metre early: frame checks allow one metre's
worth of change on top of the rate times the frame time.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

from simcoach_agent.games.demo.car import G
from simcoach_agent.games.demo.driver import LapProfile
from simcoach_agent.telemetry.frame import Frame

BRAKING_G: Final = 2.5
ACCEL_G: Final = 1.2
LATERAL_G: Final = 3.0
THROTTLE_RISE_PER_S: Final = 5.0
STEERING_RATE_PER_S: Final = 4.5
MAX_GEAR_STEP: Final = 1
# Sensor noise the frames add on top of the plan (sim.py: 0.015 g, 0.004 steering); five sigma.
NOISE_G: Final = 0.075
NOISE_STEERING: Final = 0.03
# Over half a second, the mean g_lon the frames report and the speed change they show must agree.
CONSISTENCY_WINDOW_S: Final = 0.5
CONSISTENCY_G: Final = 0.15
_EPS: Final = 1e-9


def plan_violations(p: LapProfile, v0: float | None = None) -> list[str]:
    """Every metre of a lap plan that asks more than the limits, as 'lap L at M m: what' (empty: physical).

    v0 is the speed the lap was planned to start at (the previous lap's end): the lap must start there.
    """
    out: list[str] = []
    v = p.speed
    n = len(p.g_lon)
    if v0 is not None and abs(v[0] - v0) > 1e-6:
        out.append(f"lap {p.lap} starts at {v[0] * 3.6:.1f} km/h, the lap before ended at {v0 * 3.6:.1f} km/h")
    for i in range(n):
        where = f"lap {p.lap} at {i} m"
        if p.g_lon[i] < -BRAKING_G - _EPS:
            out.append(f"{where}: braking {-p.g_lon[i]:.2f} g > {BRAKING_G} g")
        if p.g_lon[i] > ACCEL_G + _EPS:
            out.append(f"{where}: accelerating {p.g_lon[i]:.2f} g > {ACCEL_G} g")
        if abs(p.g_lat[i]) > LATERAL_G + _EPS:
            out.append(f"{where}: lateral {abs(p.g_lat[i]):.2f} g > {LATERAL_G} g")
        for name, x in (("throttle", p.throttle[i]), ("brake", p.brake[i])):
            if not 0.0 <= x <= 1.0:
                out.append(f"{where}: {name} {x:.3f} outside 0..1")
        if i + 1 < n:
            per_s = v[i + 1]  # metres a second at the next metre: changes per metre times this are per second
            rise = (p.throttle[i + 1] - p.throttle[i]) * per_s
            if rise > THROTTLE_RISE_PER_S * (1.0 + 1e-6) + _EPS:
                out.append(f"{where}: throttle rises {rise:.1f}/s > {THROTTLE_RISE_PER_S}/s")
            turn = abs(p.steering[i + 1] - p.steering[i]) * per_s
            if turn > STEERING_RATE_PER_S:
                out.append(f"{where}: steering turns {turn:.2f}/s > {STEERING_RATE_PER_S}/s")
            if abs(p.gear[i + 1] - p.gear[i]) > MAX_GEAR_STEP:
                out.append(f"{where}: gear {p.gear[i]} to {p.gear[i + 1]}")
    return out


def frame_violations(frames: Sequence[Frame]) -> list[str]:
    """Every step between consecutive frames (time from their t) that breaks the limits (empty: physical)."""
    out: list[str] = []
    for a, b in itertools.pairwise(frames):
        dt = b.t - a.t
        if dt <= 0.0 or a.speed_kmh is None or b.speed_kmh is None:
            out.append(f"frame {b.seq}: no time step or no speed")
            continue
        where = f"frame {b.seq} (lap {b.lap} at {b.lap_dist_m or 0.0:.0f} m)"
        accel = (b.speed_kmh - a.speed_kmh) / 3.6 / dt / G
        if accel < -BRAKING_G - _EPS or accel > ACCEL_G + _EPS:
            out.append(f"{where}: speed {a.speed_kmh:.1f} to {b.speed_kmh:.1f} km/h in {dt:.3f} s is {accel:.2f} g")
        g_lon, g_lat = b.g_lon or 0.0, b.g_lat or 0.0
        if not -BRAKING_G - NOISE_G <= g_lon <= ACCEL_G + NOISE_G:
            out.append(f"{where}: g_lon {g_lon:.2f} g")
        if abs(g_lat) > LATERAL_G + NOISE_G:
            out.append(f"{where}: g_lat {g_lat:.2f} g")
        # One metre of the plan can show a frame early (see the module docstring).
        metre_s = 1.0 / max(1.0, min(a.speed_kmh, b.speed_kmh) / 3.6)
        if a.throttle is not None and b.throttle is not None:
            rise = b.throttle - a.throttle
            if rise > THROTTLE_RISE_PER_S * (dt + metre_s) + _EPS:
                out.append(f"{where}: throttle {a.throttle:.2f} to {b.throttle:.2f} in {dt:.3f} s")
        if a.steering is not None and b.steering is not None:
            turn = abs(b.steering - a.steering)
            if turn > STEERING_RATE_PER_S * (dt + metre_s) + NOISE_STEERING:
                out.append(f"{where}: steering {a.steering:.3f} to {b.steering:.3f} in {dt:.3f} s")
        if a.gear is not None and b.gear is not None and abs(b.gear - a.gear) > MAX_GEAR_STEP:
            out.append(f"{where}: gear {a.gear} to {b.gear}")
    out += _consistency(frames)
    return out


def _consistency(frames: Sequence[Frame]) -> list[str]:
    """The g_lon frames report agrees with how their speed changes, over half-second windows."""
    out: list[str] = []
    start = 0
    while start < len(frames):
        end = start
        while end + 1 < len(frames) and frames[end + 1].t - frames[start].t < CONSISTENCY_WINDOW_S:
            end += 1
        if end + 1 >= len(frames):
            break
        a, b = frames[start], frames[end + 1]
        if a.speed_kmh is not None and b.speed_kmh is not None:
            from_speed = (b.speed_kmh - a.speed_kmh) / 3.6 / (b.t - a.t) / G
            reported = sum((f.g_lon or 0.0) * (f.t - p.t) for p, f in itertools.pairwise(frames[start : end + 2]))
            reported /= b.t - a.t
            if abs(from_speed - reported) > CONSISTENCY_G:
                out.append(
                    f"frames {a.seq}-{b.seq} (lap {b.lap} at {b.lap_dist_m or 0.0:.0f} m): speed says "
                    f"{from_speed:.2f} g, g_lon says {reported:.2f} g"
                )
        start = end + 1
    return out
