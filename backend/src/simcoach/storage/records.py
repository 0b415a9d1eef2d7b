"""What the embedded store keeps, as the layers above hand it in and read it back.

Plain data only: the store knows nothing of the live hub or the coaching
engine. A lap's trace arrives already packed (``LapTrace.to_bytes``) and goes
back out as bytes, so this layer needs no numpy and no coaching types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from simcoach_agent.telemetry import SessionInfo


class SessionKey(NamedTuple):
    """Who drove what where: one reference lap per key ("" where the session did not say)."""

    driver: str
    game: str
    track: str
    car: str


def session_key(session: SessionInfo | None) -> SessionKey:
    """A session's key; "" for what it does not say."""
    if session is None:
        return SessionKey("", "", "", "")
    return SessionKey(session.driver or "", session.game or "", session.track or "", session.car or "")


@dataclass(slots=True)
class RigFrames:
    """Frames of one rig in one session as the writer hands them to the store, oldest first, column-wise.

    ``keys`` holds the indexed columns of each frame (seq, t in Unix seconds,
    lap, lap distance in metres) and ``data`` its msgpack bytes, at the same
    index. Plain lists, not an object per frame: the writer fills them on the
    event loop for every frame taken, and the store turns them into one statement.
    """

    rig: str
    session: str | None = None
    keys: list[tuple[int, float, int | None, float | None]] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True, slots=True)
class SessionOpened:
    """A new session of a rig: its frames from ``first_seq`` on (the rig's next frame)."""

    id: str
    rig: str
    started: float  # Unix s; replaced by the first frame's time once one is stored
    first_seq: int
    key: SessionKey
    info: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """A session is over: it ends at its last stored frame (or where it started, without one)."""

    id: str


@dataclass(frozen=True, slots=True)
class SessionMessage:
    """A session message exactly as a rig sent it (JSON), kept for replays."""

    rig: str
    t: float
    data: bytes


@dataclass(frozen=True, slots=True)
class LapRow:
    """A finished lap: the engine's record of it (``record``, JSON-able) and its 1 m trace, packed."""

    id: int
    session_id: str
    rig: str
    lap: int | None
    t_end: float
    time_s: float
    clean: bool  # complete, valid, not in or out of the pits, with a trace: fit to be a reference
    complete: bool
    key: SessionKey
    record: dict[str, Any]
    trace: bytes | None


@dataclass(frozen=True, slots=True)
class EventRow:
    """A coaching event as its dashboards got it (JSON)."""

    session_id: str | None
    rig: str
    t: float
    kind: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ReferenceChoice:
    """The lap the coach measures a key's laps against; ``pinned`` when the user chose it."""

    key: SessionKey
    lap_id: int
    pinned: bool


@dataclass(frozen=True, slots=True)
class ExportCursor:
    """How far an exporter got in one stream (``telemetry/<rig>``, ``laps``, ``events``) for one target."""

    target: str
    stream: str
    position: int


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A session's post-session report as rendered (``document``: its JSON, evidence and model outcome)."""

    session_id: str
    created: float
    model_status: str  # "answered", "failed" or "not_asked"
    markdown: str
    html: str
    document: str


Record = SessionOpened | SessionEnded | SessionMessage | LapRow | EventRow | ReferenceChoice | ExportCursor | ReportRow


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored session. Times are Unix seconds on the rig's clock; ``seen`` is the backend's clock."""

    id: str
    rig: str
    started: float
    ended: float | None  # None while the session is open
    last_t: float
    seen: float
    first_seq: int | None
    last_seq: int | None
    frames: int
    key: SessionKey
    info: dict[str, Any]
    laps: int = 0
    best_lap_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rig": self.rig,
            "driver": self.key.driver or None,
            "game": self.key.game or None,
            "track": self.key.track or None,
            "car": self.key.car or None,
            "started": self.started,
            "ended": self.ended,
            "open": self.ended is None,
            "last_t": self.last_t,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "frames": self.frames,
            "laps": self.laps,
            "best_lap_s": self.best_lap_s,
            "info": self.info,
        }


@dataclass(frozen=True, slots=True)
class StoredLap:
    """A lap read back: the engine's record with ``id`` and ``session_id``, its key and its packed trace."""

    record: dict[str, Any]
    key: SessionKey
    trace: bytes | None
