"""The one interface every game adapter offers the agent, and the reader/mapper split behind it.

A reader only moves bytes (shared-memory pages, UDP packets, or a recorded
capture) and stamps them with a monotonic time. A mapper turns one game's raw
structures into the common frame, converting units at that boundary. A game
may have several readers and has one mapper.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simcoach_agent.telemetry import Frame, SessionInfo

if TYPE_CHECKING:
    from simcoach_agent.games.capture import Recorder


class GameUnavailable(RuntimeError):
    """The game is not running (or not sharing telemetry); says which game and what was awaited."""


class LayoutMismatch(RuntimeError):
    """The game's data does not have the layout this adapter implements (version, size)."""


@dataclass(frozen=True, slots=True)
class RawSample:
    """What a reader got in one read: named parts (pages or packets) stamped with a monotonic time."""

    t_mono: float
    parts: tuple[tuple[str, bytes], ...]


class Reader(ABC):
    """Moves bytes from the game (or a capture); knows nothing of their meaning beyond size and versions."""

    game: str

    @abstractmethod
    def open(self) -> None:
        """Attach to the game; raise GameUnavailable naming the game and what was awaited."""

    @abstractmethod
    def read(self) -> RawSample | None:
        """The newest data, or None when there is none (game gone: raise GameUnavailable)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what open() took."""


class Mapper(ABC):
    """Turns one game's raw parts into frames and session messages."""

    @abstractmethod
    def map(self, raw: RawSample, rig: str, seq: int, t: float) -> Frame | None:
        """A frame, or None when the game is paused, in a menu or replay (nothing new to say)."""

    @abstractmethod
    def session(self) -> SessionInfo | None:
        """The session as last seen, or None before the game said."""

    def status(self) -> str:
        """A short state for the status line: 'driving', 'paused', 'in menu', ..."""
        return "driving"


class TelemetrySource(ABC):
    """What the sampler drives: a game that yields numbered frames.

    ``sample`` returns None when the game has nothing new to say (paused, in a
    menu, in a replay); the sampler then sends nothing rather than a fake frame.
    """

    game: str

    @abstractmethod
    def open(self) -> None:
        """Attach to the game; raise GameUnavailable naming what was awaited."""

    @abstractmethod
    def sample(self, rig: str, seq: int, t: float) -> Frame | None:
        """The current state as a frame, or None when there is nothing new."""

    @abstractmethod
    def session(self) -> SessionInfo | None:
        """What is being driven now, or None before the game says."""

    def status(self) -> str:
        """A short human-readable state for the status line."""
        return "running"

    def laps_completed(self) -> int | None:
        """Laps finished since the source opened, where the source knows."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most sources have nothing to release
        """Release what open() took; the game may come back and open() be called again."""

    def shutdown(self) -> None:
        """The agent is exiting: release everything, including what lives across reattachments."""
        self.close()


class GameSource(TelemetrySource):
    """A reader and a mapper joined, with an optional recorder of the raw data."""

    def __init__(self, game: str, reader: Reader, mapper: Mapper, recorder: Recorder | None = None) -> None:
        self.game = game
        self.reader = reader
        self.mapper = mapper
        self.recorder = recorder

    def open(self) -> None:
        self.reader.open()

    def sample(self, rig: str, seq: int, t: float) -> Frame | None:
        raw = self.reader.read()
        if raw is None:
            return None
        if self.recorder is not None:
            self.recorder.write(raw)
        return self.mapper.map(raw, rig, seq, t)

    def session(self) -> SessionInfo | None:
        return self.mapper.session()

    def status(self) -> str:
        return self.mapper.status()

    def close(self) -> None:
        self.reader.close()

    def shutdown(self) -> None:
        # The recorder lives across the game going away and coming back.
        self.reader.close()
        if self.recorder is not None:
            self.recorder.close()
