"""The exporter: copies the embedded store into InfluxDB, stream by stream, in order, never on the event loop.

The store is the durable log; InfluxDB is a copy. Streams: ``telemetry/<rig>``
(frames by seq), ``laps`` (by lap id: the lap, its corners and its 5 m trace
from the lap's stored frames) and ``events`` (by event id). Each has a cursor per
target (``export_cursors``), persisted through the storage writer.

One task, three rules:

- Reading, decoding, encoding and the HTTP write all run in worker threads
  (``asyncio.to_thread``); the next batch is read and encoded while the last one
  is being written. The event loop only schedules, so a slow or absent InfluxDB
  never delays live frames or coaching.
- A stream's cursor advances only after InfluxDB took the whole batch: a failed
  write is retried, the same batch, with backoff (RETRY_MIN_S doubling to
  RETRY_MAX_S), before anything after it. The backlog waits in SQLite.
- Points are idempotent (same measurement, tags and timestamp from the same
  rows, ``history/from_store.py``), so a crash between a write and its cursor
  record, or a shutdown that cancels a write InfluxDB had already taken, only
  writes some points twice, which InfluxDB stores once.

A batch InfluxDB refuses as too large (413, its ``max-body-size``) is read again
in halves until it fits; any other refusal is retried as it is, so a stream
never skips what InfluxDB would not take (the status shows the error).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from pydantic import ValidationError

from simcoach.history import from_store
from simcoach.history.lines import TelemetryEncoder
from simcoach.history.targets import InfluxTarget, TargetError, target_from_settings
from simcoach.settings import InfluxSettings
from simcoach.storage.records import ExportCursor, SessionKey
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame

log = logging.getLogger(__name__)

TELEMETRY_STREAM: Final = "telemetry/"
LAPS_STREAM: Final = "laps"
EVENTS_STREAM: Final = "events"
# With nothing to export, look again this often: live frames reach InfluxDB within about this.
POLL_S: Final = 1.0
RETRY_MIN_S: Final = 0.5
RETRY_MAX_S: Final = 30.0
# A lap is ~1,500 points (corners, a 5 m trace) read from a lap of frames: a few per batch.
LAPS_PER_BATCH: Final = 4
EVENTS_PER_BATCH: Final = 2000
# Events before the cursor read again to number same-instant events as the batch before did.
EVENT_CONTEXT: Final = 32
# The backlog (lag) is counted at most this often: a COUNT over the rows not yet exported.
LAG_EVERY_S: Final = 1.0

_decode_frame = msgspec.msgpack.Decoder(Frame).decode


@dataclass(slots=True)
class Batch:
    """One /write body of one stream, and where that stream's cursor goes once InfluxDB took it."""

    stream: str
    position: int
    body: bytes
    points: int
    frames: int = 0
    read_s: float = 0.0
    decode_s: float = 0.0
    encode_s: float = 0.0


@dataclass(slots=True)
class ExportStats:
    """What the exporter did since start, for the status and the bench."""

    points: int = 0
    frames: int = 0
    batches: int = 0
    bytes: int = 0
    failures: int = 0
    last_write: float | None = None  # Unix s, the backend's clock
    read_s: float = 0.0
    decode_s: float = 0.0
    encode_s: float = 0.0
    write_s: float = 0.0


@dataclass(slots=True)
class _Lag:
    frames: int
    seconds: float


