"""Parquet exports: a row group per page of frames, each column with its unit, written or streamed as it is read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type information
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from simcoach.exports.columns import Column
from simcoach.exports.tabular import ChunkSink, arrow_schema
from simcoach.storage.records import SessionRow

# Schema-level metadata keys (the per-column unit is each field's ``unit``).
UNITS_KEY: Final = "simcoach.units"
SESSION_KEY: Final = "simcoach.session"


def frames_schema(columns: Sequence[Column], session: SessionRow) -> Any:
    """The frames' Arrow schema with the units (column to unit) and the session (its API JSON) as schema metadata."""
    return arrow_schema(
        columns,
        {
            UNITS_KEY: json.dumps({c.name: c.unit for c in columns}, ensure_ascii=False),
            SESSION_KEY: json.dumps(session.to_json(), ensure_ascii=False),
        },
    )


def parquet_chunks(schema: Any, batches: Iterable[Any]) -> Iterator[bytes]:
    """A Parquet file's bytes, a row group per batch as each is read, then the footer."""
    sink = ChunkSink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
    try:
        for batch in batches:
            # Each write is a row group of its own: the batch is the only one held.
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))
            if chunk := sink.take():
                yield chunk
    finally:
        writer.close()
    if tail := sink.take():
        yield tail


def write_parquet(path: Path, schema: Any, batches: Iterable[Any]) -> int:
    """Write ``batches`` to the Parquet file ``path``, a row group each; the rows written."""
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in batches:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))
            rows += batch.num_rows
    return rows


def write_table(path: Path, table: Any) -> None:
    """A small table (a session's laps) as one Parquet file."""
    pq.write_table(table, path)


def table_bytes(table: Any) -> bytes:
    """A small table (a session's laps) as the bytes of one Parquet file."""
    sink = ChunkSink()
    pq.write_table(table, pa.PythonFile(sink, mode="w"))
    return sink.take()
