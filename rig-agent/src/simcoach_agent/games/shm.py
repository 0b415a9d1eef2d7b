"""Named shared memory as games publish it: ``Local\\NAME`` on Windows, ``/dev/shm/NAME`` elsewhere.

Tests and Linux users create real pages under /dev/shm with the same names the
games use on Windows, so the readers run unchanged.
"""

from __future__ import annotations

import mmap
import os
import sys
from pathlib import Path

from simcoach_agent.games.base import GameUnavailable

SHM_DIR = Path(os.environ.get("SIMCOACH_SHM_DIR", "/dev/shm"))


def posix_name(name: str) -> str:
    """The file name under /dev/shm of a Windows mapping name (``Local\\acpmf_physics`` -> ``acpmf_physics``)."""
    return name.removeprefix("Local\\").removeprefix("Global\\")


class SharedPage:
    """A read-only view of one named mapping of at least ``size`` bytes.

    ``name`` is the Windows name as the game's header gives it.
    """

    def __init__(self, game: str, name: str, size: int) -> None:
        self.game = game
        self.name = name
        self.size = size
        self._map: mmap.mmap | None = None

    def open(self) -> None:
        if sys.platform == "win32":
            self._map = _open_windows(self.game, self.name, self.size)
        else:
            self._map = _open_posix(self.game, posix_name(self.name), self.size)

    def read(self) -> bytes:
        """A copy of the page as it is now."""
        if self._map is None:
            raise GameUnavailable(f"{self.game}: shared memory {self.name!r} is not open")
        return self._map[: self.size]

    def read_at(self, offset: int, length: int) -> bytes:
        """A copy of part of the page (a version counter, a header)."""
        if self._map is None:
            raise GameUnavailable(f"{self.game}: shared memory {self.name!r} is not open")
        return self._map[offset : offset + length]

    def still_there(self) -> bool:
        """False once the game has removed the page (only detectable off Windows)."""
        return sys.platform == "win32" or (SHM_DIR / posix_name(self.name)).exists()

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None


def _open_posix(game: str, name: str, size: int) -> mmap.mmap:
    path = SHM_DIR / name
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise GameUnavailable(f"{game}: waiting for shared memory {path} (is the game running?)") from None
    try:
        actual = os.fstat(fd).st_size
        if actual < size:
            raise GameUnavailable(
                f"{game}: shared memory {path} is {actual} bytes, the layout needs {size}; "
                "the game is starting, or it is another version"
            )
        return mmap.mmap(fd, size, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


def _open_windows(game: str, name: str, size: int) -> mmap.mmap:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    file_map_read = 0x0004
    # mmap with a tagname would create an empty mapping when the game is not
    # running; ask Windows whether the game's mapping exists first.
    handle = kernel32.OpenFileMappingW(file_map_read, False, name)
    if not handle:
        raise GameUnavailable(f"{game}: waiting for shared memory {name!r} (is the game running?)")
    kernel32.CloseHandle(handle)
    try:
        return mmap.mmap(-1, size, tagname=name, access=mmap.ACCESS_READ)  # type: ignore[call-arg,unused-ignore]
    except OSError as exc:
        # A mapping smaller than the layout: another version of the game.
        raise GameUnavailable(f"{game}: shared memory {name!r} cannot be mapped at {size} bytes: {exc}") from None