@dataclass
class Exporter:
    """Copies ``store`` into ``target``; ``commit`` persists a cursor (the storage writer's ``add``, on the loop)."""

    store: Store
    target: InfluxTarget
    commit: Callable[[ExportCursor], None]
    batch_frames: int = 5000
    poll_s: float = POLL_S
    retry_min_s: float = RETRY_MIN_S
    retry_max_s: float = RETRY_MAX_S
    stats: ExportStats = field(default_factory=ExportStats)
    reachable: bool | None = None  # None until the first check answered
    error: str | None = None
    # Written: InfluxDB took everything up to here. Read: batches prepared up to here (one batch ahead).
    _written: dict[str, int] = field(default_factory=dict)
    _read: dict[str, int] = field(default_factory=dict)
    _turn: int = 0
    _keys: dict[str | None, SessionKey | None] = field(default_factory=dict)
    _lag: dict[str, _Lag] = field(default_factory=dict)
    _backlog: dict[str, int] = field(default_factory=dict)
    _lag_at: float = 0.0

    # --- the task -----------------------------------------------------------------------
    async def run(self) -> None:
        """Check the target, then export until cancelled (backend shutdown)."""
        self._written = await asyncio.to_thread(self.store.cursors, self.target.key)
        self._read = dict(self._written)
        await self._check()
        ahead: asyncio.Task[Batch | None] | None = None
        try:
            while True:
                try:
                    batch = await (ahead if ahead is not None else asyncio.to_thread(self._prepare))
                except Exception as exc:  # the store failed a read: nothing was taken, try again later
                    ahead = None
                    log.error("exporter: reading the embedded store failed, will retry: %s", exc)
                    self._read = dict(self._written)
                    await asyncio.sleep(self.poll_s)
                    continue
                ahead = None
                if batch is None:
                    await asyncio.to_thread(self._measure_lag, True)
                    await asyncio.sleep(self.poll_s)
                    continue
                # Read and encode the next batch while this one is written.
                ahead = asyncio.create_task(asyncio.to_thread(self._prepare))
                if not await self._deliver(batch):
                    # Too large for the server: let the batch ahead finish (it moved the read positions),
                    # then read again from what InfluxDB has, in smaller batches.
                    with contextlib.suppress(Exception):
                        await ahead
                    ahead = None
                    self._read = dict(self._written)
                    continue
                if time.monotonic() - self._lag_at >= LAG_EVERY_S:
                    await asyncio.to_thread(self._measure_lag, False)
        finally:
            if ahead is not None:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead

    async def _check(self) -> None:
        """``target.check()`` until it passes: a wrong setting is named at start-up, then retried (fixed live)."""
        delay = self.retry_min_s
        while True:
            try:
                await asyncio.to_thread(self.target.check)
            except Exception as exc:  # TargetError names the setting; anything else must not end the export
                message = exc.message if isinstance(exc, TargetError) else f"{type(exc).__name__}: {exc}"
                self._failed(message, first="exporter: InfluxDB target %s does not work: %s")
                await self._back_off(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            self._recovered()
            return

    async def _deliver(self, batch: Batch) -> bool:
        """Write one batch until InfluxDB takes it, then advance (and persist) its stream's cursor.

        False, with nothing written, when InfluxDB refused the batch as too large (413) and it can be
        split: ``batch_frames`` is halved and the caller reads the stream again from its cursor.
        """
        delay = self.retry_min_s
        while True:
            started = time.perf_counter()
            try:
                await asyncio.to_thread(self.target.write, batch.body)
            except TargetError as exc:
                self._failed(exc.message, first="exporter: writing to %s failed, will retry: %s")
                if exc.status == 413 and batch.frames > 1:
                    self.batch_frames = max(1, min(self.batch_frames, batch.frames) // 2)
                    log.warning(
                        "exporter: batches now %d frames (lower SIMCOACH_EXPORT_BATCH_FRAMES to start there)",
                        self.batch_frames,
                    )
                    return False
            except Exception as exc:  # a target bug must not end the export either: same retry
                self._failed(f"{type(exc).__name__}: {exc}", first="exporter: writing to %s failed, will retry: %s")
            else:
                break
            await self._back_off(delay)
            delay = min(delay * 2, self.retry_max_s)
        s = self.stats
        s.write_s += time.perf_counter() - started
        self._recovered()
        self._written[batch.stream] = batch.position
        self.commit(ExportCursor(self.target.key, batch.stream, batch.position))
        s.points += batch.points
        s.frames += batch.frames
        s.batches += 1
        s.bytes += len(batch.body)
        s.last_write = time.time()
        s.read_s += batch.read_s
        s.decode_s += batch.decode_s
        s.encode_s += batch.encode_s
        return True

    async def _back_off(self, delay: float) -> None:
        """Wait ``delay`` before a retry, keeping the status's lag current meanwhile (the backlog grows)."""
        end = time.monotonic() + delay
        while (left := end - time.monotonic()) > 0:
            await asyncio.to_thread(self._measure_lag, False)
            await asyncio.sleep(min(left, self.poll_s))

    def _failed(self, message: str, first: str) -> None:
        self.stats.failures += 1
        if self.reachable is not False or message != self.error:
            log.error(first, self.target.name, message)
        self.reachable = False
        self.error = message

    def _recovered(self) -> None:
        if self.reachable is False:
            log.warning("exporter: %s answers again", self.target.name)
        self.reachable = True
        self.error = None

    # --- worker thread: one batch ---------------------------------------------------------
    def _streams(self) -> list[str]:
        rigs = sorted(self.store.frame_rigs())
        return [TELEMETRY_STREAM + rig for rig in rigs] + [LAPS_STREAM, EVENTS_STREAM]

    def _prepare(self) -> Batch | None:
        """The next batch of the first stream after the last one served that has rows to export; None: none has."""
        streams = self._streams()
        for i in range(len(streams)):
            stream = streams[(self._turn + i) % len(streams)]
            batch = self._batch_of(stream)
            if batch is not None:
                self._turn = (self._turn + i + 1) % len(streams)
                self._read[stream] = batch.position
                return batch
        return None

    def _batch_of(self, stream: str) -> Batch | None:
        after = self._read.get(stream, 0 if stream in (LAPS_STREAM, EVENTS_STREAM) else -1)
        if stream == LAPS_STREAM:
            return self._laps_batch(after)
        if stream == EVENTS_STREAM:
            return self._events_batch(after)
        return self._telemetry_batch(stream.removeprefix(TELEMETRY_STREAM), after)

    def _telemetry_batch(self, rig: str, after: int) -> Batch | None:
        t0 = time.perf_counter()
        rows = self.store.frames(rig, after, self.batch_frames)
        if not rows:
            return None
        last = rows[-1][0]
        # Read after the frames: a stored frame's session already covers it (one transaction).
        spans = self.store.session_spans(rig, after, last)
        t1 = time.perf_counter()
        frames = [_decode_frame(data) for _, data in rows]
        t2 = time.perf_counter()
        parts: list[bytes] = []
        start = 0
        while start < len(frames):
            seq = frames[start].seq
            span = next(((sid, lo, hi, key) for sid, lo, hi, key in spans if lo <= seq <= hi), None)
            if span is None:
                # Outside every session: up to the next session's first frame.
                nxt = min((lo for _, lo, _, _ in spans if lo > seq), default=None)
                stop = _end_of_run(frames, start, None if nxt is None else nxt - 1)
                tags = from_store.session_tags(rig, None, None)
            else:
                sid, _, hi, key = span
                stop = _end_of_run(frames, start, hi)
                tags = from_store.session_tags(rig, sid, key)
            parts.append(TelemetryEncoder(tags).lines(frames[start:stop]))
            start = stop
        t3 = time.perf_counter()
        return Batch(
            TELEMETRY_STREAM + rig,
            last,
            b"".join(parts),
            len(frames),
            frames=len(frames),
            read_s=t1 - t0,
            decode_s=t2 - t1,
            encode_s=t3 - t2,
        )

    def _laps_batch(self, after: int) -> Batch | None:
        t0 = time.perf_counter()
        rows = self.store.laps_after(after, LAPS_PER_BATCH)
        if not rows:
            return None
        read_s = decode_s = 0.0
        out: list[str] = []
        for row in rows:
            t1 = time.perf_counter()
            session = self.store.session(row.session_id)
            frames: list[Frame] | None = None
            if session is not None and session.first_seq is not None and session.last_seq is not None:
                t_from, t_to = from_store.lap_window(row)
                data = self.store.frames_between(row.rig, session.first_seq, session.last_seq, t_from, t_to)
                t2 = time.perf_counter()
                frames = [_decode_frame(d) for d in data]
                read_s += t2 - t1
                decode_s += time.perf_counter() - t2
            out += from_store.lap_lines(row, frames)
        body = "".join(line + "\n" for line in out).encode()
        total = time.perf_counter() - t0
        return Batch(
            LAPS_STREAM,
            rows[-1].id,
            body,
            len(out),
            read_s=read_s,
            decode_s=decode_s,
            encode_s=total - read_s - decode_s,
        )

    def _events_batch(self, after: int) -> Batch | None:
        t0 = time.perf_counter()
        rows = self.store.events_after(max(0, after - EVENT_CONTEXT), EVENT_CONTEXT + EVENTS_PER_BATCH)
        if not rows or rows[-1][0] <= after:
            return None
        t1 = time.perf_counter()
        for _, row in rows:
            if row.session_id not in self._keys:
                self._key(row.session_id)
        out = from_store.event_lines(rows, after, self._keys)
        body = "".join(line + "\n" for line in out).encode()
        return Batch(EVENTS_STREAM, rows[-1][0], body, len(out), read_s=t1 - t0, encode_s=time.perf_counter() - t1)

    def _key(self, session_id: str | None) -> SessionKey | None:
        """A session's key (which never changes), from the store once."""
        if session_id not in self._keys:
            row = self.store.session(session_id) if session_id is not None else None
            self._keys[session_id] = row.key if row is not None else None
        return self._keys[session_id]

    def _measure_lag(self, force: bool) -> None:
        """Per rig, stored frames not yet in InfluxDB, and how many seconds of driving they span."""
        if not force and time.monotonic() - self._lag_at < LAG_EVERY_S:
            return
        self._lag_at = time.monotonic()
        try:
            self._count_lag()
        except Exception as exc:  # only the status's figures: the export goes on without them
            log.warning("exporter: cannot measure the backlog: %s", exc)

    def _count_lag(self) -> None:
        lag: dict[str, _Lag] = {}
        for rig in sorted(self.store.frame_rigs()):
            count, first_t, last_t = self.store.frames_backlog(rig, self._written.get(TELEMETRY_STREAM + rig, -1))
            seconds = last_t - first_t if count and first_t is not None and last_t is not None else 0.0
            lag[rig] = _Lag(count, seconds)
        laps, events = self.store.records_after_count(
            self._written.get(LAPS_STREAM, 0), self._written.get(EVENTS_STREAM, 0)
        )
        self._lag = lag
        self._backlog = {"laps": laps, "events": events}

    # --- status ------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        s = self.stats
        return {
            "enabled": True,
            "target": self.target.describe(),
            "reachable": self.reachable,
            "error": self.error,
            "lag": {rig: {"frames": v.frames, "seconds": round(v.seconds, 3)} for rig, v in self._lag.items()},
            "backlog": dict(self._backlog),
            "cursors": dict(self._written),
            "points_written": s.points,
            "frames_written": s.frames,
            "batches": s.batches,
            "batch_frames": self.batch_frames,
            "bytes_written": s.bytes,
            "failures": s.failures,
            "last_write": s.last_write,
        }


def _end_of_run(frames: list[Frame], start: int, last_seq: int | None) -> int:
    """The index after the last frame from ``start`` with seq at most ``last_seq`` (None: to the end)."""
    if last_seq is None:
        return len(frames)
    stop = start + 1
    while stop < len(frames) and frames[stop].seq <= last_seq:
        stop += 1
    return stop


def disabled(reason: str) -> dict[str, Any]:
    """The status of an exporter that does not run, and why."""
    return {"enabled": False, "reason": reason}


def from_settings(
    store: Store, commit: Callable[[ExportCursor], None], batch_frames: int
) -> tuple[Exporter | None, dict[str, Any]]:
    """The exporter INFLUXDB_* describe, or None and the status saying why not (unset, or a bad setting).

    A bad setting is logged naming it and the backend goes on without export: live coaching never
    depends on InfluxDB.
    """
    try:
        target = target_from_settings(InfluxSettings())
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        log.error("exporter: not exporting to InfluxDB: %s", reason)
        return None, disabled(reason)
    if target is None:
        return None, disabled("INFLUXDB_URL is not set")
    return Exporter(store, target, commit, batch_frames), {}
