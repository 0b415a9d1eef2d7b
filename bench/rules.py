"""Per-frame cost of all default coaching rules together (mean and p99 µs), and of each rule, on demo laps.

Frames come from the demo GT3 at Spa (4 laps at 60 Hz, with a few injected
mistakes so that the rules also fire); they are built first and then fed to
the rules the way the engine does. The target is under 10 µs a frame on
average for all rules together.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from functools import partial

from simcoach.coaching.context import RigContext
from simcoach.coaching.events import Event
from simcoach.coaching.rules import Rule, default_rules
from simcoach_agent.games.demo import DemoCar, parse_mistakes, spa
from simcoach_agent.telemetry import Frame, SessionInfo

LAPS = 4
DT = 1.0 / 60.0
Frames = list[tuple[Frame, str | None, str]]
MISTAKES = "overlap@Bus Stop:2,coasting@Pouhon:3,late_brake@La Source:3,early_throttle@Stavelot:4"


def demo_frames() -> tuple[SessionInfo, Frames]:
    car = DemoCar(1, mistakes=parse_mistakes(MISTAKES))
    out: Frames = []
    seq = 0
    while car.laps_completed < LAPS:
        car.step(DT)
        seq += 1
        frame = car.frame("bench", seq, 1_700_000_000.0 + seq * DT)
        at_m = frame.lap_dist_m or 0.0
        here = spa.corner_at(at_m)
        ahead = next((c for c in spa.CORNERS if c.entry_m > at_m), spa.CORNERS[0])
        out.append((frame, here.name if here else None, ahead.name))
    return car.session_info(), out


def run(session: SessionInfo, frames: Frames, rules: list[Rule], per_frame: list[int]) -> int:
    ctx = RigContext(rig="bench", session=session, phase="flying")
    prev: Frame | None = None
    events = 0
    clock = time.perf_counter_ns
    for frame, corner, ahead in frames:
        ctx.corner = corner
        ctx.next_corner = ahead
        start = clock()
        for rule in rules:
            if ctx.phase in rule.phases:
                events += len(rule.evaluate(prev, frame, ctx))
        per_frame.append(clock() - start)
        prev = frame
    return events


class _Noop(Rule):
    """The engine's own loop and call cost, to take out of the per-rule figures."""

    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        return []


def passes(session: SessionInfo, frames: Frames, make: Callable[[], list[Rule]], n: int) -> list[list[int]]:
    """n timed passes over the frames, each with fresh rules; the machine may be busy, so keep them all."""
    out = []
    for _ in range(n):
        per_frame: list[int] = []
        run(session, frames, make(), per_frame)
        out.append(per_frame)
    return out


def one_rule(index: int) -> list[Rule]:
    return [default_rules("GT3")[index]]


def main() -> None:
    session, frames = demo_frames()
    events = run(session, frames, default_rules("GT3"), [])
    gc.collect()
    gc.disable()
    try:
        results = passes(session, frames, lambda: default_rules("GT3"), 5)
        means = sorted(sum(p) / len(p) / 1000.0 for p in results)
        best = min(results, key=sum)
        us = sorted(ns / 1000.0 for ns in best)
        p99 = us[int(0.99 * (len(us) - 1))]
        count = len(default_rules("GT3"))
        print(f"all {count} default rules, {len(frames)} demo frames ({LAPS} laps at 60 Hz), {events} events")
        print(
            f"per frame, best of {len(results)} passes: mean {means[0]:.2f} µs, p50 {us[len(us) // 2]:.2f} µs, "
            f"p99 {p99:.2f} µs, max {us[-1]:.1f} µs"
        )
        print(f"mean of every pass: {', '.join(f'{m:.2f}' for m in means)} µs (target: under 10 µs)")
        base = min(sum(p) / len(p) for p in passes(session, frames, lambda: [_Noop()], 3)) / 1000.0
        print(f"per rule, mean µs a frame (best of 3, less {base:.2f} µs of loop and timer):")
        for i, rule in enumerate(default_rules("GT3")):
            timed = passes(session, frames, partial(one_rule, i), 3)
            cost = min(sum(p) / len(p) for p in timed) / 1000.0 - base
            print(f"  {type(rule).__name__:<20} {cost:5.2f}")
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
