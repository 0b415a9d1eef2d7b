"""Sweep of the demo's physics: many seeds, every mistake kind at every corner, checked against the GT3 limits.

For each seed and kind, lap 2 is planned with the kind at every corner where
it can happen, and every metre is checked (games/demo/limits.py); then one lap
with a random kind at every corner, together. A sample of seeds is also
driven frame by frame at 60 Hz, each frame validated by the frame contract
and each step checked. Prints the laps, metres and frames checked, the
violations found (none expected), and the worst figures seen against the limits.

    .venv/bin/python bench/demo_physics.py [--seeds 50] [--frame-seeds 4]
"""

from __future__ import annotations

import argparse
import random
import time

import msgspec

from simcoach_agent.games.demo import CORNERS, KINDS, DemoCar, Mistake, driver, limits
from simcoach_agent.games.demo.mistakes import LIFT_KINDS
from simcoach_agent.telemetry.frame import Frame


def possible(kind: str) -> list[str]:
    return [c.name for c in CORNERS if not c.flat_out or kind in LIFT_KINDS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--frame-seeds", type=int, default=4)
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    laps = metres = 0
    violations: list[str] = []
    worst = {"braking g": 0.0, "accel g": 0.0, "lateral g": 0.0, "throttle rise /s": 0.0, "steering /s": 0.0}
    start = time.perf_counter()
    for seed in seeds:
        rng = random.Random(seed)
        plans: list[list[Mistake]] = [[Mistake(k, c) for c in possible(k)] for k in KINDS]  # type: ignore[arg-type]
        plans.append([Mistake(rng.choice([k for k in KINDS if c.name in possible(k)]), c.name) for c in CORNERS])  # type: ignore[arg-type]
        for mistakes in plans:
            v0 = rng.uniform(55.0, 65.0)
            p = driver.build_lap(2, v0, random.Random(seed), mistakes, random.Random(f"mistakes-{seed}"))
            found = limits.plan_violations(p, v0)
            violations += [f"seed {seed} {mistakes[0].kind}...: {v}" for v in found]
            laps += 1
            metres += len(p.g_lon)
            v = p.speed
            for i in range(len(p.g_lon) - 1):
                worst["braking g"] = max(worst["braking g"], -p.g_lon[i])
                worst["accel g"] = max(worst["accel g"], p.g_lon[i])
                worst["lateral g"] = max(worst["lateral g"], abs(p.g_lat[i]))
                rise = (p.throttle[i + 1] - p.throttle[i]) * v[i + 1]
                worst["throttle rise /s"] = max(worst["throttle rise /s"], rise)
                turn = abs(p.steering[i + 1] - p.steering[i]) * v[i + 1]
                worst["steering /s"] = max(worst["steering /s"], turn)
    plan_s = time.perf_counter() - start

    decoder = msgspec.msgpack.Decoder(Frame)
    frames_checked = refused = 0
    for seed in list(seeds)[: args.frame_seeds]:
        rng = random.Random(seed)
        mistakes = [Mistake(rng.choice([k for k in KINDS if c.name in possible(k)]), c.name) for c in CORNERS]  # type: ignore[arg-type]
        sim = DemoCar(seed=seed, mistakes=mistakes)
        frames: list[Frame] = []
        seq = 0
        while sim.laps_completed < 3:
            sim.step(1 / 60)
            seq += 1
            frames.append(sim.frame("bench", seq, 1.7e9 + seq / 60))
        for f in frames:
            try:
                decoder.decode(msgspec.msgpack.encode(f))
            except msgspec.ValidationError as error:
                refused += 1
                violations.append(f"seed {seed} frame {f.seq}: contract: {error}")
        violations += [f"seed {seed}: {v}" for v in limits.frame_violations(frames)]
        frames_checked += len(frames)

    print(f"seeds {seeds.start}..{seeds.stop - 1}: {laps} lap plans, {metres} metres checked in {plan_s:.1f} s")
    print(f"frames at 60 Hz: {frames_checked} from {min(args.frame_seeds, args.seeds)} seeds, {refused} refused")
    limit = {
        "braking g": limits.BRAKING_G,
        "accel g": limits.ACCEL_G,
        "lateral g": limits.LATERAL_G,
        "throttle rise /s": limits.THROTTLE_RISE_PER_S,
        "steering /s": limits.STEERING_RATE_PER_S,
    }
    for name, value in worst.items():
        print(f"  worst {name:<17} {value:6.2f}   limit {limit[name]:.2f}")
    print(f"violations: {len(violations)}")
    for v in violations[:20]:
        print("  " + v)


if __name__ == "__main__":
    main()
