"""Which session each rig is in: one continuous run with one game, track, car and driver.

A session goes on while the rig says the same session message, through
reconnects and backend restarts, and ends when the message changes or the rig
has been away longer than ``timeout_s``. Decisions are made here, on the
event loop; the store only records them (``SessionOpened``, ``SessionEnded``)
through the writer, with the frames they concern.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from simcoach.storage.records import SessionEnded, SessionOpened, SessionRow, session_key
from simcoach.storage.writer import StorageWriter
from simcoach_agent.telemetry import SessionInfo

log = logging.getLogger(__name__)


def _same(a: SessionInfo, b: SessionInfo) -> bool:
    """The same session message, whichever rig relayed it."""
    return msgspec.structs.replace(a, rig=None) == msgspec.structs.replace(b, rig=None)


@dataclass(slots=True)
class OpenSession:
    id: str
    info: SessionInfo
    # Backend clock when the rig went away (or, restored from the store, was last heard); None while connected.
    away_since: float | None
    # Restored from the store by this process and not yet taken up by the rig: the coaching engine
    # must rebuild its state from what is stored.
    restored: bool = False


@dataclass(frozen=True, slots=True)
class Joined:
    """The session a session message put its rig in."""

    id: str
    new: bool  # a session begun now (else one going on)
    resumed: bool  # one going on from before this backend started


class SessionTracker:
    def __init__(self, writer: StorageWriter | None, timeout_s: float) -> None:
        self.writer = writer
        self.timeout_s = timeout_s
        # Told (session id, rig) when a session ends, after its end is queued for the store.
        self.on_ended: Callable[[str, str], None] | None = None
        self.open: dict[str, OpenSession] = {}
        self.started = 0
        self.ended = 0

    def restore(self, rows: list[SessionRow]) -> None:
        """Sessions the store holds open (after a restart): each rig may take its own up again."""
        for row in rows:
            if row.rig in self.open:
                continue  # newest first: an older open row is a leftover, ended by the next session
            try:
                info = msgspec.convert({**row.info, "type": "session"}, SessionInfo)
            except msgspec.ValidationError:
                log.warning("session %s in the store has an unreadable message; it is ended", row.id)
                self._record(SessionEnded(row.id))
                continue
            self.open[row.rig] = OpenSession(row.id, info, away_since=row.seen, restored=True)

    def current(self, rig: str) -> str | None:
        found = self.open.get(rig)
        return found.id if found is not None else None

    def join(self, rig: str, info: SessionInfo, next_seq: int, now: float) -> Joined:
        """A rig said its session: the one it is in, a new one otherwise (ending the one it was in)."""
        current = self.open.get(rig)
        if current is not None and _same(current.info, info) and not self._expired(current, now):
            current.away_since = None
            resumed, current.restored = current.restored, False
            return Joined(current.id, new=False, resumed=resumed)
        if current is not None:
            self._end(rig, current)
        sid = f"{rig}-{int(now * 1000)}-{uuid.uuid4().hex[:6]}"
        self.open[rig] = OpenSession(sid, msgspec.structs.replace(info, rig=None), away_since=None)
        self.started += 1
        self._record(
            SessionOpened(
                id=sid,
                rig=rig,
                started=now,
                first_seq=next_seq,
                key=session_key(info),
                info=msgspec.to_builtins(msgspec.structs.replace(info, rig=None)),
            )
        )
        return Joined(sid, new=True, resumed=False)

    def left(self, rig: str, now: float) -> None:
        """The rig disconnected: its session waits ``timeout_s`` for it."""
        current = self.open.get(rig)
        if current is not None and current.away_since is None:
            current.away_since = now

    def expire(self, now: float) -> list[str]:
        """End the sessions of rigs away for longer than ``timeout_s``; their ids."""
        gone = [(rig, s) for rig, s in self.open.items() if self._expired(s, now)]
        for rig, s in gone:
            self._end(rig, s)
        return [s.id for _, s in gone]

    def _expired(self, s: OpenSession, now: float) -> bool:
        return s.away_since is not None and now - s.away_since > self.timeout_s

    def _end(self, rig: str, s: OpenSession) -> None:
        del self.open[rig]
        self.ended += 1
        self._record(SessionEnded(s.id))
        if self.on_ended is not None:
            self.on_ended(s.id, rig)

    def _record(self, record: SessionOpened | SessionEnded) -> None:
        if self.writer is not None:
            self.writer.add(record)

    def describe(self) -> dict[str, object]:
        return {
            "open": len(self.open),
            "started": self.started,
            "ended": self.ended,
            "timeout_s": self.timeout_s,
        }
