"""The demo stays physical with any seed and any mistake: frames in the contract, every step within what a GT3 can do.

The limits (games/demo/limits.py, docs/demo.md): braking at most 2.5 g,
accelerating at most 1.2 g, lateral at most 3.0 g, speed continuous with
every step consistent with those, throttle squeezed on at most 5/s, steering
at most 4.5/s of its range (~1200 deg/s at the wheel), one gear at a time, and
the g_lon frames report agreeing with their speed change over half a second.

Seeds here are a modest sample; ``bench/demo_physics.py`` sweeps many more.
"""

from __future__ import annotations

import itertools
import random

import msgspec
import pytest

from simcoach_agent.games.demo import CORNERS, KINDS, DemoCar, Mistake, driver, limits, parse_mistakes
from simcoach_agent.games.demo.mistakes import LIFT_KINDS
from simcoach_agent.telemetry.frame import Frame

SEEDS = (7, 23, 58)
DT = 1 / 60
ISSUE_SPEC = "late_brake@Les Combes,coasting@Fagnes,overlap@Bus Stop,low_min_speed@Pouhon"
_DECODE = msgspec.msgpack.Decoder(Frame)


def possible_at(kind: str) -> list[str]:
    return [c.name for c in CORNERS if not c.flat_out or kind in LIFT_KINDS]


def frames_of(seed: int, spec: str, laps: int) -> list[Frame]:
    sim = DemoCar(seed=seed, mistakes=parse_mistakes(spec))
    frames = []
    seq = 0
    while sim.laps_completed < laps:
        sim.step(DT)
        seq += 1
        frames.append(sim.frame("rig-1", seq, 1.7e9 + seq * DT))
    return frames


def refused(frames: list[Frame]) -> list[str]:
    """What the frame contract refuses, frame by frame (a frame decodes to itself or names its fault)."""
    out = []
    for f in frames:
        try:
            _DECODE.decode(msgspec.msgpack.encode(f))
        except msgspec.ValidationError as error:
            out.append(f"frame {f.seq} (lap {f.lap} at {f.lap_dist_m:.0f} m): {error}")
    return out


def test_the_limits_are_what_a_gt3_can_do():
    # Stated here as well as in the module, so that loosening a limit is a visible change to this test.
    assert (limits.BRAKING_G, limits.ACCEL_G, limits.LATERAL_G) == (2.5, 1.2, 3.0)
    assert (limits.THROTTLE_RISE_PER_S, limits.STEERING_RATE_PER_S, limits.MAX_GEAR_STEP) == (5.0, 4.5, 1)


def test_the_checks_catch_the_jump_the_demo_once_made():
    """Seed 11 once dropped from 170 to 135 km/h in two frames at Fagnes, with g_lon at -41 g."""
    p = driver.build_lap(2, 60.0, random.Random(11))
    assert limits.plan_violations(p, 60.0) == []
    p.speed[4314] = p.speed[4313] - 23.0 / 3.6
    p.g_lon[4313] = (p.speed[4314] ** 2 - p.speed[4313] ** 2) / 2.0 / 9.81
    (found,) = limits.plan_violations(p, 60.0)
    assert found.startswith("lap 2 at 4313 m: braking")
    frames = [_frame_at(0, 170.0, -1.0), _frame_at(1, 146.1, -41.0), _frame_at(2, 135.5, -1.0)]
    found_frames = limits.frame_violations(frames)
    assert any("170.0 to 146.1 km/h" in v for v in found_frames)
    assert any("g_lon -41.00 g" in v for v in found_frames)
    assert refused(frames) and "g_lon" in refused(frames)[0]


def _frame_at(seq: int, speed_kmh: float, g_lon: float) -> Frame:
    sim = DemoCar(seed=1)
    sim.step(DT)
    return msgspec.structs.replace(sim.frame("rig-1", seq, 1.7e9 + seq * DT), speed_kmh=speed_kmh, g_lon=g_lon)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_a_mistake_at_every_corner_where_it_can_happen_stays_physical(seed, kind):
    mistakes = [Mistake(kind, name) for name in possible_at(kind)]  # type: ignore[arg-type]
    v0 = 62.0
    lap = driver.build_lap(2, v0, random.Random(seed), mistakes, random.Random(f"mistakes-{seed}"))
    # Every mistake was made (one record per corner), and the whole lap stays within the limits.
    assert sorted(r.corner for r in lap.mistakes) == sorted(possible_at(kind))
    assert limits.plan_violations(lap, v0) == []
    # The next lap starts where this one ended.
    after = driver.build_lap(3, lap.speed[-1], random.Random(seed + 1))
    assert limits.plan_violations(after, lap.speed[-1]) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_any_mix_of_mistakes_stays_physical(seed):
    """Mistakes at neighbouring corners bend the same stretch of trace: each kind at random corners, together."""
    rng = random.Random(seed)
    mistakes = []
    for corner in CORNERS:
        kinds = [k for k in KINDS if not corner.flat_out or k in LIFT_KINDS]
        mistakes.append(Mistake(rng.choice(kinds), corner.name))  # type: ignore[arg-type]
    lap = driver.build_lap(2, 60.0, random.Random(seed), mistakes, random.Random(f"mistakes-{seed}"))
    assert len(lap.mistakes) == len(CORNERS)
    assert limits.plan_violations(lap, 60.0) == []


def test_the_run_from_the_issue_gives_only_frames_the_contract_takes_and_physical_steps():
    frames = frames_of(11, ISSUE_SPEC, 5)
    assert {f.lap for f in frames} == {1, 2, 3, 4, 5, 6}
    assert refused(frames) == []
    assert limits.frame_violations(frames) == []
    for lap in (2, 5):  # where the coast at Fagnes began with a 35 km/h drop
        fagnes = [f for f in frames if f.lap == lap and 4250 <= f.lap_dist_m <= 4450]
        step_kmh = max(abs(b.speed_kmh - a.speed_kmh) for a, b in itertools.pairwise(fagnes))
        assert step_kmh <= limits.BRAKING_G * 9.81 * DT * 3.6  # 1.44 km/h a frame at most


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_frames_with_every_kind_of_mistake_stay_in_the_contract(seed):
    rng = random.Random(seed)
    spec = ",".join(f"{rng.choice([k for k in KINDS if c.name in possible_at(k)])}@{c.name}" for c in CORNERS)
    frames = frames_of(seed, spec, 3)
    assert refused(frames) == []
    assert limits.frame_violations(frames) == []
