"""Where coaching keeps laps (with their 1 m traces), reference choices, sessions and events.

``SqliteCoachStore`` adds tables to the backend's embedded SQLite file (its own
connection: in WAL mode a read here never waits for the frame writer);
``MemoryCoachStore`` keeps the same in dicts for ``simcoach replay`` and
``SIMCOACH_STORE=none``. Writes go through ``CoachWriter``, which the engine
only appends to: the backend drains it in a worker thread, the replay command
drains it in place.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simcoach.coaching.reference import RefKey
from simcoach.coaching.trace import LapTrace

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LapRecord:
    """A lap as the engine reports it (the ``lap`` message) and keeps it."""

    id: int
    rig: str
    session_id: str
    key: RefKey
    lap: int | None
    time_s: float
    valid: bool
    complete: bool
    out_lap: bool
    in_lap: bool
    sectors: list[float]
    delta_to_reference_s: float | None
    is_best: bool
    is_reference: bool
    t_end: float
    fuel_used_l: float | None = None
    corners: list[dict[str, object]] = field(default_factory=list)

    def message(self) -> dict[str, object]:
        """The dashboard's ``lap`` message."""
        return {
            "type": "lap",
            "rig": self.rig,
            "id": self.id,
            "lap": self.lap,
            "time_s": round(self.time_s, 3),
            "valid": self.valid,
            "complete": self.complete,
            "out_lap": self.out_lap,
            "in_lap": self.in_lap,
            "sectors": [round(s, 3) for s in self.sectors],
            "delta_to_reference_s": None if self.delta_to_reference_s is None else round(self.delta_to_reference_s, 3),
            "is_best": self.is_best,
            "is_reference": self.is_reference,
        }

    def summary(self) -> dict[str, object]:
        """The lap with its per-corner numbers (``GET /api/rigs/{rig}/laps``, ``replay --laps-json``)."""
        return {**self.message(), "t": self.t_end, "fuel_used_l": self.fuel_used_l, "corners": self.corners}


@dataclass(frozen=True, slots=True)
class StoredLap:
    record: dict[str, Any]  # LapRecord.summary() as stored, plus the key
    key: RefKey
    trace: LapTrace | None


