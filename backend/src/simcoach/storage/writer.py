"""Hands taken frames to the store in batches, off the event loop, and reports what is durable.

Ingest only appends to a list; a task drains it every ``interval`` seconds in a
worker thread. Once a batch is stored, each rig's ``durable_seq`` moves, and
that is what rigs are acknowledged: a frame is acked only when it would survive
a backend restart.
"""

from __future__ import annotations

import asyncio
import logging
import time

from simcoach.live.rigs import RigState
from simcoach.storage.base import FrameStore, StoredFrame
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_json

log = logging.getLogger(__name__)


class StorageWriter:
    def __init__(self, store: FrameStore, interval: float = 0.1, max_pending: int = 100_000) -> None:
        self.store = store
        self.interval = interval
        self.max_pending = max_pending
        self._frames: list[StoredFrame] = []
        self._sessions: list[tuple[str, float, bytes]] = []
        self._rigs: dict[str, RigState] = {}
        self.dropped = 0
        self.failures = 0
        self.last_error: str | None = None
        self.batches = 0
        self.write_seconds = 0.0

    def add_frames(self, state: RigState, frames: list[Frame]) -> None:
        if len(self._frames) + len(frames) > self.max_pending:
            # The store is far behind (a stalled disk): keep the live path alive
            # and say so, rather than growing without bound.
            self.dropped += len(frames)
            return
        self._rigs[state.name] = state
        self._frames.extend(StoredFrame(f.rig, f.seq, f.t, f.lap, f.lap_dist_m, encode(f)) for f in frames)

    def add_session(self, rig: str, session: SessionInfo) -> None:
        self._sessions.append((rig, time.time(), encode_json(session)))

    @property
    def pending(self) -> int:
        return len(self._frames)

    async def run(self) -> None:
        """Drain until cancelled; a final flush happens in ``flush``."""
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self) -> None:
        if not self._frames and not self._sessions:
            return
        frames, sessions = self._frames, self._sessions
        self._frames, self._sessions = [], []
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self.store.write, frames, sessions)
        except Exception as exc:  # any store failure: keep the batch and retry next time
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("storage write failed, will retry: %s", self.last_error)
            self._frames[:0] = frames
            self._sessions[:0] = sessions
            return
        self.batches += 1
        self.write_seconds += time.perf_counter() - started
        newest: dict[str, int] = {}
        for f in frames:
            newest[f.rig] = f.seq
        for rig, seq in newest.items():
            state = self._rigs.get(rig)
            if state is not None and (state.durable_seq is None or seq > state.durable_seq):
                state.durable_seq = seq

    def describe(self) -> dict[str, object]:
        return {
            **self.store.describe(),
            "pending": self.pending,
            "dropped": self.dropped,
            "failures": self.failures,
            "last_error": self.last_error,
            "batches": self.batches,
            "mean_batch_ms": round(1000 * self.write_seconds / self.batches, 2) if self.batches else None,
        }
