"""Copies ACC's (or AC's) three shared-memory pages, sized for the game the static page shows, and notices it going.

The game's liveness comes from the pages themselves: the physics page's
``packetId`` advances with every physics step. A page removed (Linux and
tests), or counters frozen while the game says it is live (the game closed
but something still holds its pages, such as Content Manager, or the game
hung), makes the reader give up the pages so the sampler looks for the game
again.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path
from typing import Final

from simcoach_agent.games import shm
from simcoach_agent.games.acc.detect import STATIC_SIZES, Variant, identify
from simcoach_agent.games.acc.layout import AC_LIVE, GRAPHICS_NAME, PHYSICS_NAME, STATIC_NAME
from simcoach_agent.games.base import GameUnavailable, RawSample, Reader
from simcoach_agent.games.shm import SharedPage

# Seconds of frozen counters while the game says "live" before the pages are let go.
STALL_S: Final = 5.0
# Reads between checks that a page's file is still there (one file-system call, pages in turn).
_CHECK_EVERY: Final = 5

_I32 = struct.Struct("<i")
_COUNTER_STATUS = struct.Struct("<ii")  # the graphics page's packetId and status


class AccReader(Reader):
    """Reads ``acpmf_physics``, ``acpmf_graphics`` and ``acpmf_static`` as one sample."""

    def __init__(self, game: str = "acc", stall_s: float = STALL_S) -> None:
        self.game = game
        self.stall_s = stall_s
        self.variant: Variant | None = None
        self._physics: SharedPage | None = None
        self._graphics: SharedPage | None = None
        self._static: SharedPage | None = None
        self._static_raw = b""
        self._reads = 0
        self._counters = (0, 0, 0)
        self._changed_at = 0.0
        self._watch: tuple[tuple[str, Path, tuple[int, int]], ...] = ()

    def open(self) -> None:
        self.close()
        static = _open_largest(self.game, STATIC_NAME, STATIC_SIZES)
        raw = static.read()
        found = identify(raw, self.game)
        if isinstance(found, str):
            static.close()
            raise GameUnavailable(f"{self.game}: {found}; waiting for the game")
        physics_size, graphics_size, _ = found.sizes
        physics = SharedPage(self.game, PHYSICS_NAME, physics_size)
        graphics = SharedPage(self.game, GRAPHICS_NAME, graphics_size)
        try:
            _open(physics)
            _open(graphics)
        except GameUnavailable as exc:
            for page in (static, physics, graphics):
                page.close()
            raise GameUnavailable(f"{exc} ({found.label} layout)") from None
        self._static, self._physics, self._graphics = static, physics, graphics
        self._watch = _watched((physics, graphics, static))
        self.variant = found
        self._static_raw = raw
        self._reads = 0
        self._counters = (-1, -1, -1)
        self._changed_at = time.monotonic()

    def read(self) -> RawSample:
        physics, graphics, static = self._physics, self._graphics, self._static
        if physics is None or graphics is None or static is None:
            raise GameUnavailable(f"{self.game}: shared memory is not open")
        self._reads += 1
        if self._watch and self._reads % _CHECK_EVERY == 0:
            self._check(self._watch[self._reads // _CHECK_EVERY % len(self._watch)])
        physics_raw = physics.read()
        graphics_raw = graphics.read()
        static_raw = static.read()
        now = time.monotonic()
        # Both packet counters and the status: leaving a pause restarts the count.
        counters = (_I32.unpack_from(physics_raw)[0], *_COUNTER_STATUS.unpack_from(graphics_raw))
        if counters != self._counters:
            self._counters = counters
            self._changed_at = now
        elif counters[2] == AC_LIVE and now - self._changed_at > self.stall_s:
            raise GameUnavailable(
                f"{self.game}: the game says it is live but its shared memory has not changed for "
                f"{self.stall_s:g} s (closed or hung); waiting for it"
            )
        if static_raw != self._static_raw:
            self._static_raw = static_raw
            found = identify(static_raw, self.game)
            if isinstance(found, Variant) and self.variant is not None and found.sizes[:2] != self.variant.sizes[:2]:
                # The other game took over the page names: attach again with its sizes.
                raise GameUnavailable(f"{self.game}: the pages now hold {found.label}; attaching again")
        return RawSample(now, (("physics", physics_raw), ("graphics", graphics_raw), ("static", static_raw)))

    def close(self) -> None:
        for page in (self._physics, self._graphics, self._static):
            if page is not None:
                page.close()
        self._physics = self._graphics = self._static = None
        self._watch = ()

    def _check(self, watched: tuple[str, Path, tuple[int, int]]) -> None:
        """Off Windows: the page's file is still the one mapped (a removed file means the game closed)."""
        name, path, identity = watched
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise GameUnavailable(
                f"{self.game}: shared memory {name!r} was removed (the game closed); waiting for it"
            ) from None
        if (st.st_dev, st.st_ino) != identity:
            # A restarted game makes new files; the old mapping would stay frozen.
            raise GameUnavailable(f"{self.game}: shared memory {name!r} was made anew; attaching again")


def _watched(pages: tuple[SharedPage, ...]) -> tuple[tuple[str, Path, tuple[int, int]], ...]:
    """The files behind the pages with their (device, inode); nothing on Windows, where pages are not files."""
    if sys.platform == "win32":
        return ()
    watched = []
    for page in pages:
        path = shm.SHM_DIR / shm.posix_name(page.name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        watched.append((page.name, path, (st.st_dev, st.st_ino)))
    return tuple(watched)


def _open(page: SharedPage) -> None:
    try:
        page.open()
    except OSError as exc:  # Windows refuses a view larger than the game's mapping
        raise GameUnavailable(f"{page.game}: cannot map {page.size} bytes of {page.name!r}: {exc}") from None


def _open_largest(game: str, name: str, sizes: tuple[int, ...]) -> SharedPage:
    """The page opened with the largest of ``sizes`` it holds: which layout it has is not known yet."""
    error: GameUnavailable | None = None
    for size in sizes:
        page = SharedPage(game, name, size)
        try:
            _open(page)
        except GameUnavailable as exc:
            error = exc
            continue
        return page
    assert error is not None
    raise error
