"""The latest coaching events of a rig, as they were sent to its dashboards."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from simcoach.deps import StoreDep, WriterDep

router = APIRouter(prefix="/api", tags=["coaching"])


@router.get("/rigs/{rig}/events")
async def rig_events(
    rig: str,
    store: StoreDep,
    writer: WriterDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="how many of the newest events")] = 50,
) -> list[dict[str, Any]]:
    """The newest ``limit`` events of the rig (all its sessions), oldest first."""
    await writer.flush()
    return await asyncio.to_thread(store.events, rig, limit)
