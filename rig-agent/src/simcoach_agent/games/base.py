"""The one interface every game adapter offers the agent's sampler."""

from __future__ import annotations

from abc import ABC, abstractmethod

from simcoach_agent.telemetry import Frame, SessionInfo


class GameUnavailable(RuntimeError):
    """The game is not running (or not sharing telemetry); says which game and what was awaited."""


class TelemetrySource(ABC):
    """A game adapter: reads the game's raw data and maps it to frames.

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
        """Release what open() took."""
