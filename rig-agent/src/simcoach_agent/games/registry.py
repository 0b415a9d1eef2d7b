"""Game ids mapped to lazily imported adapters, so Windows-only code never loads elsewhere."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final

from simcoach_agent.games.base import TelemetrySource

# id -> "module:factory"; the factory takes the keyword options of that game.
ADAPTERS: Final[dict[str, str]] = {
    "demo": "simcoach_agent.games.demo.source:DemoSource",
}


def game_ids() -> list[str]:
    return sorted(ADAPTERS)


def create_source(game: str, **options: Any) -> TelemetrySource:
    """Build the adapter for ``game``; unknown ids list the known ones."""
    try:
        target = ADAPTERS[game]
    except KeyError:
        raise ValueError(f"unknown game {game!r}; known: {', '.join(game_ids())}") from None
    module_name, _, attr = target.partition(":")
    factory: Callable[..., TelemetrySource] = getattr(importlib.import_module(module_name), attr)
    return factory(**options)
