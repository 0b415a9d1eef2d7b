"""The store's one writer: frames and records in batches, off the event loop, and what became durable.

Ingest appends frames to per-rig column lists, the live layer and the coaching
engine append records (sessions, laps, events, references); a task drains
them in a worker thread, all in one transaction, so the laps and events a
batch of frames gave are stored with those frames or not at all. Nothing is ever dropped: the writer holds at most
``max_pending`` frames (queued plus being written), and a producer that finds
no room awaits ``wait_for_room``, so the ingest of a rig stops reading its
socket and the rig's own spool keeps the rest (backpressure, not loss).

Once a batch is stored, ``on_durable`` is told the newest seq stored for each
rig in it. Batches are written whole and in the order frames were added, and a
failed batch is retried before anything added after it, so what is durable for
a rig is always everything added up to that seq: the live layer may
acknowledge it without ever covering a gap. What durable means for a rig is
the live layer's business, not this one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from simcoach.storage.records import Record, RigFrames, SessionMessage
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_json

log = logging.getLogger(__name__)

# Frames worth a transaction of their own: under load the writer stores a batch
# as soon as it has one (and the previous one is done) rather than every interval.
BATCH_FRAMES: Final = 2048
# At shutdown, a failing store is tried this many times more before what is queued is given up.
STOP_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class Durable:
    """What one stored batch made durable for one rig: its newest seq, and how many frames."""

    seq: int
    frames: int


DurableCallback = Callable[[dict[str, Durable]], None]
# A record, or what builds it in the writer's thread.
Pending = Record | Callable[[], Record]


class StorageWriter:
    def __init__(
        self,
        store: Store,
        interval: float = 0.1,
        max_pending: int = 100_000,
        on_durable: DurableCallback | None = None,
    ) -> None:
        self.store = store
        self.interval = interval
        self.max_pending = max_pending
        self.on_durable = on_durable
        # Per rig, its frames in runs of one session each, oldest first.
        self._queued: dict[str, list[RigFrames]] = {}
        self._queued_frames = 0
        self._writing = 0
        self._records: list[Pending] = []
        # Set when a write has freed room, or when a producer waits and the
        # writer should not sit out its interval.
        self._room = asyncio.Event()
        self._kick = asyncio.Event()
        self.failures = 0
        self.last_error: str | None = None
        self.batches = 0
        self.frames_stored = 0
        self.write_seconds = 0.0
        self.full_waits = 0
        self._stopping = False

    # --- the event loop's side ------------------------------------------------
    def has_room(self, frames: int) -> bool:
        """True when ``frames`` more fit; a batch larger than the whole bound fits an empty writer."""
        pending = self.pending
        return pending == 0 or pending + frames <= self.max_pending

    async def wait_for_room(self, frames: int) -> None:
        """Return once ``frames`` more fit: the producer's backpressure."""
        if self.has_room(frames):
            return
        self.full_waits += 1
        while not self.has_room(frames):
            self._room.clear()
            self._kick.set()
            await self._room.wait()

    def add_frames(self, rig: str, frames: list[Frame], session: str | None = None) -> None:
        """Queue frames of one rig's session, oldest first; never drops (callers wait for room first)."""
        if not frames:
            return
        runs = self._queued.get(rig)
        if runs is None:
            runs = self._queued[rig] = []
        if not runs or runs[-1].session != session:
            runs.append(RigFrames(rig, session))
        batch = runs[-1]
        batch.keys.extend([(f.seq, f.t, f.lap, f.lap_dist_m) for f in frames])
        batch.data.extend(map(encode, frames))
        self._queued_frames += len(frames)
        if self._queued_frames >= min(BATCH_FRAMES, self.max_pending // 2):
            self._kick.set()  # a full batch: no need to wait for the interval

    def add_session_message(self, rig: str, session: SessionInfo) -> None:
        """Keep a session message as the rig sent it (for replays)."""
        self._records.append(SessionMessage(rig, time.time(), encode_json(session)))

    def add(self, record: Pending) -> None:
        """Queue a record; it is stored with the frames queued before it, or after them.

        A callable is called in the writer's thread to give the record: what
        takes time to build (a lap's compressed trace) is not built on the event loop.
        """
        self._records.append(record)

    @property
    def pending_records(self) -> int:
        return len(self._records)

    @property
    def pending(self) -> int:
        """Frames taken and not yet durable: queued plus the batch being written."""
        return self._queued_frames + self._writing

    # --- draining ---------------------------------------------------------------
    async def run(self) -> None:
        """Drain until ``stop``: then once more, so that everything queued before it is stored.

        Not to be cancelled: a cancelled flush would leave its batch being
        written in the worker thread with no one to retry it if it failed.
        """
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.interval)
            self._kick.clear()
            if not await self.flush():
                await asyncio.sleep(self.interval)  # a failing store: retry, but not in a tight loop
        for _ in range(STOP_ATTEMPTS):
            if await self.flush():
                return
            await asyncio.sleep(self.interval)
        log.error("storage writer stopped with %d frames not stored: %s", self.pending, self.last_error)

    def stop(self) -> None:
        """Ask ``run`` to store what is queued and return (shutdown)."""
        self._stopping = True
        self._kick.set()

    async def flush(self) -> bool:
        """Write everything queued now in one transaction; False when the store failed (kept for a retry)."""
        if not self._queued and not self._records:
            return True
        taken = self._take()
        try:
            await asyncio.to_thread(self._write, *taken)
        except Exception as exc:  # any store failure: keep the batch, ahead of newer frames, and retry
            self._failed(exc, *taken)
            return False
        finally:
            self._writing = 0
        self._done(*taken)
        return True

    def flush_now(self) -> bool:
        """``flush`` here and now, in this thread (the replay command, tests, a final flush without a loop)."""
        if not self._queued and not self._records:
            return True
        taken = self._take()
        try:
            self._write(*taken)
        except Exception as exc:
            self._failed(exc, *taken)
            return False
        finally:
            self._writing = 0
        self._done(*taken)
        return True

    def _take(self) -> tuple[dict[str, list[RigFrames]], list[Pending], int]:
        queued, records, count = self._queued, self._records, self._queued_frames
        self._queued, self._records, self._queued_frames = {}, [], 0
        self._writing = count
        return queued, records, count

    def _write(self, queued: dict[str, list[RigFrames]], records: list[Pending], count: int) -> None:
        started = time.perf_counter()
        ready = [r() if callable(r) else r for r in records]
        self.store.write([run for runs in queued.values() for run in runs], ready, time.time())
        self.write_seconds += time.perf_counter() - started

    def _failed(self, exc: Exception, queued: dict[str, list[RigFrames]], records: list[Pending], count: int) -> None:
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.error("storage write failed, will retry: %s", self.last_error)
        # Back in front of whatever was queued meanwhile, each rig's runs still in order.
        newer = self._queued
        self._queued = {}
        for rig, runs in queued.items():
            self._queued[rig] = runs + newer.pop(rig, [])
        self._queued.update(newer)
        self._queued_frames += count
        self._records[:0] = records

    def _done(self, queued: dict[str, list[RigFrames]], records: list[Pending], count: int) -> None:
        self.batches += 1
        self.frames_stored += count
        self._room.set()
        if self.on_durable is not None:
            durable = {
                rig: Durable(runs[-1].keys[-1][0], sum(len(r) for r in runs)) for rig, runs in queued.items() if runs
            }
            if durable:
                self.on_durable(durable)

    def describe(self) -> dict[str, object]:
        return {
            **self.store.describe(),
            "pending": self.pending,
            "pending_records": self.pending_records,
            "max_pending": self.max_pending,
            "frames_stored": self.frames_stored,
            "full_waits": self.full_waits,
            "failures": self.failures,
            "last_error": self.last_error,
            "batches": self.batches,
            "mean_batch_frames": round(self.frames_stored / self.batches) if self.batches else None,
            "mean_batch_ms": round(1000 * self.write_seconds / self.batches, 2) if self.batches else None,
        }
