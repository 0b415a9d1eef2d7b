"""Frames exported as CSV and Parquet read back as the stored frames: every channel of every row, nulls as nulls."""

from __future__ import annotations

import csv
import io
import json
import math

import duckdb
import msgspec
import pyarrow.parquet as pq
import pytest

from simcoach.exports.columns import FRAME_COLUMNS, UnknownColumn, select
from simcoach.exports.csv import csv_chunks
from simcoach.exports.parquet import frames_schema, parquet_chunks
from simcoach.exports.tabular import frame_batches
from simcoach.history.schema import TELEMETRY_UNITS
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame
from tests.backend.exports.conftest import PAGE
from tests.backend.exports.stored import csv_rows, frame_from_row


def test_every_channel_of_the_contract_is_a_column_four_wheel_ones_as_four():
    names = [c.name for c in FRAME_COLUMNS]
    assert names[:4] == ["session", "rig", "seq", "t"]
    for field in Frame.__struct_fields__:
        if field in ("tyre_temp_c", "wheel_slip", "ride_height_mm", "brake_temp_c"):
            assert f"{field}_fl" in names and f"{field}_rr" in names
        else:
            assert field in names or f"{field}_fl" in names
    assert names.index("tyre_temp_c_fl") + 3 == names.index("tyre_temp_c_rr")
    assert {"lap", "lap_dist_m", "session"} <= set(names)
    assert len(names) == len(set(names))
    for column in FRAME_COLUMNS:
        if column.channel in TELEMETRY_UNITS:
            assert column.unit == TELEMETRY_UNITS[column.channel]


def test_an_unknown_column_is_refused_by_name():
    assert [c.name for c in select(["speed_kmh", "lap"])] == ["speed_kmh", "lap"]
    with pytest.raises(UnknownColumn, match=r"unknown column\(s\) 'speed', 'tyre_temp_c'; the columns are: session,"):
        select(["speed", "tyre_temp_c"])


def test_csv_reads_back_as_the_stored_frames_row_for_row(stored, exported):
    rows = csv_rows(exported / "frames.csv")
    assert len(rows) == len(stored.frames) > 16_000
    assert {row["session"] for row in rows} == {stored.session_id}
    back = [frame_from_row(row) for row in rows]
    # Frames are equal field by field, floats bit for bit.
    assert back == stored.frames


def test_parquet_reads_back_as_the_stored_frames_row_for_row(stored, exported):
    table = pq.read_table(exported / "frames.parquet")
    assert table.column_names == [c.name for c in FRAME_COLUMNS]
    rows = table.to_pylist()
    assert [frame_from_row(row) for row in rows] == stored.frames
    assert {row["session"] for row in rows} == {stored.session_id}


def test_parquet_has_a_row_group_per_page_and_typed_columns(stored, exported):
    meta = pq.ParquetFile(exported / "frames.parquet").metadata
    assert meta.num_row_groups == math.ceil(len(stored.frames) / PAGE)
    schema = pq.read_schema(exported / "frames.parquet")
    assert str(schema.field("gear").type) == "int64"
    assert str(schema.field("lap_valid").type) == "bool"
    assert str(schema.field("speed_kmh").type) == "double"
    assert str(schema.field("session").type) == "string"


def test_parquet_carries_each_columns_unit_and_the_session(stored, exported):
    schema = pq.read_schema(exported / "frames.parquet")
    for column in FRAME_COLUMNS:
        assert schema.field(column.name).metadata[b"unit"].decode() == column.unit
    assert schema.field("tyre_temp_c_rl").metadata[b"unit"].decode() == "°C"
    assert schema.field("tyre_temp_c_rl").metadata[b"channel"] == b"tyre_temp_c"
    units = json.loads(schema.metadata[b"simcoach.units"])
    assert units == {c.name: c.unit for c in FRAME_COLUMNS}
    session = json.loads(schema.metadata[b"simcoach.session"])
    assert session["id"] == stored.session_id
    assert session["track"] == "Spa-Francorchamps"


def test_channels_the_game_did_not_give_are_null_not_zero(stored, exported):
    # The demo car has no ride height, and no last lap before its first line.
    assert all(f.ride_height_mm is None for f in stored.frames)
    table = pq.read_table(exported / "frames.parquet", columns=["ride_height_mm_fl", "last_lap_s", "lap"])
    assert table.column("ride_height_mm_fl").null_count == len(stored.frames)
    first_lap = [r for r in table.to_pylist() if r["lap"] == 1]
    assert first_lap and all(r["last_lap_s"] is None for r in first_lap)
    rows = csv_rows(exported / "frames.csv")
    assert all(r["ride_height_mm_rr"] is None for r in rows)


