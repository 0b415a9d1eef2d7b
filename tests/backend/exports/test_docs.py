"""docs/exports.md: every snippet runs against a real export and finds what the store holds; so does its table."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from simcoach.exports.columns import FRAME_COLUMNS
from tests.conftest import REPO

DOC = (REPO / "docs" / "exports.md").read_text()


def snippets(heading: str) -> list[str]:
    """The python code blocks of the doc's section ``### heading``."""
    section = DOC.split(f"\n### {heading}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run(code: str, folder, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(folder)
    namespace: dict = {}
    exec(compile(code, "docs/exports.md", "exec"), namespace)
    return namespace


def test_every_python_block_of_the_doc_is_in_a_tested_section():
    tested = sum(len(snippets(h)) for h in ("pandas", "polars", "DuckDB", "NumPy: the dataset"))
    assert tested == DOC.count("```python") == 5


def test_pandas_snippets(stored, exported, monkeypatch):
    csv_block, parquet_block = snippets("pandas")
    ns = run(csv_block, exported, monkeypatch)
    assert len(ns["frames"]) == len(stored.frames)
    top = {n: max(f.speed_kmh for f in stored.frames if f.lap == n) for n in (1, 2)}
    assert ns["per_lap"]["top_speed_kmh"].to_dict() == top
    assert ns["per_lap"]["time_s"].to_dict() == {lap["lap"]: lap["time_s"] for lap in stored.laps}
    ns = run(parquet_block, exported, monkeypatch)
    assert list(ns["frames"].columns) == ["lap", "lap_dist_m", "speed_kmh", "throttle", "brake"]
    assert ns["units"] == {c.name: c.unit for c in FRAME_COLUMNS}


def test_polars_snippet(stored, exported, monkeypatch):
    (block,) = snippets("polars")
    ns = run(block, exported, monkeypatch)
    assert ns["frames"].height == len(stored.frames)
    assert str(ns["frames"].schema["last_lap_s"]) == "Float64"
    braking = ns["braking"].to_dicts()
    for row in braking:
        hard = [f for f in stored.frames if f.lap == row["lap"] and f.brake is not None and f.brake > 0.5]
        assert row["frames"] == len(hard)
        assert row["top_braking_speed_kmh"] == max(f.speed_kmh for f in hard)


def test_duckdb_snippet(stored, exported, monkeypatch):
    (block,) = snippets("DuckDB")
    ns = run(block, exported, monkeypatch)
    top = max(f.speed_kmh for f in stored.frames if f.speed_kmh is not None)
    assert ns["top_speed_kmh"] == top == ns["csv_top_speed_kmh"]
    assert [row[:2] for row in ns["per_lap"]] == [(lap["lap"], lap["time_s"]) for lap in stored.laps]
    assert json.loads(ns["units_json"])["brake_temp_c_fl"] == "°C"


def test_numpy_snippet(stored, exported, monkeypatch):
    (block,) = snippets("NumPy: the dataset")
    ns = run(block, exported, monkeypatch)
    expected = np.array([f.speed_kmh for f in stored.frames if f.lap in (1, 2)])
    np.testing.assert_allclose(ns["speed_kmh"], expected, rtol=1e-5)
    assert ns["x"].shape[0] == ns["y"].shape[0] == len(ns["laps_of_sequences"]) > 0


def test_the_column_table_lists_every_column_with_its_type_and_unit():
    table = DOC.split("| column | type | unit |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, tuple[str, str]] = {}
    for line in table.strip().splitlines()[1:]:
        names, kind, unit = (cell.strip() for cell in line.strip("|").split("|"))
        first, *suffixes = re.findall(r"`([^`]+)`", names)
        documented[first] = (kind, unit)
        stem = first.removesuffix("_fl")
        for suffix in suffixes:
            documented[stem + suffix] = (kind, unit)
    assert documented == {c.name: (c.kind, c.unit) for c in FRAME_COLUMNS}
