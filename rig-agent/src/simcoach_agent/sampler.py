"""Turns a game source into numbered frames at a fixed rate, and notices session changes and laps."""

from __future__ import annotations

import time
from collections import deque

from simcoach_agent.games.base import GameUnavailable, LayoutMismatch, TelemetrySource
from simcoach_agent.games.capture import CaptureEnded
from simcoach_agent.telemetry import Frame, SessionInfo

# How often (in samples) the session is compared for changes; it rarely changes.
_SESSION_CHECK_EVERY = 30
# How long to wait between attempts to attach to a game that is not running.
REOPEN_EVERY_S = 1.0


def first_seq() -> int:
    """seq starts at the start time in microseconds so that it keeps increasing across agent restarts."""
    return time.time_ns() // 1000


class Sampler:
    def __init__(self, source: TelemetrySource, rig: str, laps: int | None = None) -> None:
        self.source = source
        self.rig = rig
        self.laps = laps
        self.next_seq = first_seq()
        self.session: SessionInfo | None = None
        self.session_changed = False
        self.frames = 0
        self.idle = 0
        self._laps_seen = 0
        self._last_lap: int | None = None
        self._since_check = _SESSION_CHECK_EVERY
        self._stamps: deque[float] = deque(maxlen=128)
        self.attached = False
        self.waiting_for: str | None = None
        self.ended = False
        self._reopen_at = 0.0

    @property
    def done(self) -> bool:
        return self.ended or (self.laps is not None and self._laps_seen >= self.laps)

    def status(self) -> str:
        return self.waiting_for or self.source.status()

    def tick(self, t: float) -> Frame | None:
        """One sample at Unix time ``t``: a new frame, or None when the game had nothing new.

        A game that is not running, or goes away, is waited for: the reason is
        kept for the status line and the game is looked for again every second.
        """
        if not self.attached and not self._attach():
            return None
        try:
            return self._sample(t)
        except CaptureEnded:
            self.ended = True
            return None
        except (GameUnavailable, LayoutMismatch) as exc:
            self.source.close()
            self.attached = False
            self.waiting_for = str(exc)
            self._reopen_at = time.monotonic() + REOPEN_EVERY_S
            return None

    def _attach(self) -> bool:
        now = time.monotonic()
        if now < self._reopen_at:
            return False
        try:
            self.source.open()
        except (GameUnavailable, LayoutMismatch) as exc:
            self.waiting_for = str(exc)
            self._reopen_at = now + REOPEN_EVERY_S
            return False
        self.attached = True
        self.waiting_for = None
        return True

    def _sample(self, t: float) -> Frame | None:
        self._since_check += 1
        # Until the game has said what it runs, every sample asks: the backend files frames under the
        # session, and a game's first page may come a sample before its session can be read.
        if self._since_check >= _SESSION_CHECK_EVERY or self.session is None:
            self._since_check = 0
            session = self.source.session()
            if session is not None and session != self.session:
                self.session = session
                self.session_changed = True
        frame = self.source.sample(self.rig, self.next_seq, t)
        if frame is None:
            self.idle += 1
            return None
        if frame.lap is not None:
            if self._last_lap is not None and frame.lap > self._last_lap:
                self._laps_seen += frame.lap - self._last_lap
                if self.done:
                    return None  # the frame that starts lap N+1 is not part of the N laps asked for
            self._last_lap = frame.lap
        self.next_seq += 1
        self.frames += 1
        self._stamps.append(time.monotonic())
        return frame

    def take_session_change(self) -> SessionInfo | None:
        if not self.session_changed:
            return None
        self.session_changed = False
        return self.session

    def rate_hz(self) -> float:
        stamps = self._stamps
        if len(stamps) < 2 or stamps[-1] == stamps[0]:
            return 0.0
        return (len(stamps) - 1) / (stamps[-1] - stamps[0])
