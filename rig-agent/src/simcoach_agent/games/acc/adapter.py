"""The ``acc`` and ``ac`` game ids: ACC and the original Assetto Corsa share page names, so one adapter reads both."""

from __future__ import annotations

from typing import Final

from simcoach_agent.games.acc.detect import MIN_STATIC_SIZE
from simcoach_agent.games.acc.layout import STATIC_NAME
from simcoach_agent.games.acc.mapper import AccMapper
from simcoach_agent.games.acc.reader import AccReader
from simcoach_agent.games.base import GameUnavailable, Mapper, Reader
from simcoach_agent.games.shm import SharedPage

KIND: Final = "pages"
GAMES: Final = ("acc", "ac")


def make_reader(game: str, **options: object) -> Reader:
    """A reader of the three pages; ``game`` ("acc" or "ac") is the layout to assume until the pages say."""
    if options:
        raise TypeError(f"{game}: unknown options {sorted(options)}")
    return AccReader(_checked(game))


def make_mapper(game: str) -> Mapper:
    """The mapper; it reads whichever of the two games the static page shows and says so if it is not ``game``."""
    return AccMapper(_checked(game))


def is_running(**options: object) -> bool:
    """Whether a Kunos static page exists (ACC's or AC's)."""
    page = SharedPage("acc", STATIC_NAME, MIN_STATIC_SIZE)
    try:
        page.open()
    except (GameUnavailable, OSError):
        return False
    page.close()
    return True


def _checked(game: str) -> str:
    if game not in GAMES:
        raise ValueError(f"the ACC/AC adapter reads 'acc' or 'ac', not {game!r}")
    return game
