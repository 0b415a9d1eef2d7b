"""A stored demo session to export, its frames as the store decoded them, and an exported row back as a frame."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from simcoach.demo_session import record_to_file
from simcoach.exports.columns import COLUMNS_BY_NAME, FRAME_COLUMNS
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame

MISTAKES = "late_brake@La Source:2"
_decoder = msgspec.msgpack.Decoder(Frame)


@dataclass(frozen=True)
class Stored:
    data_dir: Path  # what SIMCOACH_DATA_DIR points at
    session_id: str
    frames: list[Frame]  # every stored frame of the session, decoded, in seq order
    laps: list[dict[str, Any]]

    @property
    def path(self) -> Path:
        return self.data_dir / "simcoach.db"


def read_back(data_dir: Path, session_id: str) -> Stored:
    store = Store(data_dir / "simcoach.db").open()
    try:
        session = store.session(session_id)
        assert session is not None
        frames = [_decoder.decode(d) for page in store.session_frames(session) for d in page]
        return Stored(data_dir, session_id, frames, store.laps(session_id))
    finally:
        store.close()


def record(data_dir: Path, laps: int = 2) -> Stored:
    """A demo session of ``laps`` finished laps (and the start of the next) in the store under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    session_id = record_to_file(data_dir / "simcoach.db", laps, seed=3, mistakes=MISTAKES)
    return read_back(data_dir, session_id)


def with_invalid_lap(stored: Stored, data_dir: Path, lap: int) -> Stored:
    """A copy of ``stored`` in which lap number ``lap`` is recorded as invalid (cut a corner, say)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(stored.path, data_dir / "simcoach.db")  # closed cleanly: no write-ahead log left beside it
    store = Store(data_dir / "simcoach.db").open()
    try:
        (row,) = [r for r in store.laps_after(0, 1000) if r.session_id == stored.session_id and r.lap == lap]
        invalid = dataclasses.replace(row, clean=False, record={**row.record, "valid": False})
        store.write([], [invalid], time.time())
    finally:
        store.close()
    return read_back(data_dir, stored.session_id)


def parse_value(column: str, text: str) -> Any:
    """A CSV field back as its column's type; the empty field is null."""
    if text == "":
        return None
    kind = COLUMNS_BY_NAME[column].kind
    if kind == "float":
        return float(text)
    if kind == "int":
        return int(text)
    if kind == "bool":
        assert text in ("true", "false"), text
        return text == "true"
    return text


def csv_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: parse_value(k, v) for k, v in row.items()} for row in csv.DictReader(f)]


def frame_from_row(row: dict[str, Any]) -> Frame:
    """The frame an exported row came from: four-wheel columns back into their tuple (null when all four are)."""
    fields: dict[str, Any] = {}
    for column in FRAME_COLUMNS:
        if not column.channel:
            continue
        value = row[column.name]
        if column.wheel is None:
            fields[column.channel] = value
        else:
            fields.setdefault(column.channel, [None] * 4)[column.wheel] = value
    for name, value in fields.items():
        if isinstance(value, list):
            fields[name] = None if all(v is None for v in value) else tuple(value)
    return msgspec.convert(fields, Frame)