class CoachStore(ABC):
    """Blocking calls; the backend calls the writing ones from a worker thread through ``CoachWriter``."""

    @abstractmethod
    def next_lap_id(self) -> int:
        """An id no stored lap has."""

    @abstractmethod
    def save_session(self, session_id: str, rig: str, t: float, key: RefKey, info: dict[str, Any]) -> None: ...

    @abstractmethod
    def save_lap(self, record: LapRecord, trace: LapTrace | None) -> None: ...

    @abstractmethod
    def save_event(self, session_id: str | None, rig: str, t: float, kind: str, data: bytes) -> None: ...

    @abstractmethod
    def set_reference(self, key: RefKey, lap_id: int, pinned: bool) -> None: ...

    @abstractmethod
    def reference(self, key: RefKey) -> tuple[int, bool] | None:
        """The reference lap id of a key and whether the user pinned it."""

    @abstractmethod
    def load_lap(self, lap_id: int) -> StoredLap | None: ...

    @abstractmethod
    def best_clean_lap(self, key: RefKey) -> int | None:
        """The fastest complete, valid, non-pit lap stored for a key."""

    @abstractmethod
    def laps(self, session_id: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def last_session(self, rig: str) -> tuple[str, RefKey] | None: ...

    @abstractmethod
    def events(self, rig: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` events of a rig, oldest first."""

    def close(self) -> None:  # noqa: B027 - the memory store has nothing to release
        """Release what the store holds."""


def _clean(record: LapRecord) -> bool:
    return record.complete and record.valid and not record.out_lap and not record.in_lap


class MemoryCoachStore(CoachStore):
    def __init__(self) -> None:
        self._laps: dict[int, tuple[LapRecord, LapTrace | None]] = {}
        self._refs: dict[RefKey, tuple[int, bool]] = {}
        self._sessions: dict[str, tuple[str, float, RefKey]] = {}
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._next = 1

    def next_lap_id(self) -> int:
        n = self._next
        self._next += 1
        return n

    def save_session(self, session_id: str, rig: str, t: float, key: RefKey, info: dict[str, Any]) -> None:
        self._sessions[session_id] = (rig, t, key)

    def save_lap(self, record: LapRecord, trace: LapTrace | None) -> None:
        self._laps[record.id] = (record, trace)

    def save_event(self, session_id: str | None, rig: str, t: float, kind: str, data: bytes) -> None:
        self._events.append((rig, json.loads(data)))

    def set_reference(self, key: RefKey, lap_id: int, pinned: bool) -> None:
        self._refs[key] = (lap_id, pinned)

    def reference(self, key: RefKey) -> tuple[int, bool] | None:
        return self._refs.get(key)

    def load_lap(self, lap_id: int) -> StoredLap | None:
        found = self._laps.get(lap_id)
        if found is None:
            return None
        record, trace = found
        return StoredLap({**record.summary(), "session_id": record.session_id}, record.key, trace)

    def best_clean_lap(self, key: RefKey) -> int | None:
        clean = [r for r, trace in self._laps.values() if r.key == key and _clean(r) and trace is not None]
        return min(clean, key=lambda r: r.time_s).id if clean else None

    def laps(self, session_id: str) -> list[dict[str, Any]]:
        mine = [r for r, _ in self._laps.values() if r.session_id == session_id]
        return [r.summary() for r in sorted(mine, key=lambda r: r.id)]

    def last_session(self, rig: str) -> tuple[str, RefKey] | None:
        mine = [(t, sid, key) for sid, (r, t, key) in self._sessions.items() if r == rig]
        if not mine:
            return None
        _, sid, key = max(mine)
        return sid, key

    def events(self, rig: str, limit: int) -> list[dict[str, Any]]:
        mine = [e for r, e in self._events if r == rig]
        return mine[-limit:] if limit > 0 else []


_SCHEMA = """
CREATE TABLE IF NOT EXISTS coach_sessions (
    id TEXT PRIMARY KEY,
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    info TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS coach_sessions_by_rig ON coach_sessions (rig, t);
CREATE TABLE IF NOT EXISTS laps (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    rig TEXT NOT NULL,
    lap INTEGER,
    t REAL NOT NULL,
    time_s REAL NOT NULL,
    clean INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    record TEXT NOT NULL,
    trace BLOB
);
CREATE INDEX IF NOT EXISTS laps_by_session ON laps (session_id, id);
CREATE INDEX IF NOT EXISTS laps_by_key ON laps (driver, game, track, car, clean, time_s);
CREATE TABLE IF NOT EXISTS reference_laps (
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    lap_id INTEGER NOT NULL,
    pinned INTEGER NOT NULL,
    PRIMARY KEY (driver, game, track, car)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT,
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_rig ON events (rig, id);
"""


class SqliteCoachStore(CoachStore):
    """Coaching tables in the embedded SQLite file (the frames' file by default)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"SIMCOACH_DATA_DIR: cannot open the coaching tables in {path}: {exc}") from exc
        self._db: sqlite3.Connection | None = db
        (top,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM laps").fetchone()
        self._next = int(top) + 1

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the coaching store is closed")
        return self._db

    def next_lap_id(self) -> int:
        with self._lock:
            n = self._next
            self._next += 1
            return n

    def save_session(self, session_id: str, rig: str, t: float, key: RefKey, info: dict[str, Any]) -> None:
        with self._lock:
            self._conn().execute(
                "INSERT OR REPLACE INTO coach_sessions (id, rig, t, driver, game, track, car, info)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (session_id, rig, t, *key, json.dumps(info)),
            )

    def save_lap(self, record: LapRecord, trace: LapTrace | None) -> None:
        blob = trace.to_bytes() if trace is not None else None  # compress outside the lock
        with self._lock:
            self._conn().execute(
                "INSERT OR REPLACE INTO laps (id, session_id, rig, lap, t, time_s, clean, complete,"
                " driver, game, track, car, record, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.id,
                    record.session_id,
                    record.rig,
                    record.lap,
                    record.t_end,
                    record.time_s,
                    int(_clean(record) and trace is not None),
                    int(record.complete),
                    *record.key,
                    json.dumps(record.summary()),
                    blob,
                ),
            )

    def save_event(self, session_id: str | None, rig: str, t: float, kind: str, data: bytes) -> None:
        with self._lock:
            self._conn().execute(
                "INSERT INTO events (session_id, rig, t, kind, data) VALUES (?,?,?,?,?)",
                (session_id, rig, t, kind, data.decode()),
            )

    def set_reference(self, key: RefKey, lap_id: int, pinned: bool) -> None:
        with self._lock:
            self._conn().execute(
                "INSERT OR REPLACE INTO reference_laps (driver, game, track, car, lap_id, pinned) VALUES (?,?,?,?,?,?)",
                (*key, lap_id, int(pinned)),
            )

    def reference(self, key: RefKey) -> tuple[int, bool] | None:
        with self._lock:
            row = (
                self._conn()
                .execute(
                    "SELECT lap_id, pinned FROM reference_laps WHERE driver=? AND game=? AND track=? AND car=?", key
                )
                .fetchone()
            )
        return (int(row[0]), bool(row[1])) if row else None

    def load_lap(self, lap_id: int) -> StoredLap | None:
        with self._lock:
            row = (
                self._conn()
                .execute("SELECT record, trace, driver, game, track, car, session_id FROM laps WHERE id=?", (lap_id,))
                .fetchone()
            )
        if row is None:
            return None
        record = {**json.loads(row[0]), "session_id": row[6]}
        trace = LapTrace.from_bytes(row[1]) if row[1] is not None else None
        return StoredLap(record, RefKey(row[2], row[3], row[4], row[5]), trace)

    def best_clean_lap(self, key: RefKey) -> int | None:
        with self._lock:
            row = (
                self._conn()
                .execute(
                    "SELECT id FROM laps WHERE driver=? AND game=? AND track=? AND car=? AND clean=1"
                    " ORDER BY time_s LIMIT 1",
                    key,
                )
                .fetchone()
            )
        return int(row[0]) if row else None

    def laps(self, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = (
                self._conn().execute("SELECT record FROM laps WHERE session_id=? ORDER BY id", (session_id,)).fetchall()
            )
        return [json.loads(r[0]) for r in rows]

    def last_session(self, rig: str) -> tuple[str, RefKey] | None:
        with self._lock:
            row = (
                self._conn()
                .execute(
                    "SELECT id, driver, game, track, car FROM coach_sessions WHERE rig=? ORDER BY t DESC LIMIT 1",
                    (rig,),
                )
                .fetchone()
            )
        return (row[0], RefKey(row[1], row[2], row[3], row[4])) if row else None

    def events(self, rig: str, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            rows = (
                self._conn()
                .execute("SELECT data FROM events WHERE rig=? ORDER BY id DESC LIMIT ?", (rig, limit))
                .fetchall()
            )
        return [json.loads(r[0]) for r in reversed(rows)]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class CoachWriter:
    """Store writes queued by the engine (never blocking it), drained in a thread or in place."""

    def __init__(self, store: CoachStore) -> None:
        self.store = store
        self._pending: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self.failures = 0
        self.last_error: str | None = None

    def add(self, write: Callable[[], None]) -> None:
        self._pending.append(write)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _run(self, batch: list[Callable[[], None]]) -> None:
        for write in batch:
            try:
                write()
            except Exception as exc:  # one bad write must not lose the others
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("coaching store write failed: %s", self.last_error)

    def flush_now(self) -> None:
        """Write everything queued, here and now (the replay command, tests)."""
        batch, self._pending = self._pending, []
        self._run(batch)

    async def flush(self) -> None:
        """Write everything queued in a worker thread; one flush at a time, so writes keep their order."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if batch:
                await asyncio.to_thread(self._run, batch)

    async def run(self, interval: float = 0.5) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.flush()
