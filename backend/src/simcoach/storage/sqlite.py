"""The embedded store: frames and sessions in one SQLite file, no server needed.

Frames are kept as their msgpack bytes keyed by (rig, seq), so a resent frame
is ignored by the primary key even across backend restarts, and a stored
session can be replayed exactly as it arrived.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from simcoach.storage.base import FrameStore, StoredFrame

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

    def write(self, frames: list[StoredFrame], sessions: list[tuple[str, float, bytes]]) -> None:
        with self._lock:
            db = self._conn()
            db.execute("BEGIN")
            try:
                db.executemany(
                    "INSERT OR IGNORE INTO frames (rig, seq, t, lap, lap_dist_m, data) VALUES (?, ?, ?, ?, ?, ?)",
                    [(f.rig, f.seq, f.t, f.lap, f.lap_dist_m, f.data) for f in frames],
                )
                db.executemany(
                    "INSERT INTO sessions (rig, t, data) VALUES (?, ?, ?)",
                    [(rig, t, data.decode()) for rig, t, data in sessions],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.frames_written += len(frames)

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
