"""The live hub: rig state and fan-out of frames, sessions and events to dashboards.

Publishing never awaits a dashboard. Each dashboard owns bounded per-rig queues
that keep the newest frames; when a slow dashboard lets one fill, the oldest
frame is dropped and counted. Session, event and lap messages are never dropped.

Frames are taken only when the storage writer has room for them (ingest
awaits ``wait_for_storage`` first, and stops reading the rig's socket
meanwhile), and acknowledged only once the writer reports them durable.

Each rig is in one session at a time (``live/sessions.py`` decides which);
its frames are stored with that session. Frames before a rig's first session
message (a game not yet saying what it runs) belong to none.

Taken frames also go through the coaching engine, synchronously: it is cheap
per frame and queues its store writes, so ingest never waits for it. A
``frames`` message carries the engine's live state for its rig as ``coach``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from simcoach.coaching.engine import CoachEngine, encode_outgoing
from simcoach.live.rigs import RigState
from simcoach.live.sessions import SessionTracker
from simcoach.storage.records import SessionRow
from simcoach.storage.writer import Durable, StorageWriter
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode_json

ALL = "all"
log = logging.getLogger(__name__)


class Subscriber:
    """One dashboard connection's mailbox."""

    def __init__(self, rig: str, max_frames: int, coach: Callable[[str], bytes | None] | None = None) -> None:
        self.rig = rig
        self.max_frames = max_frames
        self.coach = coach
        # Frames, not their JSON: a dashboard that falls behind drops most of
        # them unseen, so only those it is sent are encoded, in one call.
        self.frames: dict[str, deque[Frame]] = {}
        self.control: deque[bytes] = deque()
        self.dropped = 0
        self.sent = 0
        self.wake = asyncio.Event()

    def wants(self, rig: str) -> bool:
        return self.rig in (ALL, rig)

    def offer_frames(self, rig: str, frames: list[Frame]) -> None:
        queue = self.frames.get(rig)
        if queue is None:
            queue = self.frames[rig] = deque(maxlen=self.max_frames)
        # The oldest go first: a dashboard shows now, not a backlog.
        self.dropped += max(0, len(queue) + len(frames) - self.max_frames)
        queue.extend(frames)
        self.wake.set()

    def offer_control(self, message: bytes) -> None:
        self.control.append(message)
        self.wake.set()

    async def next_messages(self) -> list[str]:
        """Wait for something to send; return it as JSON texts, control first, frames batched per rig."""
        await self.wake.wait()
        self.wake.clear()
        out = [m.decode() for m in self.control]
        self.control.clear()
        for rig, queue in self.frames.items():
            if queue:
                frames = encode_json(list(queue)).decode()
                self.sent += len(queue)
                queue.clear()
                coach = self.coach(rig) if self.coach is not None else None
                tail = ',"coach":' + coach.decode() + "}" if coach is not None else "}"
                out.append('{"type":"frames","rig":' + encode_json(rig).decode() + ',"frames":' + frames + tail)
        return out


