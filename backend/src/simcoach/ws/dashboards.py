"""Dashboard WebSocket (/ws): sessions, frames and coaching events of one rig or all, as JSON text.

A dashboard picks its rig with ``?rig=NAME`` (default all) and may switch later
by sending ``{"type": "subscribe", "rig": NAME}``. Sending runs in its own task
so a stalled browser only ever delays itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from simcoach.deps import HubDep
from simcoach.live.hub import ALL, Hub, Subscriber

router = APIRouter()


@router.websocket("/ws")
async def dashboard(ws: WebSocket, hub: HubDep) -> None:
    await ws.accept()
    rig = ws.query_params.get("rig") or ALL
    async with hub.subscribe(rig) as sub:
        sender = asyncio.create_task(_send_loop(ws, sub))
        try:
            await _control_loop(ws, hub, sub)
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await sender


async def _send_loop(ws: WebSocket, sub: Subscriber) -> None:
    while True:
        for text in await sub.next_messages():
            await ws.send_text(text)


async def _control_loop(ws: WebSocket, hub: Hub, sub: Subscriber) -> None:
    while True:
        message = await ws.receive_text()
        try:
            request = json.loads(message)
        except json.JSONDecodeError as exc:
            sub.offer_control(_error(f"not JSON: {exc.msg}"))
            continue
        if isinstance(request, dict) and request.get("type") == "subscribe" and isinstance(request.get("rig"), str):
            hub.resubscribe(sub, request["rig"] or ALL)
        else:
            sub.offer_control(_error('expected {"type": "subscribe", "rig": NAME or "all"}'))


def _error(reason: str) -> bytes:
    return json.dumps({"type": "error", "reason": reason}).encode()
