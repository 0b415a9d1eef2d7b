"""The embedded store: laps with traces, references, sessions, events and frames, in one file, written in one place."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from simcoach.coaching.lap_record import LapRecord
from simcoach.coaching.reference import RefKey
from simcoach.coaching.trace import LapTrace, resample
from simcoach.storage import schema
from simcoach.storage.records import (
    EventRow,
    ReferenceChoice,
    ReportRow,
    SessionEnded,
    SessionKey,
    SessionOpened,
)
from simcoach.storage.store import SessionFilter, Store
from simcoach.storage.writer import StorageWriter
from simcoach_agent.telemetry import blank_frame
from tests.helpers import until

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


def opened(
    sid: str, rig: str = "r", started: float = 1000.0, first_seq: int = 1, key: SessionKey = KEY
) -> SessionOpened:
    return SessionOpened(sid, rig, started, first_seq, key, {"game": key.game, "track": key.track})


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path):
    made = Store(tmp_path / "simcoach.db" if request.param == "file" else None).open()
    yield made
    made.close()


def test_laps_references_sessions_and_events_round_trip(store):
    ids = [store.next_lap_id() for _ in range(4)]
    assert ids == sorted(set(ids))
    rows = [
        record(ids[0], "s1", 60.0).row(trace(60.0)),
        record(ids[1], "s1", 59.0, valid=False).row(trace(59.0)),
        record(ids[2], "s1", 58.0, out_lap=True).row(trace(58.0)),
        record(ids[3], "s1", 61.0).row(None),
    ]
    store.write([], [opened("s1"), *rows], seen=1.0)
    laps = store.laps("s1")
    assert [lap["id"] for lap in laps] == ids
    assert laps[0]["time_s"] == 60.0 and laps[0]["type"] == "lap" and laps[0]["session_id"] == "s1"
    assert store.best_clean_lap(KEY) == ids[0]  # the invalid and the out-lap are faster but not clean
    loaded = store.load_lap(ids[0])
    assert loaded is not None and loaded.key == KEY and loaded.trace is not None
    assert LapTrace.from_bytes(loaded.trace).time_at(500.0) == pytest.approx(30.0, abs=1e-6)
    assert store.load_lap(ids[3]).trace is None
    assert store.load_lap(9999) is None
    store.write([], [ReferenceChoice(KEY, ids[0], False), ReferenceChoice(KEY, ids[1], True)], seen=2.0)
    assert store.reference(KEY) == (ids[1], True)
    assert store.reference(KEY._replace(car="other")) is None
    last = store.last_session("r")
    assert last is not None and (last.id, last.key, last.laps, last.best_lap_s) == ("s1", KEY, 4, 60.0)
    assert store.last_session("nobody") is None
    events = [
        EventRow("s1", "r", float(i), "late_brake", json.dumps({"type": "event", "n": i}).encode()) for i in range(5)
    ]
    store.write([], events, seen=3.0)
    assert [e["n"] for e in store.events("r", 3)] == [2, 3, 4]
    assert [row.t for _, row in store.events_after(2, 10)] == [2.0, 3.0, 4.0]


def frames_of(writer: StorageWriter, rig: str, session: str | None, seqs: range, t0: float = 5000.0) -> None:
    writer.add_frames(rig, [blank_frame(rig, s, t0 + s / 60) for s in seqs], session)


def test_a_session_spans_its_frames_and_ends_at_the_last_of_them(store):
    writer = StorageWriter(store)
    writer.add(opened("s1", first_seq=1))
    frames_of(writer, "r", "s1", range(1, 61))
    assert writer.flush_now()
    s1 = store.session("s1")
    assert s1 is not None and s1.ended is None and s1.frames == 60
    assert (s1.first_seq, s1.last_seq) == (1, 60)
    assert s1.started == pytest.approx(5000.0 + 1 / 60)  # the first frame's time, not when it was opened
    # The session message changes: the first session ends at its last frame, frames go on into the next.
    frames_of(writer, "r", "s1", range(61, 121))
    writer.add(opened("s2", first_seq=121, key=KEY._replace(car="Porsche 911 GT3 R")))
    frames_of(writer, "r", "s2", range(121, 151))
    assert writer.flush_now()
    s1, s2 = store.session("s1"), store.session("s2")
    assert s1.ended == pytest.approx(5000.0 + 120 / 60) and s1.frames == 120 and s1.last_seq == 120
    assert s2.ended is None and (s2.first_seq, s2.last_seq, s2.frames) == (121, 150, 30)
    assert [s.id for s in store.open_sessions()] == ["s2"]
    writer.add(SessionEnded("s2"))
    assert writer.flush_now()
    assert store.session("s2").ended == pytest.approx(5000.0 + 150 / 60)
    assert store.open_sessions() == []


def test_sessions_are_listed_newest_first_filtered_and_paged(store):
    porsche = KEY._replace(car="Porsche", driver="Ann")
    records = [
        opened(f"s{i}", rig=f"rig{i % 2}", started=1000.0 + i, key=porsche if i % 3 == 0 else KEY) for i in range(7)
    ]
    for r in records:  # one at a time: each rig's next session ends the one before
        store.write([], [r], seen=r.started)
    everyone, total = store.sessions(limit=3)
    assert total == 7 and [s.id for s in everyone] == ["s6", "s5", "s4"]
    page2, _ = store.sessions(limit=3, offset=3)
    assert [s.id for s in page2] == ["s3", "s2", "s1"]
    assert [s.id for s in store.sessions(SessionFilter(rig="rig0"))[0]] == ["s6", "s4", "s2", "s0"]
    assert [s.id for s in store.sessions(SessionFilter(car="Porsche"))[0]] == ["s6", "s3", "s0"]
    assert [s.id for s in store.sessions(SessionFilter(driver="Ann", rig="rig1"))[0]] == ["s3"]
    assert [s.id for s in store.sessions(SessionFilter(since=1002.0, until=1005.0))[0]] == ["s4", "s3", "s2"]
    assert store.sessions(SessionFilter(track="Monza")) == ([], 0)
    # Only each rig's newest session is open.
    assert sorted(s.id for s in store.open_sessions()) == ["s5", "s6"]


def test_everything_survives_a_reopen_and_lap_ids_go_on(tmp_path):
    path = tmp_path / "simcoach.db"
    store = Store(path).open()
    lap_id = store.next_lap_id()
    writer = StorageWriter(store)
    writer.add(opened("s1"))
    frames_of(writer, "r", "s1", range(1, 11))
    writer.add(lambda: record(lap_id, "s1", 60.0).row(trace(60.0)))  # built in the writer's thread
    writer.add(ReferenceChoice(KEY, lap_id, False))
    writer.add(ReportRow("s1", 7000.0, "not_asked", "# Report", "<h1>Report</h1>", "{}"))
    assert writer.flush_now()
    store.close()
    again = Store(path).open()
    assert again.report("s1") == ReportRow("s1", 7000.0, "not_asked", "# Report", "<h1>Report</h1>", "{}")
    assert again.reported(["s1", "s2"]) == {"s1": 7000.0} and again.report("s2") is None
    assert again.reference(KEY) == (lap_id, False)
    assert again.next_lap_id() == lap_id + 1  # ids go on from the stored ones
    assert LapTrace.from_bytes(again.load_lap(lap_id).trace).lap_time_s == pytest.approx(60.0)
    assert again.last_seqs() == {"r": 10}
    assert [seq for seq, _ in again.frames("r")] == list(range(1, 11))
    assert again.open_sessions()[0].id == "s1"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (schema.VERSION,)
    again.close()


def test_a_refused_data_dir_is_reported_with_the_setting(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="SIMCOACH_DATA_DIR"):
        Store(blocker / "simcoach.db").open()


def test_a_failed_write_keeps_frames_and_records_in_order_for_the_retry(tmp_path):
    store = Store(tmp_path / "simcoach.db").open()
    durable: list[dict] = []
    writer = StorageWriter(store, on_durable=durable.append)
    writer.add(opened("s1"))
    frames_of(writer, "r", "s1", range(1, 6))
    writer.add(lambda: 1 / 0)  # a record that cannot be built: the whole batch waits
    assert not writer.flush_now()
    assert writer.failures == 1 and "ZeroDivisionError" in (writer.last_error or "")
    assert store.frames("r") == [] and store.session("s1") is None  # nothing of the batch is stored
    assert writer.pending == 5 and writer.pending_records == 2
    frames_of(writer, "r", "s1", range(6, 9))  # newer frames queue behind the failed batch
    writer._records = [r for r in writer._records if not callable(r)]  # the cause goes away
    assert asyncio.run(writer.flush())
    assert [seq for seq, _ in store.frames("r")] == list(range(1, 9))
    assert store.session("s1").frames == 8
    assert durable[-1]["r"].seq == 8 and durable[-1]["r"].frames == 8
    store.close()


def test_retention_drops_old_frames_and_keeps_sessions_laps_and_events(tmp_path):
    store = Store(tmp_path / "simcoach.db").open()
    writer = StorageWriter(store)
    writer.add(opened("old", first_seq=1))
    frames_of(writer, "r", "old", range(1, 601), t0=1000.0)  # t 1000..1010
    writer.add(lambda: record(store.next_lap_id(), "old", 60.0).row(trace(60.0)))
    writer.add(EventRow("old", "r", 1005.0, "late_brake", b'{"type":"event"}'))
    writer.add(opened("new", first_seq=601))
    frames_of(writer, "r", "new", range(601, 1201), t0=1000.0)  # t 1010..1020
    assert writer.flush_now()
    deleted = store.delete_frames_before(1015.0)
    assert deleted == 899  # every frame before t 1015 (seq 900): the old session and half the new one
    kept = [seq for seq, _ in store.frames("r")]
    assert kept[0] == 900 and kept[-1] == 1200
    assert store.session("old") is not None and len(store.laps("old")) == 1 and len(store.events("r", 10)) == 1
    assert store.delete_frames_before(1015.0) == 0
    store.close()


def test_stopping_the_writer_stores_everything_queued_even_mid_write(tmp_path):
    store = Store(tmp_path / "simcoach.db").open()

    async def scenario() -> None:
        writer = StorageWriter(store, interval=0.01)
        running = asyncio.create_task(writer.run())
        writer.add(opened("s1"))
        frames_of(writer, "r", "s1", range(1, 3001))
        await until(lambda: writer.pending < 3000, explain="the writer never took its first batch")
        frames_of(writer, "r", "s1", range(3001, 3101))
        writer.add(lambda: record(store.next_lap_id(), "s1", 60.0).row(trace(60.0)))
        writer.stop()
        await asyncio.wait_for(running, 60)
        assert writer.pending == 0 and writer.pending_records == 0

    asyncio.run(scenario())
    assert [seq for seq, _ in store.frames("r")] == list(range(1, 3101))
    assert len(store.laps("s1")) == 1 and store.session("s1").frames == 3100
    store.close()
