"""The embedded store: frames and sessions in one SQLite file, no server needed.

Frames are kept as their msgpack bytes keyed by (rig, seq), so a resent frame
is ignored by the primary key even across backend restarts, and a stored
session can be replayed exactly as it arrived.

A batch of one rig goes in as ONE statement, not one per row: its indexed
columns as a JSON array and its frames as one concatenated blob, unpacked by
SQLite itself (``json_each`` and ``substr``). Python's sqlite3 releases the GIL
around each row of an ``executemany`` and must win it back from the busy event
loop before the next row, so the writer thread used to store a few thousand
frames a second beside a loaded loop; one statement releases it once per batch
and the rows are written on the other core.
"""

from __future__ import annotations

import sqlite3
import threading
from itertools import accumulate
from pathlib import Path
from typing import Final

import msgspec

from simcoach.storage.base import FrameStore, RigFrames

_SCHEMA = """
CREATE TABLE IF NOT EXISTS frames (
    rig TEXT NOT NULL,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    lap INTEGER,
    lap_dist_m REAL,
    data BLOB NOT NULL,
    PRIMARY KEY (rig, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_rig ON sessions (rig, t);
"""

# ?2 is a JSON array of [seq, t, lap, lap_dist_m, offset, length] per frame and
# ?3 the frames' msgpack bytes end to end; substr on a blob counts bytes, from 1.
_INSERT_FRAMES: Final = """
INSERT OR IGNORE INTO frames (rig, seq, t, lap, lap_dist_m, data)
SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, substr(?3, j.value ->> 4, j.value ->> 5)
FROM json_each(?2) AS j
"""
_json = msgspec.json.Encoder()


class SqliteStore(FrameStore):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        # One connection used from the writer thread and, for reads, the event loop.
        self._lock = threading.Lock()
        self.frames_written = 0

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"SIMCOACH_DATA_DIR: cannot open the embedded store {self.path}: {exc}") from exc
        # WAL with synchronous=NORMAL survives a process crash (what we guard
        # against) at a fraction of the cost of a full sync per batch.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the embedded store is not open")
        return self._db

    def last_seqs(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn().execute("SELECT rig, MAX(seq) FROM frames GROUP BY rig").fetchall()
        return {rig: seq for rig, seq in rows}

    def write(self, frames: list[RigFrames], sessions: list[tuple[str, float, bytes]]) -> None:
        statements = [_frame_rows(batch) for batch in frames if batch.keys]
        with self._lock:
            db = self._conn()
            db.execute("BEGIN")
            try:
                for params in statements:
                    db.execute(_INSERT_FRAMES, params)
                db.executemany(
                    "INSERT INTO sessions (rig, t, data) VALUES (?, ?, ?)",
                    [(rig, t, data.decode()) for rig, t, data in sessions],
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        self.frames_written += sum(len(batch) for batch in frames)

    def frames(self, rig: str, after_seq: int = -1, limit: int = 100_000) -> list[tuple[int, bytes]]:
        """Stored frames of one rig in seq order (for replays, reports and tests)."""
        with self._lock:
            return (
                self._conn()
                .execute(
                    "SELECT seq, data FROM frames WHERE rig = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (rig, after_seq, limit),
                )
                .fetchall()
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def describe(self) -> dict[str, object]:
        return {"backend": self.name, "path": str(self.path), "frames_written": self.frames_written}


def _frame_rows(batch: RigFrames) -> tuple[str, bytes, bytes]:
    """Parameters of ``_INSERT_FRAMES`` for one rig's frames (built outside the lock, in C mostly)."""
    lengths = [len(d) for d in batch.data]
    starts = accumulate(lengths[:-1], initial=1)
    index = [(*key, start, length) for key, start, length in zip(batch.keys, starts, lengths, strict=True)]
    return batch.rig, _json.encode(index), b"".join(batch.data)