def test_duckdb_finds_the_stored_top_speed_in_the_parquet_export(stored, exported):
    con = duckdb.connect()
    try:
        [(top,)] = con.sql(f"SELECT max(speed_kmh) FROM '{exported / 'frames.parquet'}'").fetchall()
        [(frames,)] = con.sql(f"SELECT count(*) FROM '{exported / 'frames.parquet'}'").fetchall()
    finally:
        con.close()
    assert top == max(f.speed_kmh for f in stored.frames if f.speed_kmh is not None)
    assert frames == len(stored.frames)


def test_streamed_csv_and_parquet_are_the_files_the_command_writes(stored, exported):
    store = Store(stored.path).open()
    try:
        session = store.session(stored.session_id)
        schema = frames_schema(FRAME_COLUMNS, session)
        batches = frame_batches(store, session, FRAME_COLUMNS, PAGE)
        first = next(batches)
        assert first.num_rows == PAGE  # one page read, not the session
        csv_parts = list(csv_chunks(schema, frame_batches(store, session, FRAME_COLUMNS, PAGE)))
        parquet_parts = list(parquet_chunks(schema, frame_batches(store, session, FRAME_COLUMNS, PAGE)))
        batches.close()
    finally:
        store.close()
    # A chunk for the header and one per page: what an HTTP response sends as it is read.
    assert len(csv_parts) == 1 + math.ceil(len(stored.frames) / PAGE)
    assert b"".join(csv_parts) == (exported / "frames.csv").read_bytes()
    assert len(parquet_parts) > math.ceil(len(stored.frames) / PAGE)
    streamed = pq.read_table(io.BytesIO(b"".join(parquet_parts)))
    assert streamed.equals(pq.read_table(exported / "frames.parquet"))


def test_a_chosen_set_of_columns_is_exported_in_the_order_asked(stored):
    store = Store(stored.path).open()
    try:
        session = store.session(stored.session_id)
        columns = select(["lap", "lap_dist_m", "speed_kmh", "tyre_temp_c_fr"])
        text = b"".join(csv_chunks(frames_schema(columns, session), frame_batches(store, session, columns))).decode()
    finally:
        store.close()
    lines = text.splitlines()
    assert lines[0] == '"lap","lap_dist_m","speed_kmh","tyre_temp_c_fr"'
    assert len(lines) == 1 + len(stored.frames)
    last = stored.frames[-1]
    assert lines[-1] == f"{last.lap},{last.lap_dist_m!r},{last.speed_kmh!r},{last.tyre_temp_c[1]!r}"


def test_laps_csv_has_a_row_per_lap_with_sectors_as_columns(stored, exported):
    with (exported / "laps.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["lap"]) for r in rows] == [lap["lap"] for lap in stored.laps] == [1, 2]
    for row, lap in zip(rows, stored.laps, strict=True):
        assert row["session"] == stored.session_id
        assert row["lap_id"] == str(lap["id"])
        assert float(row["time_s"]) == lap["time_s"]
        assert [float(row[f"sector_{i}_s"]) for i in (1, 2, 3)] == lap["sectors"]
        assert row["valid"] == "true" and row["clean"] == "true"
        assert row["out_lap"] == "false"
        assert float(row["delta_to_reference_s"]) == lap["delta_to_reference_s"]
        assert float(row["fuel_used_l"]) == lap["fuel_used_l"]
    assert [r["is_best"] for r in rows].count("true") == 1
    laps_parquet = pq.read_table(exported / "laps.parquet").to_pylist()
    assert [r["time_s"] for r in laps_parquet] == [lap["time_s"] for lap in stored.laps]
    assert pq.read_schema(exported / "laps.parquet").field("sector_2_s").metadata[b"unit"] == b"s"


def test_stored_frames_decode_as_the_contract(stored):
    # The export's reference is the store's own bytes: they decode strictly as Frame.
    assert all(isinstance(f, Frame) for f in stored.frames)
    assert msgspec.structs.asdict(stored.frames[0])["rig"] == "demo"
