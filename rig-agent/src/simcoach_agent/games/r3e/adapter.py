"""RaceRoom's entry for the game registry: a shared-memory game with one page, ``$R3E``."""

from __future__ import annotations

from typing import Final, Literal

from simcoach_agent.games.r3e.mapper import R3EMapper
from simcoach_agent.games.r3e.reader import R3EReader, page_present

KIND: Final[Literal["pages"]] = "pages"


def make_reader(game: str, **options: object) -> R3EReader:
    """The reader of the running game's page; ``options`` (none for RaceRoom) are ignored."""
    return R3EReader()


def make_mapper(game: str) -> R3EMapper:
    return R3EMapper()


def is_running(**options: object) -> bool:
    """Whether RaceRoom's page is there with a version in it."""
    return page_present()
