"""Laps of a rig's current session, with their sectors and per-corner numbers."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException

from simcoach.deps import CoachDep, StoreDep, WriterDep

router = APIRouter(prefix="/api", tags=["coaching"])


async def session_of(coach: CoachDep, store: StoreDep, rig: str) -> str:
    """The rig's current session, or the last one stored (after a restart, before the rig is back)."""
    live = coach.rigs.get(rig)
    if live is not None and live.session_id:
        return live.session_id
    stored = await asyncio.to_thread(store.last_session, rig)
    if stored is None:
        raise HTTPException(404, f"rig {rig!r} has not driven a session here yet")
    return stored.id


@router.get("/rigs/{rig}/laps")
async def rig_laps(rig: str, coach: CoachDep, store: StoreDep, writer: WriterDep) -> list[dict[str, Any]]:
    """Every lap timed from line to line in the rig's current session, oldest first (``id`` picks a reference)."""
    session_id = await session_of(coach, store, rig)
    await writer.flush()
    return await asyncio.to_thread(store.laps, session_id)
