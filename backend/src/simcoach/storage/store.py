"""The embedded store: frames, sessions, laps with their traces, references, events and export cursors.

One SQLite file (or memory, when nothing is to be kept), one connection, one
schema (``storage/schema.py``), written only through ``write``: the storage
writer hands it a batch of frames and records, and the batch becomes durable
as one transaction. Reads are short and take the same lock.

Frames are kept as their msgpack bytes keyed by (rig, seq), so a resent frame
is ignored by the primary key even across backend restarts, and a stored
session can be replayed exactly as it arrived. A batch of one rig goes in as
ONE statement, not one per row: its indexed columns as a JSON array and its
frames as one concatenated blob, unpacked by SQLite itself (``json_each`` and
``substr``). Python's sqlite3 releases the GIL around each row of an
``executemany`` and must win it back from the busy event loop before the next
row; one statement releases it once per batch and the rows are written on the
other core.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, Final

import msgspec

from simcoach.storage import schema
from simcoach.storage.records import (
    EventRow,
    ExportCursor,
    LapRow,
    Record,
    ReferenceChoice,
    ReportRow,
    RigFrames,
    SessionEnded,
    SessionKey,
    SessionMessage,
    SessionOpened,
    SessionRow,
    StoredLap,
)

# ?2 is a JSON array of [seq, t, lap, lap_dist_m, offset, length] per frame and
# ?3 the frames' msgpack bytes end to end; substr on a blob counts bytes, from 1.
_INSERT_FRAMES: Final = """
INSERT OR IGNORE INTO frames (rig, seq, t, lap, lap_dist_m, data)
SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, substr(?3, j.value ->> 4, j.value ->> 5)
FROM json_each(?2) AS j
"""
# A session's activity after a batch of its frames: its first frame's seq and time become where
# it starts, the last frame's where it ends so far (and its end, if it was already ended).
_SESSION_ACTIVITY: Final = """
UPDATE sessions SET
    started = CASE WHEN frames = 0 THEN :first_t ELSE started END,
    first_seq = CASE WHEN frames = 0 THEN :first_seq ELSE first_seq END,
    last_t = CASE WHEN frames = 0 THEN :last_t ELSE MAX(last_t, :last_t) END,
    ended = CASE WHEN ended IS NULL THEN NULL WHEN frames = 0 THEN :last_t ELSE MAX(ended, :last_t) END,
    seen = :seen,
    last_seq = MAX(COALESCE(last_seq, :last_seq), :last_seq),
    frames = frames + :frames
WHERE id = :id
"""
_SESSION_COLUMNS: Final = (
    "s.id, s.rig, s.started, s.ended, s.last_t, s.seen, s.first_seq, s.last_seq, s.frames,"
    " s.driver, s.game, s.track, s.car, s.info"
)
_json = msgspec.json.Encoder()
# Rows a retention pass deletes per transaction: writers wait at most one chunk for the lock.
RETENTION_CHUNK: Final = 20_000


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """``GET /api/sessions``: each set field narrows the list; times in Unix s on the sessions' start."""

    rig: str | None = None
    driver: str | None = None
    track: str | None = None
    car: str | None = None
    game: str | None = None
    since: float | None = None
    until: float | None = None


