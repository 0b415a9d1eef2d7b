"""The flat column layout of exported frames: one column per channel, a four-wheel channel as four, with units.

Derived from the telemetry contract (``Frame``) itself, so a channel added
there is exported without anyone keeping a second list; units come from the
InfluxDB schema's table (``TELEMETRY_UNITS``), which already names one for
every channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import msgspec
import msgspec.inspect as mi

from simcoach.history.schema import TELEMETRY_UNITS, WHEEL_SUFFIXES
from simcoach_agent.telemetry import Frame

Kind = Literal["string", "int", "float", "bool"]

# Columns that are not in TELEMETRY_UNITS (rig is an InfluxDB tag there and t its timestamp).
_OTHER_UNITS: Final = {
    "session": "session id",
    "rig": "rig name",
    "t": "Unix s, rig clock",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: where its value comes from in a frame, its type and unit."""

    name: str
    kind: Kind
    unit: str
    channel: str  # the Frame attribute; "" for ``session``, which no frame carries
    wheel: int | None = None  # index in a four-wheel tuple (FL, FR, RL, RR)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.kind, "unit": self.unit, "channel": self.channel or None}


def _scalar_kind(t: mi.Type) -> Kind:
    while isinstance(t, mi.Metadata):
        t = t.type
    match t:
        case mi.FloatType():
            return "float"
        case mi.BoolType():
            return "bool"
        case mi.IntType():
            return "int"
        case mi.StrType():
            return "string"
    raise TypeError(f"no column type for {t!r}")


def _frame_columns() -> tuple[Column, ...]:
    info = mi.type_info(Frame)
    assert isinstance(info, mi.StructType)
    columns = [Column("session", "string", _OTHER_UNITS["session"], "")]
    for field in info.fields:
        t = field.type
        if isinstance(t, mi.UnionType):  # X | None: nulls are allowed in every column anyway
            (t,) = (member for member in t.types if not isinstance(member, mi.NoneType))
        unit = _OTHER_UNITS.get(field.name) or TELEMETRY_UNITS[field.name]
        if isinstance(t, mi.TupleType):
            kind = _scalar_kind(t.item_types[0])
            columns += [
                Column(f"{field.name}_{suffix}", kind, unit, field.name, wheel)
                for wheel, suffix in enumerate(WHEEL_SUFFIXES)
            ]
        else:
            columns.append(Column(field.name, _scalar_kind(t), unit, field.name))
    return tuple(columns)


FRAME_COLUMNS: Final = _frame_columns()
COLUMNS_BY_NAME: Final = {c.name: c for c in FRAME_COLUMNS}
_FIELD_INDEX: Final = {name: i for i, name in enumerate(Frame.__struct_fields__)}


class UnknownColumn(ValueError):
    """A requested column the export does not have."""


def select(names: Sequence[str] | None) -> tuple[Column, ...]:
    """The columns asked for, in the order asked (every column when ``names`` is None or empty).

    Raises UnknownColumn naming each unknown name.
    """
    if not names:
        return FRAME_COLUMNS
    unknown = [n for n in names if n not in COLUMNS_BY_NAME]
    if unknown:
        raise UnknownColumn(
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}; the columns are: {', '.join(COLUMNS_BY_NAME)}"
        )
    return tuple(dict.fromkeys(COLUMNS_BY_NAME[n] for n in names))


def page_values(session_id: str, frames: Sequence[Frame], columns: Sequence[Column]) -> list[list[Any]]:
    """Each column's values over a page of frames (None where the game gave nothing), in ``columns`` order."""
    # One tuple per frame, then one per field: C loops, where a getattr per value would not be.
    by_field = list(zip(*(msgspec.structs.astuple(f) for f in frames), strict=True)) if frames else []
    out: list[list[Any]] = []
    for column in columns:
        if not column.channel:
            out.append([session_id] * len(frames))
            continue
        values = by_field[_FIELD_INDEX[column.channel]] if frames else ()
        if column.wheel is None:
            out.append(list(values))
        else:
            w = column.wheel
            out.append([None if v is None else v[w] for v in values])
    return out
