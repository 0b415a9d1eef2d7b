"""Live state of each rig: its session, the last frame taken, and the counters the status page shows."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import repeat

from simcoach_agent.telemetry import Frame, SessionInfo

_RATE_WINDOW_S = 2.0
_ARRIVALS = 256


@dataclass(slots=True, eq=False)
class RigState:
    name: str
    connected: bool = False
    session: SessionInfo | None = None
    # The stored session its frames belong to (live/sessions.py); None before its first, or once it ended.
    session_id: str | None = None
    last_frame: Frame | None = None
    # Highest seq taken: handed to the storage writer, which never drops, so a
    # frame at or below it is a duplicate whether or not it is stored yet.
    last_seq: int | None = None
    # Highest seq stored durably, everything before it included: what the rig
    # is acknowledged, so that an ack always means "survives a backend restart".
    durable_seq: int | None = None
    frames_taken: int = 0
    frames_stored: int = 0
    duplicates: int = 0
    errors: int = 0
    # The ingest rate limit's bucket (ws/ingest.py): frames it may still take, and the frame time it was filled to.
    rate_tokens: float = 0.0
    rate_t: float | None = None
    connected_since: float | None = None
    # The connection speaking for this rig now; a newer one takes over from it.
    owner: object | None = None
    # Arrival times (monotonic) of the latest frames, for the frames-per-second figure.
    _arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=_ARRIVALS))
    # Connections waiting for ``durable_seq`` to move, to acknowledge it at once.
    _durable_waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def durable_moved(self) -> asyncio.Future[None]:
        """A future done when ``durable_seq`` next moves (see ``set_durable``)."""
        waiter = asyncio.get_running_loop().create_future()
        self._durable_waiters.append(waiter)
        return waiter

    def set_durable(self, seq: int) -> None:
        if self.durable_seq is None or seq > self.durable_seq:
            self.durable_seq = seq
            waiters, self._durable_waiters = self._durable_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def take(self, frames: list[Frame], now: float) -> None:
        """Frames taken together (new, oldest first), arrived at ``now``."""
        self.last_frame = frames[-1]
        self.last_seq = frames[-1].seq
        self.frames_taken += len(frames)
        self._arrivals.extend(repeat(now, min(len(frames), _ARRIVALS)))

    def frames_per_second(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        recent = [t for t in self._arrivals if now - t <= _RATE_WINDOW_S]
        if len(recent) < 2:
            return 0.0
        span = max(now - recent[0], recent[-1] - recent[0])
        return (len(recent) - 1) / span if span > 0 else 0.0
