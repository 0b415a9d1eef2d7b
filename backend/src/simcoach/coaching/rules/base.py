"""The shape of a coaching rule: pure, testable with frame fixtures and no services."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from simcoach.coaching.context import ALL_PHASES, Phase, RigContext
from simcoach.coaching.events import Event
from simcoach_agent.telemetry import Frame


class Rule(ABC):
    """One thing the engine watches for.

    ``evaluate`` sees the previous and the current frame of one rig and returns
    the events it raises (usually none). A rule keeps its own hysteresis and
    cooldown state and forgets it in ``reset`` when a new session starts.
    """

    kinds: ClassVar[tuple[str, ...]] = ()
    phases: ClassVar[frozenset[Phase]] = ALL_PHASES

    @abstractmethod
    def evaluate(self, prev: Frame | None, frame: Frame, ctx: RigContext) -> list[Event]:
        """Events raised by this frame."""

    def reset(self) -> None:  # noqa: B027 - stateless rules have nothing to forget
        """Forget everything: a new session starts."""
