"""Frames not yet acknowledged by the backend, kept on disk so that neither an outage nor an agent restart loses them.

A SQLite file (stdlib, no server) keyed by seq. Frames stay until an ack says
the backend holds them; after a reconnect everything unacknowledged is sent
again, oldest first, and the backend's duplicate check makes delivery
exactly-once. Inserts join an open transaction committed every
``COMMIT_EVERY_S``, so a frame costs a few microseconds, and an agent crash
loses at most that fraction of a second of unsent frames.

Bounded: when ``max_frames`` are waiting, the oldest is dropped (and counted)
for each new one, so a rig left running with no backend keeps the newest
``max_frames`` (an hour at 60 Hz by default, about 170 MB).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Final

COMMIT_EVERY_S: Final = 0.25


class Spool:
    def __init__(self, max_frames: int, path: Path | None = None) -> None:
        self.max_frames = max_frames
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path or ":memory:", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        self._count: int = self._db.execute("SELECT COUNT(*) FROM spool").fetchone()[0]
        self._sent_upto = -1
        self._in_tx = False
        self._committed_at = time.monotonic()
        self.dropped = 0

    def __len__(self) -> int:
        return self._count

    def _begin(self) -> None:
        if not self._in_tx:
            self._db.execute("BEGIN")
            self._in_tx = True

    def append(self, seq: int, encoded: bytes) -> None:
        """Keep one encoded frame; seqs must increase."""
        self._begin()
        if self._count >= self.max_frames:
            self._db.execute("DELETE FROM spool WHERE seq = (SELECT MIN(seq) FROM spool)")
            self._count -= 1
            self.dropped += 1
        self._db.execute("INSERT OR IGNORE INTO spool (seq, data) VALUES (?, ?)", (seq, encoded))
        self._count += 1
        if time.monotonic() - self._committed_at >= COMMIT_EVERY_S:
            self.commit()

    def take(self, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` frames not yet sent on this connection, oldest first."""
        rows: list[tuple[int, bytes]] = self._db.execute(
            "SELECT seq, data FROM spool WHERE seq > ? ORDER BY seq LIMIT ?", (self._sent_upto, limit)
        ).fetchall()
        if rows:
            self._sent_upto = rows[-1][0]
        return rows

    def ack(self, seq: int) -> None:
        """Forget every frame up to and including ``seq``: the backend holds them."""
        self._begin()
        self._count -= self._db.execute("DELETE FROM spool WHERE seq <= ?", (seq,)).rowcount
        self._sent_upto = max(self._sent_upto, seq)

    def rewind(self) -> None:
        """After a reconnect: everything not acknowledged is to be sent again, oldest first."""
        self._sent_upto = -1

    def commit(self) -> None:
        if self._in_tx:
            self._db.execute("COMMIT")
            self._in_tx = False
        self._committed_at = time.monotonic()

    def close(self) -> None:
        self.commit()
        self._db.close()
