"""An export written into a folder, as ``simcoach export`` does: frames and laps, or the dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from simcoach.exports.columns import select
from simcoach.exports.csv import table_csv, write_csv
from simcoach.exports.dataset import DatasetOptions, write_dataset
from simcoach.exports.parquet import frames_schema, write_parquet, write_table
from simcoach.exports.tabular import PAGE_FRAMES, find_session, frame_batches, laps_table
from simcoach.storage.store import Store

FORMATS: Final = ("csv", "parquet", "dataset")


class UnknownFormat(ValueError):
    """An export format simcoach does not write."""


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")


def export_session(
    store: Store,
    session_id: str,
    fmt: str,
    out: Path,
    *,
    columns: Sequence[str] | None = None,
    dataset: DatasetOptions | None = None,
    page: int = PAGE_FRAMES,
) -> list[Path]:
    """Write session ``session_id`` in ``fmt`` into the folder ``out`` (created); the files written.

    csv: frames.csv and laps.csv; parquet: frames.parquet and laps.parquet;
    dataset: the ``.npy`` arrays, normalisation.json and schema.json. Raises
    UnknownFormat, UnknownSession, UnknownColumn or DatasetError with the reason.
    """
    check_format(fmt)
    selected = select(columns)
    session = find_session(store, session_id)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "dataset":
        write_dataset(store, session, out, dataset)
        return [*sorted(out.glob("*.npy")), out / "normalisation.json", out / "schema.json"]
    schema = frames_schema(selected, session)
    laps = laps_table(session.id, store.laps(session.id))
    batches = frame_batches(store, session, selected, page)
    if fmt == "csv":
        write_csv(out / "frames.csv", schema, batches)
        (out / "laps.csv").write_bytes(table_csv(laps))
        return [out / "frames.csv", out / "laps.csv"]
    write_parquet(out / "frames.parquet", schema, batches)
    write_table(out / "laps.parquet", laps)
    return [out / "frames.parquet", out / "laps.parquet"]
