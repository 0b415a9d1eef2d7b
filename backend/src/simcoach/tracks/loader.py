"""Reads track files (TOML): a track's names, length, sector starts and named corner windows.

Built-in files live next to this module; a user folder (``SIMCOACH_TRACKS_DIR``)
adds more, and a user file that shares a name or alias with a built-in one
replaces it. A file that is wrong is refused with its path and the field at
fault, so a typo never silently turns into "Turn 7".
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import reprlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

log = logging.getLogger(__name__)

BUILTIN_DIR: Final = Path(__file__).resolve().parent
# A session's track length may differ a little from the file's (games measure
# the lap differently); beyond this the layout is another one and names would lie.
LENGTH_TOLERANCE: Final = 0.03


class TrackFileError(ValueError):
    """A track file that cannot be used, with the path and what is wrong."""


@dataclass(frozen=True, slots=True)
class NamedCorner:
    """A corner as a track file names it: a window of lap distance and the apex."""

    name: str
    entry_m: float
    apex_m: float
    exit_m: float
    turns: str | None = None


@dataclass(frozen=True, slots=True)
class TrackInfo:
    name: str
    aliases: tuple[str, ...]
    length_m: float | None
    sectors_m: tuple[float, ...] | None  # where each sector starts; the first is 0
    corners: tuple[NamedCorner, ...]
    path: Path | None = None

    def names(self) -> set[str]:
        return {normal_name(n) for n in (self.name, *self.aliases)}


def normal_name(name: str) -> str:
    """Case, spaces, dashes and accents do not matter when a session names its track."""
    folded = name.lower().replace("è", "e").replace("é", "e").replace("ê", "e")
    return re.sub(r"[^a-z0-9]+", "", folded)


def _number(data: dict[str, Any], key: str, where: str, required: bool = True) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise TrackFileError(f"{where}: missing {key!r}")
        return None
    return _metres(value, key, where)


def _metres(value: Any, key: str, where: str) -> float:
    """A distance: a finite, non-negative number (TOML also has booleans, nan, inf and integers of any size)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrackFileError(f"{where}: {key!r} must be a number of metres, got {reprlib.repr(value)}")
    try:
        metres = float(value)
    except OverflowError:  # an integer too large for a float
        metres = math.inf
    if not math.isfinite(metres):
        raise TrackFileError(f"{where}: {key!r} must be a finite number of metres, got {reprlib.repr(value)}")
    if metres < 0:
        raise TrackFileError(f"{where}: {key!r} must not be negative, got {value}")
    return metres


def parse_track(data: dict[str, Any], path: Path | None = None) -> TrackInfo:
    """Validate the parsed TOML of one track file."""
    where = str(path) if path else "track file"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TrackFileError(f"{where}: 'name' must be a non-empty string")
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TrackFileError(f"{where}: 'aliases' must be a list of strings")
    length = _number(data, "length_m", where, required=False)
    if length is not None and length <= 0:
        raise TrackFileError(f"{where}: 'length_m' must be positive")
    sectors: tuple[float, ...] | None = None
    if "sectors_m" in data:
        raw = data["sectors_m"]
        if not isinstance(raw, list) or not raw:
            raise TrackFileError(f"{where}: 'sectors_m' must be a list of distances, the first 0")
        sectors = tuple(_metres(s, "sectors_m", where) for s in raw)
        if sectors[0] != 0.0:
            raise TrackFileError(f"{where}: 'sectors_m' lists where each sector starts; the first must be 0")
        if any(b <= a for a, b in itertools.pairwise(sectors)):
            raise TrackFileError(f"{where}: 'sectors_m' must increase")
        if length is not None and sectors[-1] >= length:
            raise TrackFileError(f"{where}: 'sectors_m' must lie within the lap (length_m {length})")
    raw_corners = data.get("corners", [])
    if not isinstance(raw_corners, list):
        raise TrackFileError(f"{where}: 'corners' must be an array of tables ([[corners]])")
    corners: list[NamedCorner] = []
    for index, item in enumerate(raw_corners, start=1):
        cw = f"{where}: corner {index}"
        if not isinstance(item, dict):
            raise TrackFileError(f"{cw}: must be a table with name, entry_m, apex_m, exit_m")
        cname = item.get("name")
        if not isinstance(cname, str) or not cname.strip():
            raise TrackFileError(f"{cw}: 'name' must be a non-empty string")
        cw = f"{where}: corner {cname!r}"
        entry, apex, exit_ = (_number(item, k, cw) for k in ("entry_m", "apex_m", "exit_m"))
        assert entry is not None and apex is not None and exit_ is not None
        if not entry <= apex <= exit_:
            raise TrackFileError(f"{cw}: needs entry_m <= apex_m <= exit_m, got {entry}, {apex}, {exit_}")
        if length is not None and exit_ > length:
            raise TrackFileError(f"{cw}: exit_m {exit_} is beyond the lap (length_m {length})")
        turns = item.get("turns")
        if turns is not None and not isinstance(turns, str):
            raise TrackFileError(f"{cw}: 'turns' must be a string")
        corners.append(NamedCorner(cname.strip(), entry, apex, exit_, turns))
    corners.sort(key=lambda c: c.apex_m)
    return TrackInfo(name.strip(), tuple(aliases), length, sectors, tuple(corners), path)


def load_track_file(path: Path) -> TrackInfo:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise TrackFileError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TrackFileError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # tomllib decodes the bytes itself and lets this through
        raise TrackFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_track(data, path)


class TrackLibrary:
    """Every known track file, found by the name a game gives its track."""

    def __init__(self, user_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> None:
        self.tracks: list[TrackInfo] = [load_track_file(p) for p in sorted(builtin_dir.glob("*.toml"))]
        if user_dir is not None:
            if not user_dir.is_dir():
                raise TrackFileError(f"SIMCOACH_TRACKS_DIR: {user_dir} is not a directory")
            for path in sorted(user_dir.glob("*.toml")):
                track = load_track_file(path)
                keys = track.names()
                # A user's file wins over a built-in one for the same track.
                self.tracks = [t for t in self.tracks if not (t.names() & keys)] + [track]
                log.info("track file %s (%s)", path, track.name)

    def find(self, name: str | None, length_m: float | None = None) -> TrackInfo | None:
        """The track called ``name``; None when unknown or when its length says it is another layout."""
        if not name:
            return None
        key = normal_name(name)
        candidates = [t for t in self.tracks if key in t.names()]
        if length_m:
            candidates = [
                t for t in candidates if t.length_m is None or abs(t.length_m - length_m) <= LENGTH_TOLERANCE * length_m
            ]
            candidates.sort(key=lambda t: abs((t.length_m or length_m) - length_m))
        return candidates[0] if candidates else None
