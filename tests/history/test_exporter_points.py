"""The exporter's points from stored rows: same rows, same points, across batches; laps with corners and 5 m traces."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from simcoach.coaching.events import Event
from simcoach.history import from_store
from simcoach.history.schema import TRACE_STEP_M
from simcoach.storage.records import EventRow, LapRow, SessionKey
from simcoach_agent.telemetry.codec import encode_json
from tests.history.demo_session import T0, demo_frames, trace_of

KEY = SessionKey("Ann", "demo", "Spa", "GT3")


def event_row(kind: str, t: float, message: str) -> EventRow:
    event = Event(
        t=t, rig="r1", lap=2, lap_dist_m=812.5, corner="La Source", kind=kind, severity="warning", message=message
    )
    return EventRow("s1", "r1", t, kind, encode_json(event))


def test_same_instant_events_keep_their_own_points_across_batches() -> None:
    rows = [
        (1, event_row("late_brake", T0, "one")),
        (2, event_row("late_brake", T0, "two")),
        (3, event_row("coasting", T0, "three")),
        (4, event_row("late_brake", T0, "four")),
    ]
    keys: dict[str | None, SessionKey | None] = {"s1": KEY}
    whole = from_store.event_lines(rows, 0, keys)
    # A second batch starting after event 2, with events 1 and 2 read again as context: the same points.
    assert from_store.event_lines(rows, 2, keys) == whole[2:]
    stamps = [line.rsplit(" ", 1)[1] for line in whole]
    base = round(T0 * 1e9)
    assert stamps == [str(base), str(base + 1), str(base), str(base + 2)]
    assert whole[0].startswith(
        "events,car=GT3,driver=Ann,game=demo,kind=late_brake,lap=2,rig=r1,session=s1,track=Spa "
    ), whole[0]
    assert 'message="one"' in whole[0] and 'corner="La Source"' in whole[0]


@pytest.fixture(scope="module")
def lap_frames() -> tuple[list, LapRow]:
    _, frames = demo_frames(laps=2, seed=3, mistakes="")
    lap2 = [f for f in frames if f.lap == 2]
    t_start, t_end = lap2[0].t, lap2[-1].t
    record = {
        "lap": 2,
        "valid": True,
        "sectors": [40.1, 50.2, 48.3],
        "corners": [{"corner": "La Source", "brake_m": 150.0, "min_speed_kmh": 70.5, "from_m": 100.0, "to_m": 300.0}],
    }
    row = LapRow(1, "not-stored", "rig-h", 2, t_end, t_end - t_start, True, True, KEY, record, None)
    return frames, row


def test_a_lap_gives_its_point_corners_and_5_m_trace_from_its_frames(lap_frames: tuple[list, LapRow]) -> None:
    frames, row = lap_frames
    t_from, t_to = from_store.lap_window(row)
    window = [f for f in frames if t_from <= f.t <= t_to]
    lines = from_store.lap_lines(row, window)
    laps = [line for line in lines if line.startswith("laps,")]
    corners = [line for line in lines if line.startswith("corners,")]
    traces = [line for line in lines if line.startswith("lap_trace,")]
    # The lap's own key tags it, even outside a stored session (the demo's reference lap is one).
    tags = "car=GT3,driver=Ann,game=demo,lap=2,rig=rig-h,session=not-stored,track=Spa"
    assert laps and laps[0].startswith(f"laps,{tags} ") and "sector3_s=48.3" in laps[0]
    assert len(corners) == 1 and 'name="La Source"' in corners[0] and "brake_point_m=150" in corners[0]
    expected = trace_of(frames, 2, row.t_end - row.time_s)
    assert len(traces) == len(expected.points) > 1000
    dists = [float(line.split("lap_dist_m=")[1].split(",")[0]) for line in traces]
    assert all(b - a == TRACE_STEP_M for a, b in itertools.pairwise(dists))
    gears = [int(line.split("gear=")[1].split("i")[0]) for line in traces]
    assert gears == [p.gear for p in expected.points]
    # Same rows, same points: a second export writes exactly the same lines.
    assert from_store.lap_lines(row, window) == lines
    # Frames gone (retention): the lap and its corners still, no trace.
    assert from_store.lap_lines(row, []) == laps + corners


def test_a_channel_the_game_does_not_give_is_left_out_of_the_trace(lap_frames: tuple[list, LapRow]) -> None:
    frames, row = lap_frames
    silent = [msgspec.structs.replace(f, steering=None) for f in frames if f.lap == 2]
    trace = from_store.trace_from_frames(silent, 2, row.t_end - row.time_s)
    assert trace is not None
    lines = from_store.lap_lines(row, silent)
    assert not any("steering=" in line for line in lines if line.startswith("lap_trace,"))
    assert all("speed_kmh=" in line for line in lines if line.startswith("lap_trace,"))
