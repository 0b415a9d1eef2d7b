"""Frames not yet acknowledged by the backend, kept on disk once they wait, so that neither an outage nor an agent
restart loses them.

New frames stay in memory: with the backend up, acks come within a tenth of a
second and the disk is never touched (a write per frame, on waking 60 times a
second, would cost more than reading the game). Frames unacknowledged for
``SPILL_AFTER_S`` go to a SQLite file (stdlib, no server) in one batch, and so
does everything left at exit. Frames stay until an ack says the backend holds
them; after a reconnect everything unacknowledged is sent again, oldest first,
and the backend's duplicate check makes delivery exactly-once. An agent crash
loses at most the last ``SPILL_AFTER_S`` of unsent frames.

Bounded: when ``max_frames`` are waiting, the oldest is dropped (and counted)
for each new one, so a rig left running with no backend keeps the newest
``max_frames`` (an hour at 60 Hz by default, about 170 MB of disk).
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from pathlib import Path
from typing import Final

SPILL_AFTER_S: Final = 1.0


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
        self._on_disk: int = self._db.execute("SELECT COUNT(*) FROM spool").fetchone()[0]
        # Newest frames, not on disk yet, oldest first: those sent on this
        # connection, then those not sent yet (two queues, so that taking from
        # a backlog of thousands never walks it), and when each arrived.
        self._sent: deque[tuple[int, bytes]] = deque()
        self._unsent: deque[tuple[int, bytes]] = deque()
        self._arrived: deque[float] = deque()
        # Highest seq sent on this connection (frames on disk at or below it are sent).
        self._sent_upto = -1
        self.dropped = 0

    def __len__(self) -> int:
        return self._on_disk + len(self._sent) + len(self._unsent)

    def append(self, seq: int, encoded: bytes) -> None:
        """Keep one encoded frame; seqs must increase."""
        if len(self) >= self.max_frames:
            self._drop_oldest()
        now = time.monotonic()
        self._unsent.append((seq, encoded))
        self._arrived.append(now)
        if now - self._arrived[0] >= SPILL_AFTER_S:
            self.spill()

    def _drop_oldest(self) -> None:
        if self._on_disk:
            self._db.execute("DELETE FROM spool WHERE seq = (SELECT MIN(seq) FROM spool)")
            self._on_disk -= 1
        else:
            (self._sent or self._unsent).popleft()
            self._arrived.popleft()
        self.dropped += 1

    def spill(self) -> None:
        """Move the frames held in memory to disk, in one transaction."""
        if not self._sent and not self._unsent:
            return
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO spool (seq, data) VALUES (?, ?)", self._sent)
        self._db.executemany("INSERT OR IGNORE INTO spool (seq, data) VALUES (?, ?)", self._unsent)
        self._db.execute("COMMIT")
        self._on_disk += len(self._sent) + len(self._unsent)
        self._sent.clear()
        self._unsent.clear()
        self._arrived.clear()

    def take(self, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` frames not yet sent on this connection, oldest first."""
        rows: list[tuple[int, bytes]] = []
        if self._on_disk:
            rows = self._db.execute(
                "SELECT seq, data FROM spool WHERE seq > ? ORDER BY seq LIMIT ?", (self._sent_upto, limit)
            ).fetchall()
        # Every frame in memory is newer than every frame on disk.
        unsent, sent = self._unsent, self._sent
        while unsent and len(rows) < limit:
            item = unsent.popleft()
            sent.append(item)
            rows.append(item)
        if rows:
            self._sent_upto = rows[-1][0]
        return rows

    def ack(self, seq: int) -> None:
        """Forget every frame up to and including ``seq``: the backend holds them."""
        arrived = self._arrived
        for memory in (self._sent, self._unsent):
            while memory and memory[0][0] <= seq:
                memory.popleft()
                arrived.popleft()
        if self._on_disk:
            self._on_disk -= self._db.execute("DELETE FROM spool WHERE seq <= ?", (seq,)).rowcount
        self._sent_upto = max(self._sent_upto, seq)

    def rewind(self) -> None:
        """After a reconnect: everything not acknowledged is to be sent again, oldest first."""
        self._sent_upto = -1
        self._unsent.extendleft(reversed(self._sent))
        self._sent.clear()

    def close(self) -> None:
        """Keep what is still unacknowledged for the next start, and release the file."""
        self.spill()
        self._db.close()
