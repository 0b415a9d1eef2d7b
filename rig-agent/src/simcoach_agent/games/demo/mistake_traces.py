"""How each kind of mistake bends one lap's clean speed trace and pedals, and what it cost."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from simcoach_agent.games.demo import lapsim, spa
from simcoach_agent.games.demo.car import G
from simcoach_agent.games.demo.lapsim import N, Track
from simcoach_agent.games.demo.mistakes import Mistake, MistakeRecord

APEX_HALF_WIDTH_M = 10  # low_min_speed: the stretch around the apex taken too slowly
SCRUB_DECEL = 2.0  # m/s2 a car running wide with the front tyres sliding loses on top of drag
PANIC_BRAKE_SHARE = 0.5  # late braking: the first half of the zone is on the pedal's stop (ABS)
RUN_WIDE_S = 0.6  # too fast into a corner: time spent waiting for the car to turn
WAITING_THROTTLE = 0.12  # early braking: the throttle that holds a slow car while it waits for the apex
OVERSHOOT_M = 30  # how far past the apex a car too fast into a corner can be slowest


@dataclass(slots=True)
class Edits:
    """Pedal and flag overrides, by metre, where the speed trace alone would say otherwise."""

    throttle: dict[int, float] = field(default_factory=dict)
    brake: dict[int, float] = field(default_factory=dict)
    tc: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Context:
    """What every editor needs besides the trace and the corner."""

    t: Track
    grip: float
    rng: random.Random
    edits: Edits


@dataclass(frozen=True, slots=True)
class _Made:
    """What an editor did: where it starts and ends, how big it was, and the stretch to find the
    corner's minimum speed in (one part of a chicane, the same on both traces)."""

    at: int
    until: int
    magnitude: float
    unit: str
    focus: tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Zone:
    """Where the car brakes for a corner on the clean trace: the last speed peak and where braking ends."""

    brake_at: int
    apex: int


def apply(
    lap: int,
    todo: list[Mistake],
    clean: list[float],
    *,
    caps: list[float],
    resolve: Callable[[list[float]], list[float]],
    grip: float,
    rng: random.Random,
) -> tuple[list[float], Edits, list[MistakeRecord]]:
    """The lap's trace with the mistakes made, the pedal overrides, and one record per mistake.

    resolve runs the lap simulation again on changed speed caps.
    """
    t = lapsim.track()
    edits = Edits()
    records: list[MistakeRecord] = []
    v = clean
    # A slow apex changes the approach and the exit, so it goes through the lap
    # simulation again; the other kinds are local edits of the trace.
    slow = [m for m in todo if m.kind == "low_min_speed"]
    if slow:
        caps = list(caps)
        drops = []
        for m in slow:
            corner = spa.find_corner(m.corner)
            drop = rng.uniform(6.0, 12.0)
            apex = _slowest(clean, corner)
            for i in range(max(0, apex - APEX_HALF_WIDTH_M), min(N, apex + APEX_HALF_WIDTH_M) + 1):
                caps[i] = min(caps[i], clean[apex] - drop / 3.6)
            drops.append((m, drop, apex))
        v = resolve(caps)
        for m, drop, apex in drops:
            hi = apex
            while hi < N and v[hi] != clean[hi]:
                hi += 1
            records.append(_record(lap, m, _Made(apex, hi, drop, "km/h", (apex, apex)), before=clean, after=v))
    for m in todo:
        if m.kind == "low_min_speed":
            continue
        corner = spa.find_corner(m.corner)
        before = list(v)
        made = _EDITORS[m.kind](v, corner, _Context(t, grip, rng, edits))
        changed = [i for i in range(N + 1) if v[i] != before[i]] or [made.at]
        # Where the edit meets the clean trace it must still be drivable (see lapsim.hold_to_the_car).
        lapsim.hold_to_the_car(v, changed[0], changed[-1], grip)
        records.append(_record(lap, m, made, before=before, after=v))
    return v, edits, records


