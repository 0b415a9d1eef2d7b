"""One demo session of two laps, recorded once, and its exports in every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcoach.exports.folder import export_session
from simcoach.storage.store import Store
from tests.backend.exports.stored import Stored, record

# Small pages, so that the exports are made of many pages (and Parquet of many row groups).
PAGE = 1_000


@pytest.fixture(scope="session")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    return record(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="session")
def exported(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with frames.csv, laps.csv, frames.parquet, laps.parquet and dataset/, as the docs expect."""
    out = tmp_path_factory.mktemp("exports")
    store = Store(stored.path).open()
    try:
        for fmt in ("csv", "parquet"):
            export_session(store, stored.session_id, fmt, out, page=PAGE)
        export_session(store, stored.session_id, "dataset", out / "dataset")
    finally:
        store.close()
    return out
