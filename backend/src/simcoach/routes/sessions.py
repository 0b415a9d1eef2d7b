"""Stored sessions, their laps, a lap's trace by distance, and two laps compared: what the sessions page reads."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from simcoach.analysis.session import AnalysisError, analyse_session
from simcoach.coaching.compare import compare_json, trace_json
from simcoach.coaching.trace import LapTrace
from simcoach.deps import CoachDep, StoreDep, WriterDep
from simcoach.storage.records import StoredLap
from simcoach.storage.store import SessionFilter, Store

router = APIRouter(prefix="/api", tags=["sessions"])

Step = Annotated[float, Query(ge=1, le=100, description="metres between points")]


@router.get("/sessions")
async def list_sessions(
    *,
    store: StoreDep,
    writer: WriterDep,
    rig: str | None = None,
    driver: str | None = None,
    track: str | None = None,
    car: str | None = None,
    game: str | None = None,
    from_: Annotated[
        datetime | None, Query(alias="from", description="sessions started at or after (ISO 8601 or Unix s)")
    ] = None,
    to: Annotated[datetime | None, Query(description="sessions started before (ISO 8601 or Unix s)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Sessions newest first, filtered by what was driven and when, a page at a time (``total`` counts them all)."""
    since = from_.timestamp() if from_ is not None else None
    until = to.timestamp() if to is not None else None
    if since is not None and until is not None and until < since:
        raise HTTPException(422, "'to' is before 'from'")
    await writer.flush()
    where = SessionFilter(rig=rig, driver=driver, track=track, car=car, game=game, since=since, until=until)
    found, total = await asyncio.to_thread(store.sessions, where, limit, offset)
    return {"sessions": [s.to_json() for s in found], "total": total, "limit": limit, "offset": offset}


async def _session(store: Store, session_id: str) -> dict[str, Any]:
    found = await asyncio.to_thread(store.session, session_id)
    if found is None:
        raise HTTPException(404, f"no session {session_id!r}")
    return found.to_json()


@router.get("/sessions/{session_id}")
async def get_session(session_id: str, store: StoreDep, writer: WriterDep) -> dict[str, Any]:
    """One session: rig, driver, game, track, car, start and end, frames, lap count and best lap."""
    await writer.flush()
    return await _session(store, session_id)


@router.get("/sessions/{session_id}/laps")
async def session_laps(session_id: str, store: StoreDep, writer: WriterDep) -> list[dict[str, Any]]:
    """A session's laps in the order they finished, with sectors, validity and per-corner numbers."""
    await writer.flush()
    await _session(store, session_id)
    return await asyncio.to_thread(store.laps, session_id)


@router.get("/sessions/{session_id}/analysis")
async def session_analysis(
    session_id: str,
    store: StoreDep,
    writer: WriterDep,
    coach: CoachDep,
    reference: Annotated[
        int | None, Query(description="a lap id to measure against (default: the car and track's reference lap)")
    ] = None,
) -> dict[str, Any]:
    """The session studied: laps with delta to its best, theoretical best, consistency, every corner of every lap
    against the reference, and its coaching events."""
    await writer.flush()
    try:
        found = await asyncio.to_thread(analyse_session, store, session_id, coach.tracks, reference)
    except AnalysisError as exc:
        raise HTTPException(422, str(exc)) from exc
    if found is None:
        raise HTTPException(404, f"no session {session_id!r}")
    reported = await asyncio.to_thread(store.reported, [session_id])
    # Relative to the page, as every URL the pages use: it works behind a path prefix too.
    url = f"api/sessions/{session_id}/report"
    return {**found.to_json(), "report": {"url": url, "created": reported[session_id]} if reported else None}


async def _lap(store: Store, lap_id: int) -> StoredLap:
    found = await asyncio.to_thread(store.load_lap, lap_id)
    if found is None:
        raise HTTPException(404, f"no lap {lap_id}")
    return found


async def _trace(store: Store, lap_id: int) -> LapTrace:
    lap = await _lap(store, lap_id)
    if lap.trace is None:
        raise HTTPException(
            404, f"lap {lap_id} has no trace: it was not driven from line to line without a break in the frames"
        )
    return await asyncio.to_thread(LapTrace.from_bytes, lap.trace)


@router.get("/laps/{lap_id}")
async def get_lap(lap_id: int, store: StoreDep, writer: WriterDep) -> dict[str, Any]:
    """One lap: its time, sectors, validity, corners, session and whether it has a trace."""
    await writer.flush()
    lap = await _lap(store, lap_id)
    return {**lap.record, "has_trace": lap.trace is not None}


@router.get("/laps/{lap_id}/trace")
async def lap_trace(lap_id: int, store: StoreDep, writer: WriterDep, step_m: Step = 5.0) -> dict[str, Any]:
    """The lap by distance: time since the line and each channel every ``step_m`` metres."""
    await writer.flush()
    trace = await _trace(store, lap_id)
    return {"lap_id": lap_id, **await asyncio.to_thread(trace_json, trace, step_m)}


@router.get("/compare")
async def compare(
    store: StoreDep,
    writer: WriterDep,
    a: Annotated[int, Query(description="a lap id: the base")],
    b: Annotated[int, Query(description="a lap id: compared with a")],
    step_m: Step = 5.0,
) -> dict[str, Any]:
    """Laps ``a`` and ``b`` on one distance grid, and ``delta_s``: b's time minus a's at each point."""
    await writer.flush()
    trace_a, trace_b = await _trace(store, a), await _trace(store, b)
    laps = await _lap(store, a), await _lap(store, b)
    if laps[0].key.track != laps[1].key.track:
        raise HTTPException(
            422,
            f"lap {a} was driven at {laps[0].key.track or 'an unnamed track'}, "
            f"lap {b} at {laps[1].key.track or 'an unnamed track'}",
        )
    out = await asyncio.to_thread(compare_json, trace_a, trace_b, step_m)
    if out is None:
        raise HTTPException(422, f"laps {a} and {b} share no stretch of track")
    return {"lap_a": laps[0].record, "lap_b": laps[1].record, **out}
