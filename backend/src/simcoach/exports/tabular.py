"""Exported tables as Arrow data: a session's frames a page at a time, and its laps.

Both CSV and Parquet are written from these, so the two formats cannot
disagree on a column, a type or a null.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import msgspec
import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type information

from simcoach.exports.columns import Column, Kind, page_values
from simcoach.storage.records import SessionRow
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame

ARROW_TYPES: Final[dict[Kind, Any]] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}
# Frames per page read from the store, and so per CSV chunk and Parquet row group:
# about a minute and a half at 60 Hz, a few MB of Arrow data.
PAGE_FRAMES: Final = 5_000

_decoder = msgspec.msgpack.Decoder(Frame)


class UnknownSession(LookupError):
    """No stored session has the id asked for."""


def find_session(store: Store, session_id: str) -> SessionRow:
    """The stored session ``session_id``; UnknownSession naming it when there is none."""
    found = store.session(session_id)
    if found is None:
        raise UnknownSession(f"no session {session_id!r}")
    return found


def arrow_schema(columns: Sequence[Column], metadata: Mapping[str, str] | None = None) -> Any:
    """The Arrow schema of ``columns``: each field with its unit (and source channel) as field metadata."""
    fields = [
        pa.field(c.name, ARROW_TYPES[c.kind], nullable=True, metadata={"unit": c.unit, "channel": c.channel})
        for c in columns
    ]
    return pa.schema(fields, metadata=dict(metadata or {}))


def frame_batches(
    store: Store, session: SessionRow, columns: Sequence[Column], page: int = PAGE_FRAMES
) -> Iterator[Any]:
    """The session's frames as Arrow record batches of at most ``page`` rows, oldest first, read as asked for."""
    schema = arrow_schema(columns)
    for data in store.session_frames(session, page):
        frames = [_decoder.decode(d) for d in data]
        values = page_values(session.id, frames, columns)
        yield pa.record_batch(
            [pa.array(v, type=ARROW_TYPES[c.kind]) for c, v in zip(columns, values, strict=True)], schema=schema
        )


# Lap record keys exported as columns, with their types and units; sectors come after ``time_s``.
_LAP_HEAD: Final[tuple[tuple[str, Kind, str], ...]] = (
    ("session", "string", "session id"),
    ("lap_id", "int", "the store's lap id (GET /api/laps/{id})"),
    ("lap", "int", "integer, first lap 1"),
    ("t", "float", "Unix s at the line, end of the lap"),
    ("time_s", "float", "s"),
)
_LAP_TAIL: Final[tuple[tuple[str, Kind, str], ...]] = (
    ("valid", "bool", "boolean"),
    ("complete", "bool", "boolean"),
    ("out_lap", "bool", "boolean"),
    ("in_lap", "bool", "boolean"),
    ("clean", "bool", "boolean: valid, complete, not an out- or in-lap"),
    ("delta_to_reference_s", "float", "s, positive: slower than the reference"),
    ("is_best", "bool", "boolean"),
    ("is_reference", "bool", "boolean"),
    ("fuel_used_l", "float", "litres"),
)


def lap_is_clean(record: Mapping[str, Any]) -> bool:
    """A lap the dataset keeps by default: valid and complete, neither an out-lap nor an in-lap."""
    return (
        bool(record.get("valid"))
        and bool(record.get("complete"))
        and not record.get("out_lap")
        and not record.get("in_lap")
    )


def laps_table(session_id: str, laps: Sequence[Mapping[str, Any]]) -> Any:
    """A session's lap records as one Arrow table (laps are few), sectors as ``sector_1_s``.. columns."""
    sectors = max((len(lap.get("sectors") or ()) for lap in laps), default=0)
    spec = [
        *_LAP_HEAD,
        *((f"sector_{i + 1}_s", "float", "s") for i in range(sectors)),
        *_LAP_TAIL,
    ]
    rows: list[dict[str, Any]] = []
    for lap in laps:
        row = {**lap, "session": session_id, "lap_id": lap.get("id"), "clean": lap_is_clean(lap)}
        for i, value in enumerate(lap.get("sectors") or ()):
            row[f"sector_{i + 1}_s"] = value
        rows.append(row)
    fields = [pa.field(name, ARROW_TYPES[kind], metadata={"unit": unit}) for name, kind, unit in spec]
    schema = pa.schema(fields, metadata={"simcoach.units": msgspec.json.encode({n: u for n, _, u in spec}).decode()})
    return pa.table(
        [pa.array([row.get(name) for row in rows], type=ARROW_TYPES[kind]) for name, kind, _ in spec], schema=schema
    )


class ChunkSink:
    """A write-only file for pyarrow's writers that holds what they wrote until it is taken.

    A CSV or Parquet writer on it is drained after each batch, so an HTTP
    response streams the file as it is made and never holds more than a batch.
    ``tell`` counts every byte written: the Parquet footer records offsets by it.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        """Nothing is buffered here beyond what ``take`` hands out."""

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out