class Store:
    """simcoach's one embedded store; ``path`` None keeps everything in memory (``SIMCOACH_STORE=none``, replays)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        # One connection used from the writer thread and, for reads, the event loop and route threads.
        self._lock = threading.Lock()
        self._next_lap = 1
        self.frames_written = 0
        self.migrated_from: int | None = None

    # --- life ---------------------------------------------------------------
    def open(self) -> Store:
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                ":memory:" if self.path is None else self.path,
                check_same_thread=False,
                isolation_level=None,
                timeout=30.0,
            )
            # WAL with synchronous=NORMAL survives a process crash (what we guard
            # against) at a fraction of the cost of a full sync per batch.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self.migrated_from = schema.migrate(db)
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"SIMCOACH_DATA_DIR: cannot open the embedded store {self.path}: {exc}") from exc
        self._db = db
        (top,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM laps").fetchone()
        self._next_lap = int(top) + 1
        return self

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db is None:
                raise RuntimeError("the embedded store is not open")
            yield self._db

    # --- writing --------------------------------------------------------------
    def next_lap_id(self) -> int:
        """An id no stored or queued lap has (laps are numbered as they finish, before they are stored)."""
        with self._lock:
            n = self._next_lap
            self._next_lap += 1
            return n

    def write(self, frames: Sequence[RigFrames], records: Sequence[Record], seen: float) -> None:
        """Store records (in order), then frames, in one transaction; ``seen`` is the backend's clock now.

        All or nothing: on return everything is durable, on an exception nothing
        is. A frame already stored (same rig and seq) is ignored, so a retried
        batch never doubles; so is a lap, event or session already stored.
        """
        statements = [(batch, _frame_rows(batch)) for batch in frames if batch.keys]
        with self._read() as db:
            db.execute("BEGIN")
            try:
                for record in records:
                    _apply(db, record)
                for batch, params in statements:
                    db.execute(_INSERT_FRAMES, params)
                    if batch.session is not None:
                        db.execute(
                            _SESSION_ACTIVITY,
                            {
                                "id": batch.session,
                                "first_t": batch.keys[0][1],
                                "first_seq": batch.keys[0][0],
                                "last_t": batch.keys[-1][1],
                                "last_seq": batch.keys[-1][0],
                                "frames": len(batch),
                                "seen": seen,
                            },
                        )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        self.frames_written += sum(len(batch) for batch in frames)

    def delete_frames_before(self, t: float) -> int:
        """Retention: drop raw frames older than ``t`` (Unix s); returns how many.

        Frames have no index on time (it would slow every write), but each
        session knows its seq range and last time: a rig's frames are deleted by
        ranges of its primary key, a chunk per transaction, so writers wait at
        most one chunk for the lock.
        """
        with self._read() as db:
            ranges = db.execute(
                "SELECT rig, MIN(first_seq) - 1 FROM sessions WHERE first_seq IS NOT NULL GROUP BY rig"
            ).fetchall()
            spans: list[tuple[str, int, int]] = [(rig, -(2**62), top) for rig, top in ranges]
            spans += db.execute(
                "SELECT rig, first_seq, last_seq FROM sessions"
                " WHERE first_seq IS NOT NULL AND last_seq IS NOT NULL AND started < ?",
                (t,),
            ).fetchall()
        deleted = 0
        for rig, low, high in spans:
            start = low
            while start <= high:
                with self._read() as db:
                    first = db.execute(
                        "SELECT MIN(seq) FROM frames WHERE rig = ? AND seq >= ? AND seq <= ?", (rig, start, high)
                    ).fetchone()[0]
                    if first is None:
                        break
                    stop = min(high, first + RETENTION_CHUNK - 1)
                    deleted += db.execute(
                        "DELETE FROM frames WHERE rig = ? AND seq >= ? AND seq <= ? AND t < ?", (rig, first, stop, t)
                    ).rowcount
                start = stop + 1
        return deleted

    # --- frames -----------------------------------------------------------------
    def last_seqs(self) -> dict[str, int]:
        """The highest stored seq of each rig, so that a restarted backend still drops resent frames."""
        with self._read() as db:
            rows = db.execute("SELECT rig, MAX(seq) FROM frames GROUP BY rig").fetchall()
        return {rig: seq for rig, seq in rows}

    def frames(
        self, rig: str, after_seq: int = -1, limit: int = 100_000, until_seq: int | None = None
    ) -> list[tuple[int, bytes]]:
        """Stored frames of one rig in seq order, after ``after_seq`` and up to ``until_seq``."""
        with self._read() as db:
            return db.execute(
                "SELECT seq, data FROM frames WHERE rig = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (rig, after_seq, until_seq if until_seq is not None else 2**62, limit),
            ).fetchall()

    def session_frames(self, session: SessionRow, page: int = 5_000) -> Iterator[list[bytes]]:
        """A session's stored frames (msgpack), oldest first, a page at a time: an hour is never read whole."""
        if session.first_seq is None or session.last_seq is None:
            return
        after = session.first_seq - 1
        while True:
            rows = self.frames(session.rig, after, page, session.last_seq)
            if not rows:
                return
            yield [data for _, data in rows]
            after = rows[-1][0]

    def frames_since(self, rig: str, first_seq: int, t: float) -> list[bytes]:
        """A rig's frames from ``first_seq`` on whose time is at least ``t`` (resuming a session's lap)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT data FROM frames WHERE rig = ? AND seq >= ? AND t >= ? ORDER BY seq", (rig, first_seq, t)
            ).fetchall()
        return [r[0] for r in rows]

    def frame_counts(self) -> dict[str, int]:
        with self._read() as db:
            return dict(db.execute("SELECT rig, COUNT(*) FROM frames GROUP BY rig").fetchall())

    # --- sessions -----------------------------------------------------------------
    def open_sessions(self) -> list[SessionRow]:
        """Sessions not ended yet (at most one per rig), newest first."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions AS s WHERE s.ended IS NULL ORDER BY s.started DESC"
            ).fetchall()
        return [_session(r) for r in rows]

    def session(self, session_id: str) -> SessionRow | None:
        found, _ = self.sessions(ids=[session_id])
        return found[0] if found else None

    def last_session(self, rig: str) -> SessionRow | None:
        found, _ = self.sessions(SessionFilter(rig=rig), limit=1)
        return found[0] if found else None

    def sessions(
        self,
        where: SessionFilter | None = None,
        limit: int = 50,
        offset: int = 0,
        ids: Sequence[str] | None = None,
    ) -> tuple[list[SessionRow], int]:
        """Sessions newest first, with their lap count and best clean lap; and how many match in all."""
        where = where or SessionFilter()
        clauses: list[str] = []
        params: list[Any] = []
        for column in ("rig", "driver", "track", "car", "game"):
            value = getattr(where, column)
            if value is not None:
                clauses.append(f"s.{column} = ?")
                params.append(value)
        if where.since is not None:
            clauses.append("s.started >= ?")
            params.append(where.since)
        if where.until is not None:
            clauses.append("s.started < ?")
            params.append(where.until)
        if ids is not None:
            clauses.append(f"s.id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql_where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._read() as db:
            (total,) = db.execute(f"SELECT COUNT(*) FROM sessions AS s {sql_where}", params).fetchone()
            rows = db.execute(
                f"SELECT {_SESSION_COLUMNS},"
                " (SELECT COUNT(*) FROM laps AS l WHERE l.session_id = s.id),"
                " (SELECT MIN(l.time_s) FROM laps AS l WHERE l.session_id = s.id AND l.clean = 1)"
                f" FROM sessions AS s {sql_where} ORDER BY s.started DESC, s.id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return [_session(r) for r in rows], int(total)

    # --- laps, references, events ---------------------------------------------------
    def load_lap(self, lap_id: int) -> StoredLap | None:
        with self._read() as db:
            row = db.execute(
                "SELECT record, trace, driver, game, track, car, session_id, id FROM laps WHERE id = ?", (lap_id,)
            ).fetchone()
        if row is None:
            return None
        record = {**json.loads(row[0]), "id": row[7], "session_id": row[6]}
        return StoredLap(record, SessionKey(row[2], row[3], row[4], row[5]), row[1])

    def laps(self, session_id: str) -> list[dict[str, Any]]:
        """A session's laps (their records), in the order they finished."""
        with self._read() as db:
            rows = db.execute(
                "SELECT record, id, session_id FROM laps WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
        return [{**json.loads(r[0]), "id": r[1], "session_id": r[2]} for r in rows]

    def laps_after(self, lap_id: int, limit: int) -> list[LapRow]:
        """Laps stored after ``lap_id``, in id order, with their traces (the exporter's stream)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, session_id, rig, lap, t, time_s, clean, complete, driver, game, track, car, record, trace"
                " FROM laps WHERE id > ? ORDER BY id LIMIT ?",
                (lap_id, limit),
            ).fetchall()
        return [
            LapRow(
                id=r[0],
                session_id=r[1],
                rig=r[2],
                lap=r[3],
                t_end=r[4],
                time_s=r[5],
                clean=bool(r[6]),
                complete=bool(r[7]),
                key=SessionKey(r[8], r[9], r[10], r[11]),
                record=json.loads(r[12]),
                trace=r[13],
            )
            for r in rows
        ]

    def best_clean_lap(self, key: SessionKey) -> int | None:
        """The fastest complete, valid, non-pit lap with a trace stored for a key."""
        with self._read() as db:
            row = db.execute(
                "SELECT id FROM laps WHERE driver=? AND game=? AND track=? AND car=? AND clean=1"
                " ORDER BY time_s LIMIT 1",
                key,
            ).fetchone()
        return int(row[0]) if row else None

    def reference(self, key: SessionKey) -> tuple[int, bool] | None:
        """The reference lap id of a key and whether the user pinned it."""
        with self._read() as db:
            row = db.execute(
                "SELECT lap_id, pinned FROM reference_laps WHERE driver=? AND game=? AND track=? AND car=?", key
            ).fetchone()
        return (int(row[0]), bool(row[1])) if row else None

    def events(self, rig: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` events of a rig, oldest first."""
        with self._read() as db:
            rows = db.execute("SELECT data FROM events WHERE rig=? ORDER BY id DESC LIMIT ?", (rig, limit)).fetchall()
        return [json.loads(r[0]) for r in reversed(rows)]

    def session_events(self, session_id: str) -> list[dict[str, Any]]:
        """A session's events as its dashboards got them, oldest first."""
        with self._read() as db:
            rows = db.execute("SELECT data FROM events WHERE session_id = ? ORDER BY id", (session_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def events_after(self, event_id: int, limit: int) -> list[tuple[int, EventRow]]:
        """Events stored after ``event_id``, in id order, with their ids (the exporter's stream)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, session_id, rig, t, kind, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (event_id, limit),
            ).fetchall()
        return [(r[0], EventRow(r[1], r[2], r[3], r[4], r[5].encode())) for r in rows]

    # --- reports --------------------------------------------------------------------------
    def report(self, session_id: str) -> ReportRow | None:
        """A session's stored report."""
        with self._read() as db:
            row = db.execute(
                "SELECT session_id, created, model_status, markdown, html, document FROM reports WHERE session_id = ?",
                (session_id,),
            ).fetchone()
        return ReportRow(*row) if row is not None else None

    def reported(self, session_ids: Sequence[str]) -> dict[str, float]:
        """Which of these sessions have a stored report, and when it was made."""
        if not session_ids:
            return {}
        with self._read() as db:
            rows = db.execute(
                f"SELECT session_id, created FROM reports WHERE session_id IN ({','.join('?' * len(session_ids))})",
                list(session_ids),
            ).fetchall()
        return dict(rows)

    # --- exporters ------------------------------------------------------------------------
    def cursors(self, target: str) -> dict[str, int]:
        """Every stream's position for one export target."""
        with self._read() as db:
            return dict(db.execute("SELECT stream, position FROM export_cursors WHERE target = ?", (target,)))

    def session_spans(self, rig: str, after_seq: int, until_seq: int) -> list[tuple[str, int, int, SessionKey]]:
        """A rig's sessions holding frames in (after_seq, until_seq]: (id, first_seq, last_seq, key), by first_seq."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, first_seq, last_seq, driver, game, track, car FROM sessions"
                " WHERE rig = ? AND first_seq IS NOT NULL AND last_seq IS NOT NULL AND last_seq > ? AND first_seq <= ?"
                " ORDER BY first_seq",
                (rig, after_seq, until_seq),
            ).fetchall()
        return [(r[0], r[1], r[2], SessionKey(r[3], r[4], r[5], r[6])) for r in rows]

    def frames_between(self, rig: str, first_seq: int, last_seq: int, t_from: float, t_to: float) -> list[bytes]:
        """A rig's frames with seq in [first_seq, last_seq] and t in [t_from, t_to], in seq order (a lap's frames)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT data FROM frames WHERE rig = ? AND seq >= ? AND seq <= ? AND t >= ? AND t <= ? ORDER BY seq",
                (rig, first_seq, last_seq, t_from, t_to),
            ).fetchall()
        return [r[0] for r in rows]

    def frame_rigs(self) -> dict[str, int]:
        """``last_seqs`` by index seeks: each rig found by a skip-scan of the key, its top seq by one more.

        ``GROUP BY rig`` reads every row of the table (their blobs inline); an exporter asks for
        every batch, so this costs a few seeks per rig whatever the size of the store.
        """
        with self._read() as db:
            rows = db.execute(
                "WITH RECURSIVE r(rig) AS (SELECT MIN(rig) FROM frames"
                " UNION ALL SELECT (SELECT MIN(rig) FROM frames WHERE rig > r.rig) FROM r WHERE r.rig IS NOT NULL)"
                " SELECT rig, (SELECT MAX(seq) FROM frames AS f WHERE f.rig = r.rig) FROM r WHERE rig IS NOT NULL"
            ).fetchall()
        return {rig: seq for rig, seq in rows}

    def frames_backlog(
        self, rig: str, after_seq: int, exact_up_to: int = 2_000
    ) -> tuple[int, float | None, float | None]:
        """A rig's frames after ``after_seq``: how many, the oldest one's t and the newest one's t, by seeks.

        Counted exactly up to ``exact_up_to`` (a count reads every row); past that, the seqs
        between are counted, which is exact for a rig whose seqs have no gaps (agents number
        every frame) and an upper bound otherwise.
        """
        with self._read() as db:
            first = db.execute(
                "SELECT seq, t FROM frames WHERE rig = ? AND seq > ? ORDER BY seq LIMIT 1", (rig, after_seq)
            ).fetchone()
            if first is None:
                return 0, None, None
            last = db.execute("SELECT seq, t FROM frames WHERE rig = ? ORDER BY seq DESC LIMIT 1", (rig,)).fetchone()
            (count,) = db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM frames WHERE rig = ? AND seq > ? LIMIT ?)",
                (rig, after_seq, exact_up_to + 1),
            ).fetchone()
        if count > exact_up_to:
            count = last[0] - first[0] + 1
        return int(count), first[1], last[1]

    def records_after_count(self, lap_id: int, event_id: int) -> tuple[int, int]:
        """How many laps are stored after ``lap_id`` and events after ``event_id`` (an exporter's backlog)."""
        with self._read() as db:
            (laps,) = db.execute("SELECT COUNT(*) FROM laps WHERE id > ?", (lap_id,)).fetchone()
            (events,) = db.execute("SELECT COUNT(*) FROM events WHERE id > ?", (event_id,)).fetchone()
        return int(laps), int(events)

    # --- status ---------------------------------------------------------------------------
    def size_bytes(self) -> int:
        """The file with its write-ahead log (what the store takes on disk now); 0 in memory."""
        if self.path is None:
            return 0
        total = 0
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                total += Path(f"{self.path}{suffix}").stat().st_size
        return total

    def describe(self) -> dict[str, object]:
        return {
            "backend": "sqlite" if self.path is not None else "memory",
            "path": str(self.path) if self.path is not None else None,
            "schema_version": schema.VERSION,
            "size_bytes": self.size_bytes(),
            "frames_written": self.frames_written,
        }


def _apply(db: sqlite3.Connection, record: Record) -> None:
    """One record's statements, inside the caller's transaction."""
    match record:
        case SessionOpened():
            # A rig has one open session: opening one ends the one before, at its last frame.
            db.execute("UPDATE sessions SET ended = last_t WHERE rig = ? AND ended IS NULL", (record.rig,))
            db.execute(
                "INSERT OR IGNORE INTO sessions (id, rig, started, ended, last_t, seen, first_seq, last_seq, frames,"
                " driver, game, track, car, info) VALUES (?, ?, ?, NULL, ?, ?, ?, NULL, 0, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.rig,
                    record.started,
                    record.started,
                    record.started,
                    record.first_seq,
                    *record.key,
                    json.dumps(record.info),
                ),
            )
        case SessionEnded():
            db.execute("UPDATE sessions SET ended = last_t WHERE id = ? AND ended IS NULL", (record.id,))
        case SessionMessage():
            db.execute(
                "INSERT INTO session_messages (rig, t, data) VALUES (?, ?, ?)",
                (record.rig, record.t, record.data.decode()),
            )
        case LapRow():
            db.execute(
                "INSERT OR REPLACE INTO laps (id, session_id, rig, lap, t, time_s, clean, complete,"
                " driver, game, track, car, record, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.id,
                    record.session_id,
                    record.rig,
                    record.lap,
                    record.t_end,
                    record.time_s,
                    int(record.clean),
                    int(record.complete),
                    *record.key,
                    json.dumps(record.record),
                    record.trace,
                ),
            )
        case EventRow():
            db.execute(
                "INSERT INTO events (session_id, rig, t, kind, data) VALUES (?,?,?,?,?)",
                (record.session_id, record.rig, record.t, record.kind, record.data.decode()),
            )
        case ReferenceChoice():
            db.execute(
                "INSERT OR REPLACE INTO reference_laps (driver, game, track, car, lap_id, pinned) VALUES (?,?,?,?,?,?)",
                (*record.key, record.lap_id, int(record.pinned)),
            )
        case ReportRow():
            db.execute(
                "INSERT OR REPLACE INTO reports (session_id, created, model_status, markdown, html, document)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (record.session_id, record.created, record.model_status, record.markdown, record.html, record.document),
            )
        case ExportCursor():
            db.execute(
                "INSERT OR REPLACE INTO export_cursors (target, stream, position) VALUES (?, ?, ?)",
                (record.target, record.stream, record.position),
            )


def _session(row: Sequence[Any]) -> SessionRow:
    laps, best = (row[14], row[15]) if len(row) > 14 else (0, None)
    return SessionRow(
        id=row[0],
        rig=row[1],
        started=row[2],
        ended=row[3],
        last_t=row[4],
        seen=row[5],
        first_seq=row[6],
        last_seq=row[7],
        frames=row[8],
        key=SessionKey(row[9], row[10], row[11], row[12]),
        info=json.loads(row[13]),
        laps=int(laps or 0),
        best_lap_s=best,
    )


def _frame_rows(batch: RigFrames) -> tuple[str, bytes, bytes]:
    """Parameters of ``_INSERT_FRAMES`` for one rig's frames (built outside the lock, in C mostly)."""
    lengths = [len(d) for d in batch.data]
    starts = accumulate(lengths[:-1], initial=1)
    index = [(*key, start, length) for key, start, length in zip(batch.keys, starts, lengths, strict=True)]
    return batch.rig, _json.encode(index), b"".join(batch.data)