def _record(lap: int, m: Mistake, made: _Made, *, before: list[float], after: list[float]) -> MistakeRecord:
    corner = spa.find_corner(m.corner)
    until = min(N, made.until)
    lo, hi = max(0, made.focus[0]), min(N, made.focus[1])
    return MistakeRecord(
        lap=lap,
        corner=corner.name,
        kind=m.kind,
        magnitude=round(made.magnitude, 3),
        unit=made.unit,
        at_m=float(made.at),
        until_m=float(until),
        time_lost_s=round(time_lost(before, after, min(made.at, int(corner.entry_m)) - 600, until), 3),
        min_speed_kmh=round(min(after[lo : hi + 1]) * 3.6, 2),
        clean_min_speed_kmh=round(min(before[lo : hi + 1]) * 3.6, 2),
    )


# --- where things are on the clean trace -----------------------------------


def _slowest(v: list[float], corner: spa.Corner) -> int:
    lo, hi = int(corner.entry_m), int(corner.exit_m)
    return min(range(lo, hi + 1), key=v.__getitem__)


def _zone(v: list[float], corner: spa.Corner) -> _Zone:
    """The main braking zone of a corner: from the fastest point since the previous corner down to
    where the speed stops falling (for a chicane, the first part)."""
    index = spa.CORNERS.index(corner)
    prev_exit = spa.CORNERS[index - 1].exit_m if index > 0 else 0.0
    lo = max(0, int(prev_exit), int(corner.entry_m) - 600)
    brake_at = max(range(lo, int(corner.apex_m) + 1), key=v.__getitem__)
    apex = brake_at
    while apex < int(corner.exit_m) and v[apex + 1] < v[apex]:
        apex += 1
    return _Zone(brake_at, apex)


# --- building blocks ---------------------------------------------------------


def _accelerate(v: list[float], i: int, speed: float, t: Track, *, grip: float, use: float) -> int:
    """From speed at index i, full (traction-limited) throttle until back on the trace; returns where."""
    while i < N:
        v[i] = speed
        speed = lapsim.forward_step(speed, i, t, grip, use)
        i += 1
        if speed >= v[i]:
            return i
    return N


def _coast(
    v: list[float],
    i: int,
    seconds: float,
    t: Track,
    *,
    edits: Edits,
    throttle: float = 0.0,
    scrub: float = 0.0,
) -> tuple[int, float]:
    """Neither pedal for `seconds` from index i: drag, rolling resistance, slope (and scrub) slow the car."""
    speed, elapsed = v[i], 0.0
    while elapsed < seconds and i < N:
        edits.throttle[i] = throttle
        edits.brake[i] = 0.0
        a = -lapsim.resist_accel(speed) - G * t.grade[i] - scrub
        nxt = min(math.sqrt(max(1.0, speed * speed + 2.0 * a)), v[i + 1])
        elapsed += 2.0 / (speed + nxt)
        i += 1
        v[i] = speed = nxt
    return i, elapsed


def _too_fast_in(
    v: list[float],
    clean: list[float],
    start: int,
    *,
    speed: float,
    zone: _Zone,
    loss_kmh: float,
    cost_s: float,
    t: Track,
    grip: float,
) -> int:
    """Still at `speed` at index start, later than the clean braking: the car brakes as it would
    have, but the whole corner slides later (runs deep), scrubs below the clean minimum, runs wide,
    and only then gets back on the throttle. Returns where it is back on the clean trace.

    Running wide costs at least cost_s over the clean lap: on a fixed line the
    extra distance of a wide exit cannot show, so the wait before the throttle
    stands for it.
    """
    # Where on the clean braking curve the car's speed is: the rest of the corner follows, late.
    match = next((j for j in range(start, zone.brake_at - 1, -1) if clean[j] >= speed), zone.brake_at)
    late = start - match
    span = max(1, zone.apex - match)
    end = min(N - 1, zone.apex + late)
    for i in range(start, end + 1):
        share = (i - start) / span
        v[i] = min(speed, clean[i - late]) - loss_kmh / 3.6 * min(1.0, share * share)
    slowest = v[end]
    wait = int(10 + RUN_WIDE_S * slowest)
    while True:
        v[end + 1 :] = clean[end + 1 :]
        i = end
        for i in range(end + 1, min(N, end + wait) + 1):
            v[i] = min(slowest, clean[i])
        until = _accelerate(v, i, v[i], t, grip=grip, use=0.85)
        if time_lost(clean, v, zone.brake_at, until) >= cost_s or end + wait >= N:
            return until
        wait += 5


