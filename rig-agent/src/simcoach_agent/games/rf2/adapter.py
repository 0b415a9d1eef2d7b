"""The rf2 and lmu adapters: shared-memory pages, read by one reader per source and mapped by one mapper."""

from __future__ import annotations

from typing import Final

from simcoach_agent.games.base import GameUnavailable, Mapper, Reader
from simcoach_agent.games.rf2 import layout as rf2
from simcoach_agent.games.rf2 import layout_lmu as lmu
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from simcoach_agent.games.rf2.reader import STALE_AFTER_S, LmuReader, PluginReader
from simcoach_agent.games.shm import SharedPage

KIND: Final = "pages"


def make_reader(game: str, stale_after_s: float = STALE_AFTER_S, **options: object) -> Reader:
    """LMU prefers its own ``LMU_Data`` page; rF2 (and LMU without it) reads the plugin's pages."""
    if game == "lmu":
        return LmuReader(game, stale_after_s)
    return PluginReader(game, stale_after_s)


def make_mapper(game: str) -> Mapper:
    return Rf2Mapper(game)


def is_running(game: str = "rf2", **options: object) -> bool:
    """For ``lmu``: whether LMU's own page exists; for ``rf2``: whether the plugin's telemetry page exists.

    ``auto`` asks for lmu first, so LMU is told apart from rF2 by the page only LMU makes (an LMU old
    enough to lack it is read, correctly, through the plugin pages, and named rf2).
    """
    names = (lmu.LMU_DATA_PAGE,) if game == "lmu" else (rf2.TELEMETRY_PAGE,)
    for name in names:
        page = SharedPage(game, name, 8)
        try:
            page.open()
        except GameUnavailable:
            continue
        page.close()
        return True
    return False
