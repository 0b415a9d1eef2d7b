"""Game ids mapped to lazily imported adapters, so Windows-only or unused code never loads.

An adapter module offers:
  KIND                      "pages" (shared memory) or "packets" (UDP)
  make_reader(game, **opts) a Reader attached to the running game
  make_mapper(game)         the game's Mapper
  is_running()              a cheap check for ``--game auto``
The demo is a simulation, not a reader and mapper, and has its own factory.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from simcoach_agent.games.base import GameSource, GameUnavailable, TelemetrySource
from simcoach_agent.games.capture import Recorder, ReplayReader, capture_game
from simcoach_agent.telemetry import Frame, SessionInfo

ADAPTERS: Final[dict[str, str]] = {
    "acc": "simcoach_agent.games.acc.adapter",
    "ac": "simcoach_agent.games.acc.adapter",
    "r3e": "simcoach_agent.games.r3e.adapter",
    "lmu": "simcoach_agent.games.rf2.adapter",
    "rf2": "simcoach_agent.games.rf2.adapter",
    "ams2": "simcoach_agent.games.ams2.adapter",
}
# Order of the search of ``--game auto``: the first game found running wins.
AUTO_ORDER: Final = ("acc", "r3e", "lmu", "rf2", "ams2")


def game_ids() -> list[str]:
    return ["demo", *sorted(ADAPTERS), "auto"]


def _adapter(game: str) -> ModuleType:
    try:
        return importlib.import_module(ADAPTERS[game])
    except KeyError:
        raise ValueError(f"unknown game {game!r}; known: {', '.join(game_ids())}") from None


def detect_game(**options: Any) -> str:
    """The game running now, for ``--game auto``; options such as the AMS2 UDP port are passed on."""
    for game in AUTO_ORDER:
        if _adapter(game).is_running(game=game, **options):
            return str(game)
    raise GameUnavailable(
        "auto: no game found: waited for ACC/AC, RaceRoom, rFactor 2/LMU shared memory and AMS2 UDP packets"
    )


def create_source(game: str, record: Path | None = None, replay: Path | None = None, **options: Any) -> TelemetrySource:
    """Build the source for ``game``; a replay reads a capture instead of the game."""
    if replay is not None:
        game = capture_game(replay) if game == "auto" else game
    if game == "demo":
        from simcoach_agent.games.demo.source import DemoSource

        return DemoSource(**options)
    if game == "auto":
        return AutoSource(record, **options)
    adapter = _adapter(game)
    reader = ReplayReader(replay, game) if replay is not None else adapter.make_reader(game, **options)
    recorder = Recorder(record, game, adapter.KIND) if record is not None else None
    return GameSource(game, reader, adapter.make_mapper(game), recorder)


class AutoSource(TelemetrySource):
    """``--game auto``: looks for a running game at each open, then behaves as that game's source."""

    game = "auto"

    def __init__(self, record: Path | None = None, **options: Any) -> None:
        self.record = record
        self.options = options
        self.inner: TelemetrySource | None = None

    def open(self) -> None:
        self.inner = create_source(detect_game(**self.options), record=self.record, **self.options)
        self.game = self.inner.game
        self.inner.open()

    def sample(self, rig: str, seq: int, t: float) -> Frame | None:
        if self.inner is None:
            raise GameUnavailable("auto: no game attached")
        return self.inner.sample(rig, seq, t)

    def session(self) -> SessionInfo | None:
        return self.inner.session() if self.inner is not None else None

    def status(self) -> str:
        return self.inner.status() if self.inner is not None else "looking for a game"

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None
            self.game = "auto"

    def shutdown(self) -> None:
        if self.inner is not None:
            self.inner.shutdown()
        self.close()
