"""A store written by the old code (two stores in one file, no schema version) opens and reads back whole."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from simcoach.coaching.trace import LapTrace
from simcoach.storage import schema
from simcoach.storage.store import Store

OLD = Path(__file__).parents[2] / "fixtures" / "store" / "simcoach-v0.db.gz"
RIG = "rig-v0"


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "simcoach.db"
    with gzip.open(OLD) as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def old_contents(path: Path) -> dict[str, object]:
    with sqlite3.connect(path) as db:
        return {
            "frames": db.execute("SELECT rig, seq, data FROM frames ORDER BY rig, seq").fetchall(),
            "laps": db.execute("SELECT id, session_id, time_s, record FROM laps ORDER BY id").fetchall(),
            "refs": db.execute("SELECT * FROM reference_laps").fetchall(),
            "events": db.execute("SELECT id, session_id, data FROM events ORDER BY id").fetchall(),
            "sessions": db.execute("SELECT id, rig, driver, game, track, car FROM coach_sessions").fetchall(),
            "messages": db.execute("SELECT rig, t, data FROM sessions ORDER BY t").fetchall(),
            "version": db.execute("PRAGMA user_version").fetchone()[0],
        }


def test_a_file_of_the_old_code_is_migrated_and_reads_back_whole(old_file: Path):
    before = old_contents(old_file)
    assert before["version"] == 0 and before["laps"] and before["events"] and before["sessions"]

    store = Store(old_file).open()
    assert store.migrated_from == 0
    (sid, rig, driver, game, track, car) = before["sessions"][0]
    # The coaching store's session is now the store's session row, ended, spanning the rig's frames.
    session = store.session(sid)
    assert session is not None and session.rig == rig == RIG
    assert tuple(session.key) == (driver, game, track, car)
    assert session.ended is not None and session.ended >= session.started
    seqs = [seq for _, seq, _ in before["frames"]]
    assert (session.first_seq, session.last_seq, session.frames) == (seqs[0], seqs[-1], len(seqs))
    assert session.laps == len(before["laps"])
    # Frames, laps with their traces, the reference and the events read back as they were.
    assert store.frames(RIG) == [(seq, data) for _, seq, data in before["frames"]]
    assert store.last_seqs() == {RIG: seqs[-1]}
    laps = store.laps(sid)
    assert [{**lap, "session_id": None} for lap in laps] == [
        {**json.loads(record), "id": i, "session_id": None} for i, _, _, record in before["laps"]
    ]
    for lap_id, *_ in before["laps"]:
        stored = store.load_lap(lap_id)
        assert stored is not None and stored.trace is not None
        assert LapTrace.from_bytes(stored.trace).lap_time_s == pytest.approx(stored.record["time_s"], abs=0.05)
    (driver, game, track, car, ref_id, pinned) = before["refs"][0]
    assert store.reference(session.key) == (ref_id, bool(pinned))
    assert store.next_lap_id() == max(i for i, *_ in before["laps"]) + 1
    assert len(store.events(RIG, 1000)) == len(before["events"])
    assert store.open_sessions() == []  # the old sessions are all over
    store.close()

    with sqlite3.connect(old_file) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "coach_sessions" not in tables
        assert db.execute("SELECT rig, t, data FROM session_messages ORDER BY t").fetchall() == before["messages"]
    # Opening it again changes nothing.
    again = Store(old_file).open()
    assert again.migrated_from == schema.VERSION and again.session(sid) == session
    again.close()


def test_a_new_file_goes_through_the_same_migrations(tmp_path: Path):
    store = Store(tmp_path / "new.db").open()
    assert store.migrated_from == 0 and store.sessions() == ([], 0)
    store.close()


def test_a_file_from_a_newer_simcoach_is_refused_with_the_setting(tmp_path: Path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    with pytest.raises(ValueError, match=r"newer simcoach.*SIMCOACH_DATA_DIR"):
        Store(path).open()


def test_a_migration_that_fails_leaves_the_file_as_it_was(old_file: Path, monkeypatch: pytest.MonkeyPatch):
    before = old_contents(old_file)
    real = schema.MIGRATIONS[0]

    def broken(db: sqlite3.Connection) -> None:
        real(db)  # all of it done, then a statement that fails
        db.execute("SELECT no_such_function()")

    monkeypatch.setattr(schema, "MIGRATIONS", (broken,))
    with pytest.raises(ValueError, match="no_such_function"):
        Store(old_file).open()
    assert old_contents(old_file) == before
