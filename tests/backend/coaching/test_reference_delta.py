"""Reference lap and live delta: a lap slower in one corner shows the loss after it and not before."""

from __future__ import annotations

import itertools
import json

import pytest

from simcoach.coaching.engine import CoachEngine, default_rules_factory
from simcoach.coaching.rules.fuel import FuelRule
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame
from tests.backend.coaching.demo import DT, RIG, T0, demo_run, drive, engine, lap_frames, laps_of, replace

POUHON = (3635.0, 4045.0)


def warped_copy(
    lap: list[Frame], number: int, t_start: float, seq_start: int, *, extra_s: float, last_lap_s: float
) -> list[Frame]:
    """``lap`` driven again as lap ``number``, ``extra_s`` slower, all of it lost through Pouhon."""
    lo, hi = POUHON
    out = []
    for i, f in enumerate(lap):
        d = f.lap_dist_m or 0.0
        extra = extra_s * min(1.0, max(0.0, (d - lo) / (hi - lo)))
        out.append(
            replace(
                f,
                lap=number,
                seq=seq_start + i,
                t=t_start + i * DT + extra,
                lap_time_s=(f.lap_time_s or 0.0) + extra,
                last_lap_s=last_lap_s,
            )
        )
    return out


def delta_along(eng: CoachEngine, frames: list[Frame]) -> list[tuple[float, float | None]]:
    coach = eng.rigs[RIG]
    seen = []
    for f in frames:
        eng.on_frame(f)
        seen.append((coach.tracker.dist_m or 0.0, coach.delta_s))
    return seen


def test_a_lap_half_a_second_slower_in_one_corner_shows_it_after_the_corner_not_before():
    frames, _, times, session = demo_run(laps=2)
    lap2 = lap_frames(frames, 2)
    eng = engine()
    drive(eng, [f for f in frames if f.lap in (1, 2)], session)
    coach = eng.rigs[RIG]
    # Lap 3 is lap 2 again, half a second slower through Pouhon; its first frame ends lap 2.
    again = warped_copy(lap2, 3, lap2[-1].t + DT, lap2[-1].seq + 1, extra_s=0.5, last_lap_s=times[1])
    eng.on_frame(again[0])
    assert coach.ref is not None
    assert coach.ref.lap_time_s == pytest.approx(times[1])  # lap 2, the faster, is the reference
    seen = delta_along(eng, again[1:])
    before = [delta for d, delta in seen if 50.0 < d < POUHON[0] - 20]
    after = [delta for d, delta in seen if d > POUHON[1] + 20]
    assert before and after
    assert all(delta is not None and abs(delta) < 0.01 for delta in before)
    assert all(delta is not None and abs(delta - 0.5) < 0.01 for delta in after)
    # The predicted lap follows: the reference's time plus the delta.
    predicted = json.loads(eng.coach_json(RIG))["predicted_lap_s"]
    assert predicted == pytest.approx(times[1] + 0.5, abs=0.01)
    # Close lap 3 with the first frames of a lap 4 whose last_lap_s says what lap 3 took.
    closing = [
        replace(f, lap=4, seq=again[-1].seq + 1 + i, t=again[-1].t + (i + 1) * DT, last_lap_s=times[1] + 0.5)
        for i, f in enumerate(lap2[:5])
    ]
    records = laps_of(drive(eng, closing))
    assert len(records) == 1
    assert records[0].time_s == pytest.approx(times[1] + 0.5, abs=1e-6)
    assert records[0].delta_to_reference_s == pytest.approx(0.5, abs=1e-3)
    # The time went in sector 2 (Pouhon is there): sectors 1 and 3 match the reference.
    s1, s2, s3 = records[0].sectors
    ref_sectors = coach.ref.sector_times_s
    assert s1 == pytest.approx(ref_sectors[0], abs=0.01)
    assert s2 == pytest.approx(ref_sectors[1] + 0.5, abs=0.01)
    assert s3 == pytest.approx(ref_sectors[2], abs=0.01)


def test_delta_after_a_demo_mistake_matches_the_time_it_cost():
    """Same seed with and without a mistake: the laps match except at the corner, so the delta shows its cost."""
    store = Store(None).open()
    clean, _, times, session = demo_run(laps=2)
    eng = engine(store)
    drive(eng, clean, session)  # reference: the clean lap 2
    assert eng.rigs[RIG].ref is not None
    assert eng.rigs[RIG].ref.lap_time_s == pytest.approx(times[1])
    # A restarted session (the counter goes back to 1) in which lap 2 is too slow at Rivage.
    slow, log, _, _ = demo_run(mistakes="low_min_speed@Rivage:2", laps=2, t0=clean[-1].t + 10.0)
    (record,) = log
    assert record.time_lost_s > 0.1
    drive(eng, lap_frames(slow, 1))
    seen = delta_along(eng, lap_frames(slow, 2))
    corner_start = min(record.at_m, 2870.0) - 600
    before = [delta for d, delta in seen if 50 < d < corner_start]
    after = [delta for d, delta in seen if record.until_m + 20 < d < 6990]
    assert all(abs(delta) < 0.005 for delta in before)
    assert all(delta == pytest.approx(record.time_lost_s, abs=0.02) for delta in after)