def time_lost(before: list[float], after: list[float], lo: int, hi: int) -> float:
    """Seconds the trace `after` takes more than `before` from index lo to hi."""
    lost = 0.0
    for i in range(max(0, lo), min(N, hi)):
        if after[i] != before[i] or after[i + 1] != before[i + 1]:
            lost += 2.0 / (after[i] + after[i + 1]) - 2.0 / (before[i] + before[i + 1])
    return lost


# --- the mistakes ------------------------------------------------------------

Editor = Callable[[list[float], spa.Corner, _Context], _Made]


def _late_brake(v: list[float], corner: spa.Corner, ctx: _Context) -> _Made:
    zone = _zone(v, corner)
    late = round(min(ctx.rng.uniform(15.0, 30.0), 0.8 * (zone.apex - zone.brake_at)))
    loss = ctx.rng.uniform(4.0, 9.0)
    clean = list(v)
    peak = v[zone.brake_at]
    # Flat out for `late` metres more; near the end of a straight the speed barely changes.
    for i in range(zone.brake_at, zone.brake_at + late):
        v[i] = peak
        ctx.edits.throttle[i] = 1.0
        ctx.edits.brake[i] = 0.0
    start = zone.brake_at + late
    until = _too_fast_in(
        v,
        clean,
        start,
        speed=peak,
        zone=zone,
        loss_kmh=loss,
        cost_s=ctx.rng.uniform(0.2, 0.5),
        t=ctx.t,
        grip=ctx.grip,
    )
    for i in range(start, start + int(PANIC_BRAKE_SHARE * (zone.apex - zone.brake_at))):
        ctx.edits.brake[i] = 1.0
        ctx.edits.throttle[i] = 0.0
    return _Made(start, until, float(late), "m later", (zone.brake_at, zone.apex + OVERSHOOT_M))


def _early_brake(v: list[float], corner: spa.Corner, ctx: _Context) -> _Made:
    zone = _zone(v, corner)
    shift = round(ctx.rng.uniform(20.0, 40.0))
    floor = v[zone.apex] - ctx.rng.uniform(0.0, 2.0) / 3.6  # arrives a touch slow, then waits for the apex
    clean = list(v)
    # The clean braking curve, started `shift` metres sooner, down to the floor.
    for i in range(max(0, zone.brake_at - shift), zone.apex + 1):
        shifted = clean[i + shift] if i + shift <= zone.apex else floor
        v[i] = min(clean[i], max(shifted, floor))
    # Waiting for the apex is done on a trickle of throttle, not on neither pedal: where the slow approach
    # asks for just what drag gives, the foot holds the car (else early braking would look like coasting).
    for i in range(max(0, zone.brake_at - shift), zone.apex):
        a_req = (v[i + 1] ** 2 - v[i] ** 2) / 2.0
        a_coast = -lapsim.resist_accel(v[i]) - G * ctx.t.grade[i]
        if abs(a_req - a_coast) <= lapsim.COAST_BAND and v[i] < clean[i]:
            ctx.edits.throttle[i] = WAITING_THROTTLE
            ctx.edits.brake[i] = 0.0
    until = _accelerate(v, zone.apex, v[zone.apex], ctx.t, grip=ctx.grip, use=0.98)
    return _Made(zone.brake_at - shift, until, float(shift), "m earlier", (zone.brake_at - shift, zone.apex))


