"""The default rules on the demo GT3 at Spa: quiet on clean laps, and they catch injected pedal mistakes."""

from __future__ import annotations

import pytest

from simcoach.coaching.context import RigContext
from simcoach.coaching.events import Event
from simcoach.coaching.rules import default_rules
from simcoach.coaching.thresholds import class_for_session
from simcoach_agent.games.demo import DemoCar, parse_mistakes, spa

DT = 1.0 / 60.0


def drive_demo(seed: int, laps: int, mistakes: str = "", first_lap: str = "flying") -> tuple[list[Event], DemoCar]:
    car = DemoCar(seed, mistakes=parse_mistakes(mistakes) if mistakes else ())
    session = car.session_info()
    rules = default_rules(class_for_session(session))
    ctx = RigContext(rig="demo", session=session)
    events: list[Event] = []
    prev = None
    seq = 0
    while car.laps_completed < laps:
        car.step(DT)
        seq += 1
        frame = car.frame("demo", seq, 1_700_000_000.0 + seq * DT)
        assert frame.lap_dist_m is not None
        here = spa.corner_at(frame.lap_dist_m)
        ahead = next((c for c in spa.CORNERS if c.entry_m > frame.lap_dist_m), spa.CORNERS[0])
        ctx.corner = here.name if here else None
        ctx.next_corner = ahead.name
        ctx.phase = "flying" if frame.lap != 1 else first_lap  # type: ignore[assignment]
        for rule in rules:
            if ctx.phase in rule.phases:
                events += rule.evaluate(prev, frame, ctx)
        prev = frame
    return events, car


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_laps_raise_next_to_nothing(seed: int) -> None:
    # Lap 1 counted as flying too: the demo starts at speed on the line.
    events, car = drive_demo(seed, laps=4)
    assert car.mistake_log == []
    assert len(events) <= 1, [(e.lap, e.kind, e.message) for e in events]


def test_injected_overlap_and_coasting_are_caught_where_they_happen() -> None:
    events, car = drive_demo(1, laps=3, mistakes="overlap@Bus Stop:2,coasting@Pouhon:3")
    found = {(e.kind, e.lap): e for e in events}
    assert set(found) == {("throttle_brake_overlap", 2), ("coasting", 3)}, [(e.lap, e.kind) for e in events]
    truth = {(m.kind, m.lap): m for m in car.mistake_log}
    overlap, coast = found[("throttle_brake_overlap", 2)], found[("coasting", 3)]
    assert overlap.corner == "Bus Stop" and coast.corner == "Pouhon"
    assert overlap.evidence["overlap_s"] == pytest.approx(truth[("overlap", 2)].magnitude, abs=0.1)
    assert coast.evidence["coast_s"] == pytest.approx(truth[("coasting", 3)].magnitude, abs=0.1)
    m = truth[("overlap", 2)]
    assert overlap.lap_dist_m is not None and m.at_m - 20 <= overlap.lap_dist_m <= m.until_m