def test_coach_state_has_the_contract_keys_and_a_delta_every_frame_after_the_first_lap():
    frames, _, times, session = demo_run(laps=2)
    eng = engine()
    drive(eng, lap_frames(frames, 1), session)
    assert json.loads(eng.coach_json(RIG))["delta_s"] is None  # no reference during lap 1
    coaches = []
    coach = eng.rigs[RIG]
    for f in lap_frames(frames, 2)[1:]:
        eng.on_frame(f)
        coaches.append(json.loads(eng.coach_json(RIG)))
        # Recomputed every frame: the lap's time now less the reference's at this distance.
        assert coach.ref is not None and coach.tracker.dist_m is not None and coach.tracker.elapsed_s is not None
        expected = coach.tracker.elapsed_s - coach.ref.trace.time_at(coach.tracker.dist_m)
        assert coaches[-1]["delta_s"] == pytest.approx(expected, abs=2e-6)
    assert set(coaches[0]) == {
        "lap",
        "delta_s",
        "predicted_lap_s",
        "reference_lap_s",
        "best_lap_s",
        "sector",
        "sectors",
        "corner",
        "next_corner",
        "fuel_per_lap_l",
        "laps_of_fuel",
        "fuel_to_finish_l",
    }
    deltas = [c["delta_s"] for c in coaches]
    assert all(d is not None for d in deltas)
    # Where the two laps differ (after La Source), it moves frame by frame.
    middle = deltas[3000:4000]
    assert sum(a != b for a, b in itertools.pairwise(middle)) > 0.95 * len(middle)
    assert coaches[-1]["reference_lap_s"] == pytest.approx(times[0], abs=1e-3)
    assert coaches[-1]["best_lap_s"] == pytest.approx(times[0], abs=1e-3)
    assert coaches[-1]["lap"] == 2
    # No rules in this engine, so no fuel rule to give the fuel figures.
    assert coaches[-1]["fuel_per_lap_l"] is None
    # Passing La Source (235-315 m) the corner shows, with Eau Rouge next.
    at_la_source = [c for c in coaches if c["corner"] == "La Source"]
    assert at_la_source
    assert at_la_source[0]["next_corner"] == "Eau Rouge"


def test_sectors_of_the_lap_in_progress_and_of_finished_laps():
    frames, _, _, session = demo_run(laps=2)
    eng = engine()
    said = drive(eng, frames, session)
    _, lap2 = laps_of(said)
    assert sum(lap2.sectors) == pytest.approx(lap2.time_s, abs=1e-6)
    assert len(lap2.sectors) == 3
    # Lap 2 is the reference now: during lap 3 each finished sector shows its delta to it.
    coach = eng.rigs[RIG]
    more, _, _, _ = demo_run(laps=3)
    for f in [f for f in more if f.lap == 3][: int(80 / DT)]:  # 80 s: past the first sector (2230 m)
        eng.on_frame(f)
    state = json.loads(eng.coach_json(RIG))
    assert state["sector"] == 2
    (first,) = state["sectors"]
    assert first["sector"] == 1
    assert first["delta_s"] == pytest.approx(first["time_s"] - lap2.sectors[0], abs=1e-3)
    assert coach.ref is not None and coach.ref.sectors_m == [0.0, 2230.0, 5180.0]  # from tracks/spa.toml


def test_the_live_state_shows_the_fuel_rules_figures_for_a_lap_race():
    frames, _, _, session = demo_run(laps=3)
    eng = engine(rules=default_rules_factory)
    drive(eng, frames, replace(session, session_type="race", session_laps=40))
    state = json.loads(eng.coach_json(RIG))
    fuel_rule = next(r for r in eng.rigs[RIG].rules if isinstance(r, FuelRule))
    assert state["fuel_per_lap_l"] == pytest.approx(3.0, abs=0.3)
    assert {k: state[k] for k in ("fuel_per_lap_l", "laps_of_fuel", "fuel_to_finish_l")} == fuel_rule.live()
    # Lap 4 just started: 37 laps to go (4 to 40) need more than the tank holds, so fuel must be added.
    needed = 37 * state["fuel_per_lap_l"]
    assert state["fuel_to_finish_l"] == pytest.approx(needed - frames[-1].fuel_l, abs=0.5)
    assert state["laps_of_fuel"] == pytest.approx(frames[-1].fuel_l / state["fuel_per_lap_l"], rel=0.01)


def test_reference_json_has_points_every_5_m_corners_and_sectors():
    frames, _, times, session = demo_run(laps=1)
    eng = engine()
    drive(eng, frames, session)
    ref = eng.rigs[RIG].ref
    assert ref is not None
    data = ref.to_json()
    points = data["points"]
    assert points["dist_m"][:3] == [0.0, 5.0, 10.0]
    assert len(points["dist_m"]) == len(points["x"]) == len(points["y"]) == len(points["speed_kmh"]) == 1401
    assert data["lap_time_s"] == pytest.approx(times[0], abs=1e-3)
    assert (data["game"], data["track"], data["car"], data["driver"]) == (
        "demo",
        "Spa-Francorchamps",
        "Mercedes-AMG GT3",
        "Demo Driver",
    )
    assert data["corners"][0]["name"] == "La Source"
    assert data["sectors_m"] == [0.0, 2230.0, 5180.0]
    assert data["length_m"] == 7004.0
    assert T0 > 0
