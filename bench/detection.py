"""How well the per-corner lap analysis finds the demo driver's mistakes, on many seeds nobody tuned for.

Per seed, the demo GT3 drives 3 clean laps (the reference is the fastest,
as the engine picks it), then 8 more: even laps with 4 mistakes at corners at
least two apart (each (kind, corner) pair possible at Spa is drawn in turn,
so every kind is made at a spread of corners), odd laps clean. Frames at
60 Hz go through the engine's lap tracker; each lap's trace is analysed
corner by corner against the reference and the driver's earlier laps at each
corner, laps 1-3 first (``feedback.analyse`` with a ``CornerHistory``, as the
engine keeps it: what the analysis finds, before the scheduler decides what to
say; ``--no-history`` judges against the reference alone). The demo's ground
truth (``DemoCar.mistake_log``) says what was done where.

Printed: per kind and per corner, the share of injected mistakes found with
the right corner and kind; false findings per clean lap (and on mistake laps,
findings at corners without a mistake); and what the scheduler then says on
the clean laps, per lap.

    .venv/bin/python bench/detection.py [--seeds 30] [--first-seed 100] [--cache DIR] [--no-history]

With --cache, the laps of each seed are kept in DIR and read back on the next
run, so the analysis can be re-run without driving again.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simcoach.coaching.feedback import CornerHistory, CornerResult, Finding, analyse, measure
from simcoach.coaching.laps import LapTracker
from simcoach.coaching.reference import RefKey, build_reference
from simcoach.coaching.scheduler import Scheduler
from simcoach.coaching.trace import LapTrace
from simcoach.tracks.loader import TrackLibrary
from simcoach_agent.games.demo import CORNERS, KINDS, DemoCar, Mistake
from simcoach_agent.games.demo.mistakes import LIFT_KINDS

REFERENCE_LAPS = 3
MISTAKE_LAPS = (4, 6, 8, 10)
CLEAN_LAPS = (5, 7, 9, 11)
PER_LAP = 4
LAPS = max(*MISTAKE_LAPS, *CLEAN_LAPS)
SPA_M = 7004.0
# A mistake that costs less than this against the same lap driven cleanly is not one: nothing to find or say.
NEGLIGIBLE_S = 0.05


@dataclass(frozen=True, slots=True)
class SeedRun:
    seed: int
    traces: dict[int, LapTrace]  # lap number -> whole-lap trace
    times: dict[int, float]
    mistakes: list[tuple[int, str, str, float]]  # (lap, corner, kind, time lost) as the demo made them


def pairs() -> list[tuple[str, str]]:
    """Every (kind, corner) a demo mistake can be."""
    return [(k, c.name) for k in KINDS for c in CORNERS if not c.flat_out or k in LIFT_KINDS]


def schedule(seed: int) -> list[Mistake]:
    """PER_LAP mistakes on each mistake lap, at corners at least two apart, drawn from all pairs in turn."""
    rng = random.Random(f"detection-{seed}")
    todo = pairs()
    rng.shuffle(todo)
    index = {c.name: i for i, c in enumerate(CORNERS)}
    out: list[Mistake] = []
    for lap in MISTAKE_LAPS:
        taken: list[int] = []
        for kind, corner in list(todo):
            i = index[corner]
            if all(min(abs(i - j), len(CORNERS) - abs(i - j)) >= 2 for j in taken):
                out.append(Mistake(kind, corner, lap))  # type: ignore[arg-type]
                taken.append(i)
                todo.remove((kind, corner))
                if len(taken) == PER_LAP:
                    break
    return out


def drive(seed: int) -> SeedRun:
    car = DemoCar(seed=seed, mistakes=schedule(seed))
    tracker = LapTracker(SPA_M)
    traces: dict[int, LapTrace] = {}
    times: dict[int, float] = {}
    seq = 0
    while car.laps_completed < LAPS:
        car.step(1 / 60)
        seq += 1
        update = tracker.update(car.frame("bench", seq, 1.7e9 + seq / 60))
        if update is not None:
            for lap in update.finished:
                if lap.trace is not None and lap.number is not None and lap.time_s is not None:
                    traces[lap.number] = lap.trace
                    times[lap.number] = lap.time_s
    # The last lap ends at the line: one more frame lets the tracker close it.
    for _ in range(120):
        car.step(1 / 60)
        seq += 1
        update = tracker.update(car.frame("bench", seq, 1.7e9 + seq / 60))
        if update is not None:
            for lap in update.finished:
                if lap.trace is not None and lap.number is not None and lap.time_s is not None:
                    traces[lap.number] = lap.trace
                    times[lap.number] = lap.time_s
    return SeedRun(seed, traces, times, [(r.lap, r.corner, r.kind, r.time_lost_s) for r in car.mistake_log])


def load_or_drive(seed: int, cache: Path | None) -> SeedRun:
    if cache is None:
        return drive(seed)
    folder = cache / f"seed-{seed}"
    meta = folder / "meta.json"
    if meta.exists():
        info = json.loads(meta.read_text())
        traces = {int(k): _read_trace(folder / f"lap-{k}.npz") for k in info["times"]}
        return SeedRun(
            seed, traces, {int(k): v for k, v in info["times"].items()}, [tuple(m) for m in info["mistakes"]]
        )
    run = drive(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for lap, trace in run.traces.items():
        _write_trace(folder / f"lap-{lap}.npz", trace)
    meta.write_text(json.dumps({"times": run.times, "mistakes": run.mistakes}))
    return run


def _write_trace(path: Path, trace: LapTrace) -> None:
    """Full precision (the store keeps float32; the analysis of a live lap sees float64)."""
    with path.open("wb") as f:
        np.savez(f, meta=np.array([trace.start_m, trace.lap_time_s or np.nan]), time_s=trace.time_s, **trace.channels)


def _read_trace(path: Path) -> LapTrace:
    with np.load(path) as z:
        channels = {k: z[k] for k in z.files if k not in ("meta", "time_s")}
        start_m, lap_time_s = (float(x) for x in z["meta"])
        return LapTrace(start_m, z["time_s"], channels, length_m=SPA_M, lap_time_s=lap_time_s)


def analyse_lap(lap: int, trace: LapTrace, ref: object, history: CornerHistory) -> list[CornerResult | None]:
    """Every corner of a lap against the reference and the driver's earlier laps; then the corners judged
    without a finding join the history (as the engine keeps it)."""
    from simcoach.coaching.reference import Reference

    assert isinstance(ref, Reference)
    results: list[CornerResult | None] = []
    for k, seg in enumerate(ref.segments):
        metrics = ref.metrics[k]
        result = None
        if metrics is not None:
            previous = results[-1] if results else None
            past = history.of(seg.corner.name)
            result = analyse(lap, trace, ref.trace, seg, metrics, previous=previous, history=past)
        results.append(result)
    for r in results:
        history.add(r)
    return results


def first_history(run: SeedRun, ref: object) -> CornerHistory:
    """The corners of the laps before the first analysed one (the reference among them), measured."""
    from simcoach.coaching.reference import Reference

    assert isinstance(ref, Reference)
    history = CornerHistory()
    for lap in range(1, REFERENCE_LAPS + 1):
        for seg in ref.segments:
            m = measure(run.traces[lap], seg) if lap in run.traces else None
            if m is not None:
                history.add_metrics(m)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--no-history", dest="history", action="store_false", help="judge against the reference alone")
    args = parser.parse_args()
    track = TrackLibrary().find("Spa-Francorchamps", SPA_M)
    seeds = range(args.first_seed, args.first_seed + args.seeds)

    made: dict[tuple[str, str], int] = defaultdict(int)
    found: dict[tuple[str, str], int] = defaultdict(int)
    missed: list[str] = []
    clean_laps = clean_findings = 0
    false_on_clean: dict[str, int] = defaultdict(int)
    stray = 0
    mistake_laps = 0
    said_clean = 0
    negligible: list[str] = []
    false_list: list[str] = []
    start = time.perf_counter()
    for seed in seeds:
        run = load_or_drive(seed, args.cache)
        best = min(range(1, REFERENCE_LAPS + 1), key=lambda n: run.times[n])
        ref = build_reference(best, RefKey("bench", "demo", "spa", "gt3"), run.times[best], run.traces[best], track)
        by_lap: dict[int, dict[str, str]] = defaultdict(dict)
        for lap, corner, kind, lost in run.mistakes:
            if lost < NEGLIGIBLE_S:
                negligible.append(f"seed {seed} lap {lap}: {kind}@{corner} cost {lost:.3f} s")
                continue
            by_lap[lap][corner] = kind
        scheduler = Scheduler()
        history = first_history(run, ref) if args.history else CornerHistory()
        t = 0.0
        for lap in range(REFERENCE_LAPS + 1, LAPS + 1):
            if lap not in run.traces:
                continue
            results = analyse_lap(lap, run.traces[lap], ref, history if args.history else CornerHistory())
            findings: list[tuple[int, Finding]] = [
                (k, r.finding) for k, r in enumerate(results) if r is not None and r.finding is not None
            ]
            t += 140.0
            # On the approach to each corner, the advice made on the lap before: count what clean laps caused.
            for k in range(len(ref.segments)):
                said = scheduler.take_advice(k, t)
                if said is not None and said.lap in CLEAN_LAPS:
                    said_clean += 1
            if lap in CLEAN_LAPS:
                clean_laps += 1
                clean_findings += len(findings)
                for _, f in findings:
                    false_on_clean[f"{f.kind}@{f.corner}"] += 1
                    false_list.append(f"seed {seed} lap {lap}: {f.message}")
            else:
                mistake_laps += 1
            for k, f in findings:
                scheduler.add_advice(k, f, t)
            injected = by_lap.get(lap, {})
            for corner, kind in injected.items():
                made[(kind, corner)] += 1
                if any(f.corner == corner and f.kind == kind for _, f in findings):
                    found[(kind, corner)] += 1
                else:
                    got = [f"{f.kind}@{f.corner}" for _, f in findings if f.corner == corner]
                    missed.append(f"seed {seed} lap {lap}: {kind}@{corner} -> {got or 'nothing'}")
            if lap in MISTAKE_LAPS:
                stray += sum(1 for _, f in findings if f.corner not in injected)
        for k in range(len(ref.segments)):
            said = scheduler.take_advice(k, t + 140.0)
            if said is not None and said.lap in CLEAN_LAPS:
                said_clean += 1
    elapsed = time.perf_counter() - start

    print(f"seeds {seeds.start}..{seeds.stop - 1}: {sum(made.values())} mistakes injected, {elapsed:.0f} s")
    print()
    print("found with the right corner and kind (found/made):")
    corners = [c.name for c in CORNERS]
    print(f"{'corner':<12}" + "".join(f"{k:>16}" for k in KINDS))
    for corner in corners:
        cells = []
        for kind in KINDS:
            n = made.get((kind, corner), 0)
            cells.append(f"{found[(kind, corner)]:>3}/{n:<3} {100 * found[(kind, corner)] / n:5.1f}%" if n else "-")
        print(f"{corner:<12}" + "".join(f"{c:>16}" for c in cells))
    print(f"{'all':<12}", end="")
    for kind in KINDS:
        n = sum(v for (k, _), v in made.items() if k == kind)
        f = sum(v for (k, _), v in found.items() if k == kind)
        print(f"{f:>5}/{n:<4} {100 * f / max(1, n):5.1f}%", end="")
    print()
    print()
    print(
        f"clean laps: {clean_laps}, findings {clean_findings}: {clean_findings / max(1, clean_laps):.3f} per clean lap"
    )
    if false_on_clean:
        print("  " + ", ".join(f"{k} x{v}" for k, v in sorted(false_on_clean.items(), key=lambda kv: -kv[1])))
    stray_rate = stray / max(1, mistake_laps)
    print(f"mistake laps: {mistake_laps}, findings at corners without a mistake: {stray_rate:.3f} per lap")
    print(f"scheduler on clean laps: {said_clean} messages, {said_clean / max(1, clean_laps):.3f} per clean lap")
    if negligible:
        print(f"not counted, costing under {NEGLIGIBLE_S} s against the same lap driven cleanly ({len(negligible)}):")
        for m in negligible[:20]:
            print("  " + m)
    for m in false_list[:20]:
        print("  false: " + m)
    if missed:
        print(f"missed ({len(missed)}):")
        for m in missed[:40]:
            print("  " + m)


if __name__ == "__main__":
    main()
