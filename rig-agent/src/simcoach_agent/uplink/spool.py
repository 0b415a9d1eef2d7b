"""Frames waiting to be sent or sent and not yet acknowledged, oldest first.

Two queues: ``waiting`` (not sent on this connection) and ``inflight`` (sent,
not acknowledged). An ack drops what the backend holds; a reconnect puts the
inflight frames back in front of the waiting ones, so a frame is resent until
acknowledged and the backend's duplicate check makes delivery exactly-once.
Bounded: when full, the oldest frames are dropped and counted, so a rig left
running with no backend keeps the newest ``max_frames``.
"""

from __future__ import annotations

from collections import deque


class Spool:
    def __init__(self, max_frames: int) -> None:
        self.max_frames = max_frames
        self.waiting: deque[tuple[int, bytes]] = deque()
        self.inflight: deque[tuple[int, bytes]] = deque()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.waiting) + len(self.inflight)

    def append(self, seq: int, encoded: bytes) -> None:
        """Keep one encoded frame; seqs must increase."""
        if len(self) >= self.max_frames:
            (self.inflight or self.waiting).popleft()
            self.dropped += 1
        self.waiting.append((seq, encoded))

    def take(self, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` waiting frames, now counted as in flight."""
        batch: list[tuple[int, bytes]] = []
        waiting, inflight = self.waiting, self.inflight
        while waiting and len(batch) < limit:
            item = waiting.popleft()
            inflight.append(item)
            batch.append(item)
        return batch

    def ack(self, seq: int) -> None:
        """Forget every frame up to and including ``seq``: the backend holds them."""
        for queue in (self.inflight, self.waiting):
            while queue and queue[0][0] <= seq:
                queue.popleft()

    def rewind(self) -> None:
        """After a reconnect: everything not acknowledged is to be sent again, oldest first."""
        self.waiting.extendleft(reversed(self.inflight))
        self.inflight.clear()
