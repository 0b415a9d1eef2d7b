"""Lap detection and timing: game and measured times, out-laps, pit stops, invalid laps, restarts, joins, jumps."""

from __future__ import annotations

import pytest

from simcoach.coaching.laps import FinishedLap, LapTracker
from simcoach_agent.telemetry import Frame
from tests.backend.coaching.demo import (
    DT,
    SPA_M,
    T0,
    demo_run,
    drive,
    engine,
    laps_of,
    renumber,
    replace,
    untimed,
)


def track(frames: list[Frame], length: float | None = SPA_M) -> list[FinishedLap]:
    tracker = LapTracker(length)
    finished: list[FinishedLap] = []
    for frame in frames:
        update = tracker.update(frame)
        if update is not None:
            finished.extend(update.finished)
    return finished + tracker.flush()  # a lap still waiting for the game's time at the end of the data


def test_laps_take_the_games_times_and_get_whole_lap_traces():
    frames, _, times, _ = demo_run(laps=3)
    laps = track(list(frames))
    assert [lap.number for lap in laps] == [1, 2, 3]
    assert [lap.time_s for lap in laps] == list(times)
    assert all(lap.timed_by_game and lap.complete and lap.valid and lap.clean for lap in laps)
    for lap in laps:
        assert lap.trace is not None
        assert len(lap.trace) == 7005  # 0 .. 7004 m, one a metre
        assert lap.trace.lap_time_s == pytest.approx(lap.time_s, abs=1e-6)
        assert lap.fuel_used_l == pytest.approx(3.0, abs=0.3)


def test_without_game_timing_laps_are_measured_at_the_line():
    frames, _, times, _ = demo_run(laps=3)
    laps = track(untimed(frames))
    assert len(laps) == 3
    assert not any(lap.timed_by_game for lap in laps)
    for lap, real in zip(laps, times, strict=True):
        assert lap.time_s == pytest.approx(real, abs=0.002)  # interpolated between the frames either side


def test_a_lap_counter_alone_or_a_distance_alone_is_enough():
    frames, _, times, _ = demo_run(laps=3)
    no_counter = track([replace(f, lap=None) for f in frames])
    assert [lap.time_s for lap in no_counter] == pytest.approx(list(times), abs=1e-6)
    no_distance = track([replace(f, lap_dist_m=None) for f in frames])  # track_pos times the length
    assert [lap.time_s for lap in no_distance] == pytest.approx(list(times), abs=1e-6)
    assert all(lap.complete for lap in no_counter + no_distance)


def test_a_counter_that_changes_a_frame_after_the_distance_wraps_counts_one_lap():
    frames = list(demo_run(laps=3)[0])
    late = []
    for i, f in enumerate(frames):
        # The frame after each line still shows the old lap number.
        before = frames[i - 1] if i > 0 else None
        if before is not None and f.lap is not None and before.lap is not None and f.lap > before.lap:
            late.append(replace(f, lap=before.lap, last_lap_s=before.last_lap_s))
        else:
            late.append(f)
    laps = track(late)
    assert [lap.number for lap in laps] == [1, 2, 3]
    assert all(lap.complete for lap in laps)


def test_a_rig_that_joins_mid_lap_does_not_report_its_first_partial_lap():
    frames, _, times, session = demo_run(laps=3)
    joined = [f for f in frames if not (f.lap == 1 and (f.lap_dist_m or 0) < 3000.0)]
    laps = track(joined)
    assert laps[0].number == 1
    assert not laps[0].complete
    assert laps[0].time_s is None
    assert [lap.time_s for lap in laps[1:]] == list(times[1:])
    said = drive(engine(), joined, session)
    assert [r.lap for r in laps_of(said)] == [2, 3]


def test_an_invalid_lap_is_never_the_reference_even_when_fastest():
    frames, _, times, session = demo_run(laps=3)
    assert times[1] < times[0]  # lap 2 is faster than lap 1...
    cut = [replace(f, lap_valid=False) if f.lap == 2 and 4000 < (f.lap_dist_m or 0) < 4100 else f for f in frames]
    records = laps_of(drive(engine(), cut, session))
    lap1, lap2, lap3 = records
    assert not lap2.valid
    assert not lap2.is_reference
    assert not lap2.is_best
    assert lap1.is_reference
    # ...and lap 3, valid and faster than lap 1, takes over.
    assert lap3.is_reference
    assert lap3.delta_to_reference_s == pytest.approx(times[2] - times[0], abs=1e-3)


