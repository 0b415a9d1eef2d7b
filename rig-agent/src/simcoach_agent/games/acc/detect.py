"""Which game (ACC or AC) and which page layouts a static page belongs to, and its wide strings decoded.

AC and ACC publish pages of the same names, so the static page decides. ACC
fills ``dryTyresName``/``wetTyresName``, which AC's page does not have; AC fills
``carSkin``, ``maxPower`` and ``tyreRadius``, which ACC documents as unused.
Where neither says (a page written before a car is loaded), the game asked for
on the command line decides.
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from typing import Any, Final

from simcoach_agent.games.acc.layout import (
    SPageFileGraphic,
    SPageFilePhysics,
    SPageFileStatic,
    SPageFileStaticShortConfig,
)
from simcoach_agent.games.acc.layout_ac import SPageFileGraphicAC, SPageFilePhysicsAC, SPageFileStaticAC

GAME_NAMES: Final = {"acc": "Assetto Corsa Competizione", "ac": "Assetto Corsa"}


@dataclass(frozen=True, slots=True)
class Variant:
    """One game's three page layouts."""

    game: str  # "acc" or "ac"
    label: str
    physics: type[ctypes.LittleEndianStructure]
    graphics: type[ctypes.LittleEndianStructure]
    static: type[ctypes.LittleEndianStructure]

    @property
    def sizes(self) -> tuple[int, int, int]:
        """Bytes of the physics, graphics and static pages."""
        return ctypes.sizeof(self.physics), ctypes.sizeof(self.graphics), ctypes.sizeof(self.static)


ACC: Final = Variant("acc", "ACC", SPageFilePhysics, SPageFileGraphic, SPageFileStatic)
ACC_SHORT_CONFIG: Final = Variant(
    "acc", "ACC (trackConfiguration[15])", SPageFilePhysics, SPageFileGraphic, SPageFileStaticShortConfig
)
AC: Final = Variant("ac", "AC", SPageFilePhysicsAC, SPageFileGraphicAC, SPageFileStaticAC)
ACC_VARIANTS: Final = (ACC, ACC_SHORT_CONFIG)  # the header's layout first

# Sizes to try when opening a page, largest first: any of the layouts may be the game's.
STATIC_SIZES: Final = tuple(sorted({v.sizes[2] for v in (ACC, ACC_SHORT_CONFIG, AC)}, reverse=True))
MIN_STATIC_SIZE: Final = STATIC_SIZES[-1]

_F32 = struct.Struct("<f")


def wide(raw: bytes, field: Any) -> str | None:
    """The UTF-16LE text of a ``wchar_t`` array field, up to its NUL; None if it is not clean text.

    ``field`` is a ctypes field descriptor (``Struct.name``), which knows its
    offset and size. Bytes after the NUL are left unread: games do not clear
    them. Called when the static page changes, not per frame.
    """
    offset: int = field.offset
    size: int = field.size
    chunk = raw[offset : offset + size]
    if len(chunk) < size:
        return None
    end = chunk.find(b"\x00\x00")
    while end != -1 and end % 2:  # a NUL code unit starts on an even byte
        end = chunk.find(b"\x00\x00", end + 1)
    try:
        text = chunk[: size if end == -1 else end].decode("utf-16-le")
    except UnicodeDecodeError:  # a lone surrogate: not text
        return None
    if any(c < " " or "\x7f" <= c <= "\x9f" for c in text):  # control characters: not a name
        return None
    return text


def identify(static: bytes, hint: str) -> Variant | str:
    """The layouts for this static page, or why it cannot be read yet (a sentence for the status line)."""
    if len(static) < MIN_STATIC_SIZE:
        return f"the static page is {len(static)} bytes, shorter than any AC/ACC layout ({MIN_STATIC_SIZE})"
    version = wide(static, SPageFileStaticAC.smVersion)
    if version == "":
        return "the static page is still empty (the game is starting)"
    parts = version.split(".") if version is not None else []
    if not parts or not all(p.isdigit() for p in parts):
        return "the static page does not hold an AC/ACC shared memory version (another program's data?)"
    if parts[0] != "1":
        return f"shared memory version {version!r} is not one this adapter reads (AC 1.7, ACC 1.x)"
    if any(wide(static, getattr(SPageFileStaticAC, name)) is None for name in ("carModel", "track")):
        return "the static page's car and track names are not text (not an AC/ACC page?)"
    for variant in ACC_VARIANTS:
        if len(static) >= ctypes.sizeof(variant.static) and _acc_tyre_names(static, variant) is True:
            return variant
    if _ac_fields_filled(static):
        return AC
    # Nothing tells yet: take the game asked for, with a layout the page fits.
    if hint == "acc":
        for variant in ACC_VARIANTS:
            if len(static) >= ctypes.sizeof(variant.static) and _acc_tyre_names(static, variant) is not None:
                return variant
    return AC


def _acc_tyre_names(static: bytes, variant: Variant) -> bool | None:
    """True: ACC's tyre names are there; False: clean but empty; None: not text (the wrong layout)."""
    dry = wide(static, variant.static.dryTyresName)
    wet = wide(static, variant.static.wetTyresName)
    if dry is None or wet is None:
        return None
    return bool(dry or wet)


def _ac_fields_filled(static: bytes) -> bool:
    """AC fills these for any loaded car; ACC documents them as unused (left zero)."""
    if wide(static, SPageFileStaticAC.carSkin):
        return True
    power = _F32.unpack_from(static, SPageFileStaticAC.maxPower.offset)[0]
    radius = _F32.unpack_from(static, SPageFileStaticAC.tyreRadius.offset)[0]
    return bool(power > 0.0 or radius > 0.0)
