"""Coaching engine cost per frame over a multi-lap demo session: mean, median, p99 and worst, with and without rules.

The session is the demo GT3 at Spa, 60 Hz, with a few mistakes so that corner
analysis, advice and new references all happen. Frames are made first, then
timed one by one through ``CoachEngine.on_frame`` (what ingest calls). The
worst frames are the ones that end a lap (resampling it, maybe a new
reference with its corners) or a corner's segment (measuring it).

    .venv/bin/python bench/coaching_engine.py [--laps 6]
"""

from __future__ import annotations

import argparse
import statistics
import time

from simcoach.coaching.engine import CoachEngine
from simcoach.storage.store import Store
from simcoach_agent.games.demo import DemoCar, parse_mistakes
from simcoach_agent.telemetry import Frame

MISTAKES = "late_brake@La Source:3,coasting@Pouhon:3,overlap@Bus Stop:4,early_throttle@Rivage:5"


def session_frames(laps: int) -> tuple[list[Frame], DemoCar]:
    car = DemoCar(seed=1, mistakes=parse_mistakes(MISTAKES))
    frames: list[Frame] = []
    n = 0
    while car.laps_completed < laps:
        car.step(1 / 60)
        n += 1
        frames.append(car.frame("bench", n, 1_700_000_000.0 + n / 60))
    return frames, car


def run(frames: list[Frame], car: DemoCar, rules: bool) -> tuple[list[float], int]:
    engine = CoachEngine(Store(None).open(), rules_factory=None if rules else (lambda _s: []))
    engine.set_session("bench", car.session_info(), frames[0].t)
    clock = time.perf_counter_ns
    costs: list[float] = []
    said = 0
    for frame in frames:
        start = clock()
        out = engine.on_frame(frame)
        costs.append((clock() - start) / 1000.0)
        if out:
            said += len(out)
        engine.coach_json("bench")  # what a dashboard asks for, at most once per frame
    engine.writer.flush_now()  # outside the timing: the backend does this in a thread
    return costs, said


def report(label: str, costs: list[float]) -> None:
    ordered = sorted(costs)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(
        f"{label:<22} frames {len(costs):>6}  mean {statistics.fmean(costs):6.2f} us  "
        f"median {statistics.median(costs):6.2f} us  p99 {p99:6.2f} us  worst {ordered[-1] / 1000:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laps", type=int, default=6)
    args = parser.parse_args()
    frames, car = session_frames(args.laps)
    print(f"demo session: {args.laps} laps of Spa at 60 Hz, mistakes {MISTAKES}")
    run(frames[:5000], car, rules=True)  # warm up numpy and the caches
    for rules in (False, True):
        costs, said = run(frames, car, rules)
        report("engine, rules " + ("on" if rules else "off"), costs)
        print(f"{'':<22} messages out (events and laps): {said}; target: mean < 20 us a frame")


if __name__ == "__main__":
    main()
