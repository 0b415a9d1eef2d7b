"""CSV exports: frames streamed a page at a time, and a session's laps; one header line, empty where null."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type information
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

from simcoach.exports.tabular import ChunkSink


def csv_chunks(schema: Any, batches: Iterable[Any]) -> Iterator[bytes]:
    """CSV text (UTF-8) of ``batches``: the header first, then a chunk per batch as it is read."""
    sink = ChunkSink()
    # Floats are written as their shortest exact form: read back, they are the stored values bit for bit.
    writer = pa_csv.CSVWriter(pa.PythonFile(sink, mode="w"), schema)
    try:
        yield sink.take()
        for batch in batches:
            writer.write_batch(batch)
            yield sink.take()
    finally:
        writer.close()
    if tail := sink.take():
        yield tail


def write_csv(path: Path, schema: Any, batches: Iterable[Any]) -> int:
    """Write ``batches`` to the CSV file ``path``; the rows written."""
    rows = 0
    with path.open("wb") as out:
        writer = pa_csv.CSVWriter(out, schema)
        try:
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
        finally:
            writer.close()
    return rows


def table_csv(table: Any) -> bytes:
    """A small table (a session's laps) as CSV text."""
    sink = ChunkSink()
    pa_csv.write_csv(table, pa.PythonFile(sink, mode="w"))
    return sink.take()
