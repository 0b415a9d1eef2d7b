"""Read a chosen set of fields of a ctypes layout with one ``struct`` unpack, at offsets the layout itself gives.

Building a ctypes object per wheel and per vector costs microseconds a frame;
one precompiled ``struct.Struct`` over the same offsets reads everything the
mapper needs in well under one. Offsets and types come from the layout module,
so nothing is typed twice.
"""

from __future__ import annotations

import ctypes
import struct
from collections import namedtuple
from typing import Any, cast


def field_at(layout: type[ctypes.Structure], path: str) -> tuple[int, str]:
    """Offset and ``struct`` code of a field path such as ``mWheels[2].mTemperature[0]`` or ``mLocalVel.x``."""
    offset, kind = 0, cast(Any, layout)
    for part in path.split("."):
        name, _, index = part.partition("[")
        offset += getattr(kind, name).offset
        kind = {field[0]: field[1] for field in kind._fields_}[name]
        if index:
            element: Any = kind._type_
            offset += int(index.rstrip("]")) * ctypes.sizeof(element)
            kind = element
    code = getattr(kind, "_type_", None)
    if not isinstance(code, str):
        raise TypeError(f"{layout.__name__}.{path} is not a plain number")
    return offset, code


class Extractor:
    """Reads ``{alias: field path}`` of one structure at a given offset in a buffer, as a named tuple."""

    def __init__(self, layout: type[ctypes.Structure], fields: dict[str, str]) -> None:
        located = sorted((*field_at(layout, path), alias) for alias, path in fields.items())
        fmt, at = "<", 0
        for offset, code, _alias in located:
            fmt += f"{offset - at}x{code}" if offset > at else code
            at = offset + struct.calcsize("<" + code)
        self.struct = struct.Struct(fmt)
        self.size = ctypes.sizeof(layout)
        self.values: Any = cast(Any, namedtuple)(f"{layout.__name__}Values", [alias for _, _, alias in located])

    def read(self, data: bytes, offset: int) -> Any:
        """The fields of the structure starting at ``offset``."""
        return self.values._make(self.struct.unpack_from(data, offset))