def _coasting(v: list[float], corner: spa.Corner, ctx: _Context) -> _Made:
    seconds = ctx.rng.uniform(0.6, 1.2)
    if corner.flat_out:
        # No braking to come off: the coast is a lift at turn-in.
        start = int(corner.entry_m)
        i, elapsed = _coast(v, start, seconds, ctx.t, edits=ctx.edits)
        until = _accelerate(v, i, v[i], ctx.t, grip=ctx.grip, use=0.97)
        return _Made(start, until, elapsed, "s", (start, until))
    # Off the brakes too soon (or off the throttle, where the clean lap barely
    # brakes) and rolling to the apex on neither pedal while drag slows the car.
    zone = _zone(v, corner)
    clean = list(v)
    arrive = v[zone.apex] - ctx.rng.uniform(2.0, 4.0) / 3.6  # over-slowed: that is why the brakes came off
    coasting = {zone.apex: arrive}
    i, speed, elapsed = zone.apex, arrive, 0.0
    while elapsed < seconds and i > 1:
        before = math.sqrt(speed * speed + 2.0 * (lapsim.resist_accel(speed) + G * ctx.t.grade[i - 1]))
        if before >= clean[i - 1]:
            break  # the coast starts straight off the clean trace: a lift, no braking
        elapsed += 2.0 / (speed + before)
        i -= 1
        coasting[i] = speed = before
    release = i
    if speed < clean[release]:
        # Brake as before, but reach the release speed where the coast begins.
        reach = next((j for j in range(zone.brake_at, zone.apex + 1) if clean[j] <= speed), release)
        shift = max(0, reach - release)
        for j in range(max(0, zone.brake_at - shift), release):
            v[j] = min(clean[j], max(clean[min(j + shift, zone.apex)], speed))
    for j in range(release, zone.apex + 1):
        v[j] = min(clean[j], coasting[j])
        ctx.edits.throttle[j] = 0.0
        ctx.edits.brake[j] = 0.0
    until = _accelerate(v, zone.apex, v[zone.apex], ctx.t, grip=ctx.grip, use=0.97)
    return _Made(release, until, elapsed, "s", (release, zone.apex))


def _overlap(v: list[float], corner: spa.Corner, ctx: _Context) -> _Made:
    zone = _zone(v, corner)
    seconds = ctx.rng.uniform(0.3, 0.8)
    throttle = ctx.rng.uniform(0.2, 0.35)
    clean = list(v)
    speed, i, elapsed = v[zone.brake_at], zone.brake_at, 0.0
    # The right foot has not quite left the throttle as the left one brakes:
    # the engine pushes against the brakes and the car slows less than it should.
    while elapsed < seconds and i < zone.apex - 1:
        pedal = lapsim.brake_pedal(clean[i], clean[i + 1], i, ctx.t, ctx.grip)
        decel = (clean[i] ** 2 - clean[i + 1] ** 2) / 2.0 - throttle * lapsim.engine_accel(speed)
        nxt = math.sqrt(max(1.0, speed * speed - 2.0 * decel))
        ctx.edits.throttle[i] = throttle
        ctx.edits.brake[i] = max(0.3, pedal)
        elapsed += 2.0 / (speed + nxt)
        i += 1
        v[i] = speed = nxt
    loss, cost = ctx.rng.uniform(1.0, 4.0), ctx.rng.uniform(0.05, 0.2)
    until = _too_fast_in(v, clean, i, speed=speed, zone=zone, loss_kmh=loss, cost_s=cost, t=ctx.t, grip=ctx.grip)
    return _Made(zone.brake_at, until, elapsed, "s", (zone.brake_at, zone.apex + OVERSHOOT_M))


def _early_throttle(v: list[float], corner: spa.Corner, ctx: _Context) -> _Made:
    zone = _zone(v, corner)
    early = round(ctx.rng.uniform(15.0, 30.0))
    start = max(zone.brake_at + 1, zone.apex - early)
    # Where the clean driver would squeeze the throttle: the end of the slow part of the corner.
    pickup = next((j for j in range(zone.apex, N) if v[j] > v[zone.apex] + 0.5), zone.apex)
    # Throttle while the car is still turning in: traction control cuts in and
    # the car scrubs speed through the apex as it would have...
    for i in range(start, pickup):
        ctx.edits.throttle[i] = 0.35 + 0.4 * (i - start) / max(1, pickup - start)
        ctx.edits.brake[i] = 0.0
        ctx.edits.tc.add(i)
    # ...until it pushes wide where the exit begins: a forced lift, then a more careful exit.
    i, _ = _coast(v, pickup, ctx.rng.uniform(0.4, 0.7), ctx.t, edits=ctx.edits, throttle=0.05, scrub=SCRUB_DECEL)
    until = _accelerate(v, i, v[i], ctx.t, grip=ctx.grip, use=0.85)
    return _Made(start, until, float(zone.apex - start), "m early", (start, i))


_EDITORS: dict[str, Editor] = {
    "late_brake": _late_brake,
    "early_brake": _early_brake,
    "coasting": _coasting,
    "overlap": _overlap,
    "early_throttle": _early_throttle,
}
