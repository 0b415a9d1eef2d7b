"""The export endpoints of a real backend over a stored demo session: streamed CSV and Parquet, laps, and refusals."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

import httpx
import pyarrow.parquet as pq
import pytest

from tests.backend.exports.stored import Stored, frame_from_row, parse_value, record
from tests.conftest import Backend, start_backend

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Backend, Stored]]:
    stored = record(tmp_path_factory.mktemp("data"))
    server = start_backend(tmp_path_factory.mktemp("backend"), env={"SIMCOACH_DATA_DIR": str(stored.data_dir)})
    yield server, stored
    server.stop()


def get(server: Backend, path: str, **params: str | int) -> httpx.Response:
    return httpx.get(f"{server.http}{path}", params=params, headers=server.headers, timeout=60)


def test_frames_csv_streams_every_stored_frame(served):
    server, stored = served
    url = f"{server.http}/api/sessions/{stored.session_id}/frames.csv"
    with httpx.stream("GET", url, params={"page": 1000}, headers=server.headers, timeout=60) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        # Streamed as it is read: no length known up front.
        assert "content-length" not in answer.headers
        assert answer.headers["transfer-encoding"] == "chunked"
        assert answer.headers["content-disposition"] == f'attachment; filename="{stored.session_id}-frames.csv"'
        body = answer.read()
    rows = [{k: parse_value(k, v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(body.decode()))]
    assert [frame_from_row(r) for r in rows] == stored.frames


def test_frames_parquet_streams_a_row_group_per_page(served):
    server, stored = served
    url = f"{server.http}/api/sessions/{stored.session_id}/frames.parquet"
    with httpx.stream("GET", url, params={"page": 2000}, headers=server.headers, timeout=60) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/vnd.apache.parquet"
        assert "content-length" not in answer.headers
        body = answer.read()
    parquet = pq.ParquetFile(io.BytesIO(body))
    assert parquet.metadata.num_row_groups == math.ceil(len(stored.frames) / 2000)
    table = parquet.read()
    assert [frame_from_row(r) for r in table.to_pylist()] == stored.frames
    assert table.schema.field("speed_kmh").metadata[b"unit"] == b"km/h"
    assert b"simcoach.units" in table.schema.metadata


def test_frames_with_chosen_columns(served):
    server, stored = served
    answer = get(server, f"/api/sessions/{stored.session_id}/frames.csv", columns="lap,speed_kmh")
    assert answer.status_code == 200
    lines = answer.text.splitlines()
    assert lines[0] == '"lap","speed_kmh"'
    assert lines[1] == f"{stored.frames[0].lap},{stored.frames[0].speed_kmh!r}"
    assert len(lines) == 1 + len(stored.frames)


def test_laps_csv_has_the_sessions_laps(served):
    server, stored = served
    answer = get(server, f"/api/sessions/{stored.session_id}/laps.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(int(r["lap"]), float(r["time_s"])) for r in rows] == [(lap["lap"], lap["time_s"]) for lap in stored.laps]
    assert [float(rows[0][f"sector_{i}_s"]) for i in (1, 2, 3)] == stored.laps[0]["sectors"]
    parquet = get(server, f"/api/sessions/{stored.session_id}/laps.parquet")
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(parquet.content)).column("lap").to_pylist() == [1, 2]


@pytest.mark.parametrize("path", ["frames.csv", "frames.parquet", "laps.csv"])
def test_an_unknown_session_is_404_with_its_id(served, path):
    server, _ = served
    answer = get(server, f"/api/sessions/no-such-session/{path}")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "no session 'no-such-session'"}


def test_bad_formats_and_parameters_are_422_with_the_reason(served):
    server, stored = served
    base = f"/api/sessions/{stored.session_id}"
    answer = get(server, f"{base}/frames.xlsx")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "unknown frames format 'xlsx'; use .csv or .parquet"
    answer = get(server, f"{base}/laps.json")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "unknown laps format 'json'; use .csv or .parquet"
    answer = get(server, f"{base}/frames.csv", columns="speed_kmh,speed")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("unknown column(s) 'speed'; the columns are: session, rig, seq, t,")
    for page in ("0", "1000000", "many"):
        answer = get(server, f"{base}/frames.parquet", page=page)
        assert answer.status_code == 422, page
        (problem,) = answer.json()["detail"]
        assert problem["loc"] == ["query", "page"], problem


def test_the_api_documents_the_exports_and_their_refusals(served):
    server, _ = served
    paths = get(server, "/openapi.json").json()["paths"]
    for path in ("/api/sessions/{session_id}/frames.{fmt}", "/api/sessions/{session_id}/laps.{fmt}"):
        responses = paths[path]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
        assert "application/vnd.apache.parquet" in responses["200"]["content"]
    parameters = {p["name"] for p in paths["/api/sessions/{session_id}/frames.{fmt}"]["get"]["parameters"]}
    assert parameters == {"session_id", "fmt", "columns", "page"}
