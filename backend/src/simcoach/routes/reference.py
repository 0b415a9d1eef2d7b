"""A rig's reference lap: what the live delta and the corner feedback compare with, and choosing another."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from simcoach.coaching.reference import Plausibility, Reference, RefKey, build_reference, implausible
from simcoach.coaching.trace import LapTrace
from simcoach.deps import CoachDep, StoreDep, WriterDep
from simcoach.storage import records

router = APIRouter(prefix="/api", tags=["coaching"])


class ReferenceChoice(BaseModel):
    """``lap_id`` of a stored lap (from ``GET /api/rigs/{rig}/laps``), or null to go back to the best lap."""

    lap_id: int | None = Field(description="a lap id, or null for the best clean lap (automatic again)")


async def _key_of(coach: CoachDep, store: StoreDep, rig: str) -> RefKey:
    live = coach.rigs.get(rig)
    if live is not None and live.session is not None:
        return live.key
    stored = await asyncio.to_thread(store.last_session, rig)
    if stored is None:
        raise HTTPException(404, f"rig {rig!r} has not driven a session here yet")
    return stored.key


def _describe(key: RefKey) -> str:
    parts = [p for p in (key.driver, key.car, key.track, key.game) if p]
    return ", ".join(parts) or "this rig's session"


@router.get(
    "/rigs/{rig}/reference",
    responses={
        200: {
            "description": (
                "The reference lap; or, before there is one (no valid lap from line to line yet), "
                '`{"reference": null, "reason": "..."}`: a normal state, not an error'
            )
        },
        404: {"description": "the rig has not driven a session here"},
    },
)
async def get_reference(rig: str, coach: CoachDep, store: StoreDep, writer: WriterDep) -> dict[str, Any]:
    """The reference lap: its time, corners, sector starts and traces every 5 m.

    A rig with no reference yet gets 200 and ``{"reference": null, "reason": ...}``
    (a reference lap has an ``id``, this answer does not).
    """
    live = coach.rigs.get(rig)
    if live is not None and live.ref is not None:
        return live.ref.to_json()
    key = await _key_of(coach, store, rig)
    await writer.flush()
    track = coach.tracks.find(key.track or None)
    ref = await asyncio.to_thread(coach.load_reference, key, track)
    if ref is None:
        return {
            "reference": None,
            "reason": f"no reference lap yet for {_describe(key)}: drive a valid lap from line to line",
        }
    return ref.to_json()


@router.put("/rigs/{rig}/reference")
async def put_reference(
    rig: str, choice: ReferenceChoice, coach: CoachDep, store: StoreDep, writer: WriterDep
) -> dict[str, Any]:
    """Use another stored lap as the reference (it stays until changed), or the best lap again with null.

    400 for a lap that cannot be one: not timed from line to line, driven at
    another track, or with a speed change no car of the class can make.
    """
    key = await _key_of(coach, store, rig)
    await writer.flush()
    lap_id = choice.lap_id
    pinned = lap_id is not None
    if lap_id is None:
        lap_id = await asyncio.to_thread(store.best_clean_lap, key)
        if lap_id is None:
            raise HTTPException(404, f"no valid complete lap stored for {_describe(key)} to go back to")
    stored = await asyncio.to_thread(store.load_lap, lap_id)
    if stored is None:
        raise HTTPException(404, f"no lap with id {lap_id}")
    if stored.trace is None:
        raise HTTPException(
            400, f"lap {lap_id} was not timed from line to line without a break: it cannot be a reference"
        )
    if (stored.key.game, stored.key.track) != (key.game, key.track):
        raise HTTPException(
            400,
            f"lap {lap_id} was driven at {stored.key.track or 'an unnamed track'} ({stored.key.game}); "
            f"rig {rig!r} is at {key.track or 'an unnamed track'} ({key.game})",
        )
    live = coach.rigs.get(rig)
    track = live.track if live is not None else coach.tracks.find(key.track or None)
    # The rig's car class bounds what is possible; without the rig here, the loosest bounds (any car).
    limits = live.limits if live is not None and live.key == key else Plausibility.for_session(None)
    trace = await asyncio.to_thread(LapTrace.from_bytes, stored.trace)
    why = await asyncio.to_thread(implausible, trace, limits)
    if why is not None:
        raise HTTPException(400, f"lap {lap_id} cannot be a reference: {why}")
    time_s = float(stored.record["time_s"])
    ref: Reference = await asyncio.to_thread(
        build_reference, lap_id, key, time_s, trace, track, pinned=pinned, limits=limits
    )
    live = coach.rigs.get(rig)
    if live is not None and live.key == key:
        live.use_reference(ref)
    writer.add(records.ReferenceChoice(key, ref.lap_id, pinned))
    await writer.flush()
    return ref.to_json()