class Hub:
    """Rig states and dashboard subscribers of one backend process."""

    def __init__(
        self,
        dashboard_queue_frames: int = 64,
        writer: StorageWriter | None = None,
        coach: CoachEngine | None = None,
        session_timeout_s: float = 300.0,
        store_frames: bool = True,
    ) -> None:
        self.rigs: dict[str, RigState] = {}
        self.subscribers: set[Subscriber] = set()
        self.dashboard_queue_frames = dashboard_queue_frames
        self.writer = writer
        # False: frames are not kept (SIMCOACH_STORE=none), so taken is acknowledged at once;
        # sessions, laps and events still go through the writer (to a store in memory).
        self.store_frames = store_frames and writer is not None
        self.coach = coach
        self.sessions = SessionTracker(writer, session_timeout_s)
        self.coach_errors = 0
        self.started = time.time()
        if writer is not None:
            writer.on_durable = self._frames_durable

    def restore(self, last_seqs: dict[str, int], open_sessions: list[SessionRow] | None = None) -> None:
        """After a restart: what the store holds is taken, so resent frames stay duplicates; open
        sessions wait for their rigs to take them up again."""
        for name, seq in last_seqs.items():
            state = self.rig(name)
            state.last_seq = state.durable_seq = seq
        self.sessions.restore(open_sessions or [])

    def expire_sessions(self, now: float | None = None) -> list[str]:
        """End the sessions of rigs away longer than the timeout (called every few seconds)."""
        ended = self.sessions.expire(time.time() if now is None else now)
        for state in self.rigs.values():
            if state.session_id in ended:
                state.session_id = None
        return ended

    # --- storage ------------------------------------------------------------
    def storage_has_room(self, frames: int) -> bool:
        return self.writer is None or not self.store_frames or self.writer.has_room(frames)

    async def wait_for_storage(self, frames: int) -> None:
        """Return once the writer has room for ``frames`` more: ingest's backpressure."""
        if self.writer is not None and self.store_frames:
            await self.writer.wait_for_room(frames)

    def _frames_durable(self, durable: dict[str, Durable]) -> None:
        # The writer stores each rig's frames whole and in order, so its newest
        # stored seq covers every frame taken before it: acknowledging it never
        # covers a gap.
        for name, stored in durable.items():
            state = self.rig(name)
            state.frames_stored += stored.frames
            state.set_durable(stored.seq)

    # --- rigs ---------------------------------------------------------------
    def rig(self, name: str) -> RigState:
        state = self.rigs.get(name)
        if state is None:
            state = self.rigs[name] = RigState(name)
        return state

    def rig_connected(self, name: str) -> RigState:
        state = self.rig(name)
        state.connected = True
        state.connected_since = time.time()
        self._broadcast_rigs()
        return state

    def rig_disconnected(self, name: str) -> None:
        state = self.rig(name)
        state.connected = False
        self.sessions.left(name, time.time())
        self._broadcast_rigs()

    def set_session(self, name: str, session: SessionInfo) -> None:
        session.rig = name
        state = self.rig(name)
        state.session = session
        now = time.time()
        joined = self.sessions.join(name, session, 0 if state.last_seq is None else state.last_seq + 1, now)
        state.session_id = joined.id
        if self.writer is not None:
            self.writer.add_session_message(name, session)
        if self.coach is not None:
            try:
                self.coach.set_session(name, session, now, session_id=joined.id, resume=joined.resumed)
            except Exception:  # coaching must never take the live path down with it
                self.coach_errors += 1
                log.exception("coaching failed on the session of rig %s", name)
        message = encode_json(session)
        for sub in self.subscribers:
            if sub.wants(name):
                sub.offer_control(message)

    def drop_duplicates(self, state: RigState, frames: list[Frame]) -> list[Frame]:
        """The frames of ``frames`` not taken yet (oldest first); the others are counted as duplicates.

        Duplicates need no room in storage: ingest drops them before it waits for any.
        """
        last = state.last_seq
        if last is None or not frames or frames[0].seq > last:
            return frames
        fresh = [f for f in frames if f.seq > last]
        state.duplicates += len(frames) - len(fresh)
        return fresh

    def publish_frames(self, state: RigState, frames: list[Frame]) -> int:
        """Take new frames of one rig (oldest first), skip duplicates, fan out; returns frames taken.

        A producer that can outrun storage awaits ``wait_for_storage`` first.
        """
        fresh: list[Frame] = []
        last = -1 if state.last_seq is None else state.last_seq
        for frame in frames:
            if frame.seq > last:
                fresh.append(frame)
                last = frame.seq
        state.duplicates += len(frames) - len(fresh)
        if not fresh:
            return 0
        state.take(fresh, time.monotonic())
        if self.writer is not None and self.store_frames:
            self.writer.add_frames(state.name, fresh, state.session_id)
        else:  # no store: taken is as durable as it gets
            state.set_durable(fresh[-1].seq)
            state.frames_stored += len(fresh)
        if self.coach is not None:
            self._coach(state.name, fresh)
        for sub in self.subscribers:
            if sub.wants(state.name):
                sub.offer_frames(state.name, fresh)
        return len(fresh)

    def _coach(self, rig: str, frames: list[Frame]) -> None:
        coach = self.coach
        assert coach is not None
        for frame in frames:
            try:
                out = coach.on_frame(frame)
            except Exception:  # coaching must never take the live path down with it
                self.coach_errors += 1
                if self.coach_errors <= 10:
                    log.exception("coaching failed on frame %s of rig %s", frame.seq, rig)
                continue
            if out:
                for message in out:
                    self.publish_event(rig, encode_outgoing(message))

    def publish_event(self, rig: str, message: bytes) -> None:
        """Fan out a non-droppable message (a coaching event or lap) already encoded as JSON."""
        for sub in self.subscribers:
            if sub.wants(rig):
                sub.offer_control(message)

    # --- dashboards ---------------------------------------------------------
    @asynccontextmanager
    async def subscribe(self, rig: str = ALL) -> AsyncIterator[Subscriber]:
        sub = Subscriber(rig, self.dashboard_queue_frames, self.coach.coach_json if self.coach is not None else None)
        self._greet(sub)
        self.subscribers.add(sub)
        try:
            yield sub
        finally:
            self.subscribers.discard(sub)

    def resubscribe(self, sub: Subscriber, rig: str) -> None:
        """Point a dashboard at another rig (or all); it gets the sessions it now needs."""
        sub.rig = rig
        sub.frames.clear()
        self._greet(sub)

    def _greet(self, sub: Subscriber) -> None:
        sub.offer_control(encode_json({"type": "rigs", "rigs": self.rig_list(), "subscribed": sub.rig}))
        for state in self.rigs.values():
            if state.session is not None and sub.wants(state.name):
                sub.offer_control(encode_json(state.session))

    def _broadcast_rigs(self) -> None:
        for sub in self.subscribers:
            sub.offer_control(encode_json({"type": "rigs", "rigs": self.rig_list(), "subscribed": sub.rig}))

    def rig_list(self) -> list[dict[str, object]]:
        now = time.monotonic()
        return [
            {
                "rig": s.name,
                "connected": s.connected,
                "fps": round(s.frames_per_second(now), 1),
                "last_seq": s.last_seq,
                "frames": s.frames_taken,
                "stored": s.frames_stored,
                "durable_seq": s.durable_seq,
                "duplicates": s.duplicates,
                "errors": s.errors,
                "game": s.session.game if s.session else None,
                "track": s.session.track if s.session else None,
                "car": s.session.car if s.session else None,
                "driver": s.session.driver if s.session else None,
                "session_id": s.session_id,
            }
            for s in sorted(self.rigs.values(), key=lambda s: s.name)
        ]

    def dashboard_list(self) -> list[dict[str, object]]:
        return [{"rig": s.rig, "sent": s.sent, "dropped": s.dropped} for s in self.subscribers]
