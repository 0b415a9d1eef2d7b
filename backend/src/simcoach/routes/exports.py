"""A stored session's frames as CSV or Parquet, streamed a page at a time, and its laps as CSV or Parquet."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response, StreamingResponse

from simcoach.deps import StoreDep, WriterDep
from simcoach.exports.columns import UnknownColumn, select
from simcoach.exports.csv import csv_chunks, table_csv
from simcoach.exports.parquet import frames_schema, parquet_chunks, table_bytes
from simcoach.exports.tabular import PAGE_FRAMES, UnknownSession, find_session, frame_batches, laps_table
from simcoach.storage.records import SessionRow
from simcoach.storage.store import Store

router = APIRouter(prefix="/api", tags=["exports"])

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
# What the OpenAPI page shows: the two bodies, and the refusals with their reasons.
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}, "description": "the table"},
    404: {"description": 'no session with that id: `{"detail": "no session \'x\'"}`'},
    422: {"description": "an unknown format or column, or a bad page size, named in `detail`"},
}


async def _stored_session(store: Store, writer: WriterDep, session_id: str) -> SessionRow:
    await writer.flush()  # what the rig sent a moment ago is in the export
    try:
        return await asyncio.to_thread(find_session, store, session_id)
    except UnknownSession as exc:
        raise HTTPException(404, exc.args[0]) from exc


def _format(fmt: str, what: str) -> str:
    if fmt not in MEDIA_TYPES:
        raise HTTPException(422, f"unknown {what} format {fmt!r}; use .csv or .parquet")
    return fmt


def _attachment(session_id: str, name: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", session_id)
    return {"Content-Disposition": f'attachment; filename="{safe}-{name}"'}


@router.get("/sessions/{session_id}/frames.{fmt}", response_class=StreamingResponse, responses=_ANSWERS)
async def session_frames(
    session_id: str,
    fmt: str,
    *,
    store: StoreDep,
    writer: WriterDep,
    columns: Annotated[
        str | None, Query(description="columns to export, comma-separated (default: every column)")
    ] = None,
    page: Annotated[
        int, Query(ge=100, le=100_000, description="frames per CSV chunk or Parquet row group")
    ] = PAGE_FRAMES,
) -> StreamingResponse:
    """Every stored frame of the session, one column per channel (units in docs/exports.md and in the Parquet schema).

    Streamed as it is read from the store: an hour of frames is never held whole.
    """
    _format(fmt, "frames")
    try:
        selected = select([c.strip() for c in columns.split(",") if c.strip()] if columns else None)
    except UnknownColumn as exc:
        raise HTTPException(422, exc.args[0]) from exc
    session = await _stored_session(store, writer, session_id)
    schema = frames_schema(selected, session)
    batches = frame_batches(store, session, selected, page)
    body = csv_chunks(schema, batches) if fmt == "csv" else parquet_chunks(schema, batches)
    # A sync generator: Starlette pulls each chunk in its thread pool, so store reads never block the loop.
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=_attachment(session.id, f"frames.{fmt}"))


@router.get("/sessions/{session_id}/laps.{fmt}", response_class=Response, responses=_ANSWERS)
async def session_laps_table(session_id: str, fmt: str, store: StoreDep, writer: WriterDep) -> Response:
    """The session's laps, one row each: time, sector_1_s.., validity, delta to the reference, fuel used."""
    _format(fmt, "laps")
    session = await _stored_session(store, writer, session_id)
    laps = await asyncio.to_thread(store.laps, session.id)
    table = laps_table(session.id, laps)
    if fmt == "csv":
        body = table_csv(table)
    else:
        body = await asyncio.to_thread(table_bytes, table)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=_attachment(session.id, f"laps.{fmt}"))
