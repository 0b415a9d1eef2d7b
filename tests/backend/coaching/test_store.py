"""The coaching store: laps with traces, references, sessions and events, in SQLite and in memory."""

from __future__ import annotations

import asyncio
import json

import pytest

from simcoach.coaching.reference import RefKey
from simcoach.coaching.store import CoachWriter, LapRecord, MemoryCoachStore, SqliteCoachStore
from simcoach.coaching.trace import LapTrace, resample
from simcoach.storage.sqlite import SqliteStore

KEY = RefKey("Demo Driver", "demo", "Spa-Francorchamps", "Mercedes-AMG GT3")


def trace(lap_time: float) -> LapTrace:
    import numpy as np

    d = np.linspace(0.0, 1000.0, 500)
    t = d / 1000.0 * lap_time
    channels = {"speed_kmh": np.full(500, 100.0), "throttle": np.ones(500), "brake": np.zeros(500)}
    out = resample(d, t, channels, 0.0, 1000.0)
    assert out is not None
    out.length_m, out.lap_time_s = 1000.0, lap_time
    return out


def record(lap_id: int, session: str, time_s: float, *, valid: bool = True, out_lap: bool = False) -> LapRecord:
    return LapRecord(
        id=lap_id,
        rig="r",
        session_id=session,
        key=KEY,
        lap=lap_id,
        time_s=time_s,
        valid=valid,
        complete=True,
        out_lap=out_lap,
        in_lap=False,
        sectors=[10.0, 10.0, time_s - 20.0],
        delta_to_reference_s=None,
        is_best=False,
        is_reference=False,
        t_end=1000.0 + lap_id,
    )


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path):
    made = SqliteCoachStore(tmp_path / "simcoach.db") if request.param == "sqlite" else MemoryCoachStore()
    yield made
    made.close()


def test_laps_references_sessions_and_events_round_trip(store):
    store.save_session("s1", "r", 1000.0, KEY, {"game": "demo"})
    ids = [store.next_lap_id() for _ in range(4)]
    assert ids == sorted(set(ids))
    store.save_lap(record(ids[0], "s1", 60.0), trace(60.0))
    store.save_lap(record(ids[1], "s1", 59.0, valid=False), trace(59.0))
    store.save_lap(record(ids[2], "s1", 58.0, out_lap=True), trace(58.0))
    store.save_lap(record(ids[3], "s1", 61.0), None)
    laps = store.laps("s1")
    assert [lap["id"] for lap in laps] == ids
    assert laps[0]["time_s"] == 60.0 and laps[0]["type"] == "lap"
    assert store.best_clean_lap(KEY) == ids[0]  # the invalid and the out-lap are faster but not clean
    loaded = store.load_lap(ids[0])
    assert loaded is not None and loaded.key == KEY and loaded.trace is not None
    assert loaded.trace.time_at(500.0) == pytest.approx(30.0, abs=1e-6)
    assert store.load_lap(ids[3]).trace is None
    assert store.load_lap(9999) is None
    store.set_reference(KEY, ids[0], False)
    store.set_reference(KEY, ids[1], True)
    assert store.reference(KEY) == (ids[1], True)
    assert store.reference(KEY._replace(car="other")) is None
    assert store.last_session("r") == ("s1", KEY)
    assert store.last_session("nobody") is None
    for i in range(5):
        store.save_event("s1", "r", float(i), "late_brake", json.dumps({"type": "event", "n": i}).encode())
    assert [e["n"] for e in store.events("r", 3)] == [2, 3, 4]


def test_the_sqlite_tables_live_in_the_frames_file_and_survive_a_reopen(tmp_path):
    path = tmp_path / "simcoach.db"
    frames = SqliteStore(path)
    frames.open()  # the frame store made the file first, as in the backend
    coach = SqliteCoachStore(path)
    lap_id = coach.next_lap_id()
    coach.save_session("s1", "r", 1.0, KEY, {})
    coach.save_lap(record(lap_id, "s1", 60.0), trace(60.0))
    coach.set_reference(KEY, lap_id, False)
    coach.close()
    frames.close()
    again = SqliteCoachStore(path)
    assert again.reference(KEY) == (lap_id, False)
    assert again.next_lap_id() == lap_id + 1  # ids go on from the stored ones
    assert again.load_lap(lap_id).trace.lap_time_s == pytest.approx(60.0)
    again.close()


def test_a_refused_data_dir_is_reported_with_the_setting(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="SIMCOACH_DATA_DIR"):
        SqliteCoachStore(blocker / "simcoach.db")


def test_the_writer_keeps_order_and_survives_a_failing_write():
    store = MemoryCoachStore()
    writer = CoachWriter(store)
    done: list[int] = []
    writer.add(lambda: done.append(1))
    writer.add(lambda: 1 / 0)
    writer.add(lambda: done.append(3))
    assert writer.pending == 3
    asyncio.run(writer.flush())
    assert done == [1, 3]
    assert writer.failures == 1 and "ZeroDivisionError" in (writer.last_error or "")
    writer.add(lambda: done.append(4))
    writer.flush_now()
    assert done == [1, 3, 4]
