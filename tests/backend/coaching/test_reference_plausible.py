"""No impossible value gets into a reference: a lap with a speed glitch is not made one; g spikes make no corner."""

from __future__ import annotations

import re

import numpy as np
import pytest

from simcoach.coaching.reference import (
    Plausibility,
    RefKey,
    build_reference,
    implausible,
    without_implausible_g,
)
from simcoach.coaching.trace import LapTrace
from simcoach_agent.telemetry import Frame, SessionInfo
from tests.backend.coaching.demo import demo_run, drive, engine, laps_of, replace

GT3 = Plausibility.for_session(SessionInfo(game="demo", car_class="GT3"))
KEY = RefKey("Demo Driver", "demo", "Spa-Francorchamps", "Mercedes-AMG GT3")


def glitched(frames: tuple[Frame, ...], lap: int, at_m: float, n: int, **values: float) -> list[Frame]:
    """The frames with ``n`` of lap ``lap`` from ``at_m`` on given these values (a game's bad samples)."""
    out = []
    left = n
    for f in frames:
        if left and f.lap == lap and (f.lap_dist_m or 0.0) >= at_m:
            out.append(replace(f, **values))
            left -= 1
        else:
            out.append(f)
    return out


def test_the_class_limits_come_from_the_threshold_table():
    assert (GT3.decel_g, GT3.lat_g) == (3.0, 3.0)
    anything = Plausibility.for_session(SessionInfo(game="x", car_class="Formula Hybrid"))
    assert (anything.decel_g, anything.lat_g) == (6.0, 6.5)


def test_a_faster_lap_with_a_speed_glitch_is_not_made_the_reference():
    frames, _, times, session = demo_run(laps=2)
    assert times[1] < times[0]  # lap 2 is the faster: it would become the reference
    # Three frames on the Kemmel straight at 60 km/h instead of ~250: no GT3 sheds that in a few metres.
    bad = glitched(frames, 2, 1500.0, 3, speed_kmh=60.0)
    eng = engine()
    laps = laps_of(drive(eng, bad, session))
    assert [(lap.lap, lap.is_reference) for lap in laps] == [(1, True), (2, False)]
    assert eng.rigs["r"].ref is not None and eng.rigs["r"].ref.lap_id == laps[0].id
    assert laps[1].delta_to_reference_s is not None  # it is still compared, as a lap
    # The same laps without the glitch: lap 2 takes over, as before.
    clean = laps_of(drive(engine(), frames, session))
    assert [(lap.lap, lap.is_reference) for lap in clean] == [(1, True), (2, True)]


def test_implausible_names_where_and_what():
    frames, _, _, session = demo_run(laps=2)
    trace = lap_trace(glitched(frames, 1, 1500.0, 3, speed_kmh=60.0), session)
    why = implausible(trace, GT3)
    said = (
        r"its speed goes from 2\d\d to \d+ km/h in 5 m at 1[45]\d\d m "
        r"\(-\d+\.\d g; the car class can do 3 g at most\)"
    )
    assert why is not None and re.fullmatch(said, why), why
    assert implausible(lap_trace(frames, session), GT3) is None


def lap_trace(frames: list[Frame] | tuple[Frame, ...], session: SessionInfo) -> LapTrace:
    """Lap 1's whole trace as the engine measured it."""
    eng = engine()
    laps = laps_of(drive(eng, frames, session))
    eng.writer.flush_now()
    stored = eng.store.load_lap(laps[0].id)
    assert stored is not None and stored.trace is not None
    return LapTrace.from_bytes(stored.trace)


@pytest.mark.parametrize("g", [4.5, -11.9])
def test_lateral_g_spikes_are_left_out_of_a_reference_and_make_no_corner(g):
    frames, _, _, session = demo_run(laps=2)
    clean = lap_trace(frames, session)
    # A kerb strike or a sensor glitch: 40 samples (~120 m) of impossible lateral g on the Kemmel straight.
    spiky = lap_trace(glitched(frames, 1, 1500.0, 40, g_lat=g), session)
    assert abs(spiky.channel("g_lat")).max() == pytest.approx(abs(g))
    ref = build_reference(1, KEY, 140.0, spiky, None, limits=GT3)
    assert np.nanmax(np.abs(ref.trace.channel("g_lat"))) <= GT3.lat_g
    expected = [(c.name, c.apex_m) for c in build_reference(1, KEY, 140.0, clean, None).corners]
    assert [(c.name, c.apex_m) for c in ref.corners] == expected
    # Without the limits the spike is taken for a corner: the test would catch its loss.
    unchecked = [(c.name, c.apex_m) for c in build_reference(1, KEY, 140.0, spiky, None).corners]
    assert unchecked != expected
    assert without_implausible_g(clean, GT3) is clean  # nothing to leave out: the same trace