def test_pit_stop_makes_an_in_lap_and_an_out_lap_neither_of_them_a_reference():
    frames, _, _, session = demo_run(laps=4)
    frames = untimed(frames)
    before, stop, after = [], [], []
    for f in frames:
        d = f.lap_dist_m or 0.0
        in_pit = (f.lap == 2 and d > 6800) or (f.lap == 3 and d < 400)
        (before if f.lap is not None and (f.lap < 3) else after).append(replace(f, in_pit=in_pit))
    # 30 s stationary in the pit box at the start of lap 3.
    box = replace(after[0], speed_kmh=0.0, throttle=0.0, brake=1.0)
    stop = [box] * int(30 / DT)
    driven = renumber([*before, *stop, *after], T0)
    laps = track(driven)
    assert [(lap.number, lap.in_lap, lap.out_lap) for lap in laps] == [
        (1, False, False),
        (2, True, False),
        (3, False, True),
        (4, False, False),
    ]
    assert laps[2].time_s is not None
    assert laps[2].time_s > laps[3].time_s + 29  # the stop is in the out-lap's time
    assert [lap.clean for lap in laps] == [True, False, False, True]
    records = laps_of(drive(engine(), driven, session))
    assert [r.is_reference for r in records] == [True, False, False, records[3].time_s < records[0].time_s]
    assert (records[1].in_lap, records[2].out_lap) == (True, True)


def test_a_jump_to_the_pits_breaks_the_lap_and_the_next_is_an_out_lap():
    frames, _, _, session = demo_run(laps=4)
    frames = untimed(frames)
    # Lap 2 until 3000 m, then the car is put in the pits at 6900 m and drives to the line from there.
    jumped = [f for f in frames if not (f.lap == 2 and 3000 <= (f.lap_dist_m or 0) < 6900)]
    jumped = [
        replace(f, in_pit=True)
        if (f.lap == 2 and (f.lap_dist_m or 0) >= 6900) or (f.lap == 3 and (f.lap_dist_m or 0) < 300)
        else f
        for f in jumped
    ]
    driven = renumber(jumped, T0)
    laps = track(driven)
    assert [lap.number for lap in laps] == [1, 2, 3, 4]
    assert laps[1].time_s is None and not laps[1].complete
    assert laps[2].out_lap and not laps[2].clean
    assert laps[3].clean
    records = laps_of(drive(engine(), driven, session))
    assert [r.lap for r in records] == [1, 3, 4]  # the broken lap has no time to report


def test_lap_counter_going_back_restarts_the_laps_in_the_same_session_and_keeps_the_reference():
    """The game restarted its session: same rig, game, track, car and driver driving on, so the same
    stored session; its laps count from 1 again and the bests start afresh."""
    first, _, times, session = demo_run(laps=2)
    again, _, _, _ = demo_run(laps=2, t0=T0 + 400.0)  # the same car from lap 1: a restarted session
    eng = engine()
    said = drive(eng, first, session)
    coach = eng.rigs["r"]
    old_session = coach.session_id
    assert coach.ref is not None
    ref_id = coach.ref.lap_id
    said += drive(eng, again)
    records = laps_of(said)
    assert [r.lap for r in records] == [1, 2, 1, 2]
    assert coach.session_id == old_session
    assert {r.session_id for r in records} == {old_session}
    assert [r.is_best for r in records] == [True, True, True, True]  # bests start again with the restart
    assert coach.ref is not None and coach.ref.lap_id == ref_id  # lap 2 of either session: the same time
    assert coach.ref.lap_time_s == pytest.approx(times[1])


def test_a_new_session_message_for_another_car_starts_afresh_without_its_reference():
    frames, _, _, session = demo_run(laps=2)
    eng = engine()
    drive(eng, frames, session)
    assert eng.rigs["r"].ref is not None
    other = replace(session, car="Another GT3")
    eng.set_session("r", other, frames[-1].t)
    assert eng.rigs["r"].ref is None
    assert eng.rigs["r"].laps == []
    # The same session said again (a rig reconnecting) changes nothing.
    eng.set_session("r", other, frames[-1].t + 1)
    assert eng.rigs["r"].laps == []


def test_repeated_or_old_frames_are_ignored():
    frames = list(demo_run(laps=2)[0])
    doubled = [f for f in frames for _ in range(2)]
    assert [lap.time_s for lap in track(doubled)] == [lap.time_s for lap in track(frames)]
