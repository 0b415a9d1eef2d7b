"""Rig ingest WebSocket (/ws/ingest): authenticate, take frames, acknowledge, fan out.

The receive loop never awaits a dashboard: it validates, updates the rig's
state and publishes. It awaits storage only when the writer is full: then it
stops reading this rig's socket until there is room (backpressure: TCP holds
the rig back and its spool keeps the frames), rather than drop a frame.
Acknowledgements go out on a timer, for what is stored only, so that a rig at
hundreds of frames a second does not get one message back per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from simcoach import __version__
from simcoach.deps import HubDep, SettingsDep
from simcoach.live.hub import Hub
from simcoach.live.rigs import RigState
from simcoach.settings import Settings
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import Incoming, decode_rig_message, encode
from simcoach_agent.telemetry.frame import PROTOCOL_VERSION
from simcoach_agent.telemetry.messages import Ack, Error, Welcome

log = logging.getLogger(__name__)
router = APIRouter()

POLICY_VIOLATION: Final = 1008
REPLACED: Final = 4000


def _bearer(ws: WebSocket) -> str | None:
    header = ws.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _refuse(ws: WebSocket, reason: str) -> None:
    # Accept first: a close before accept becomes a bare HTTP 403 and the rig
    # would never see the reason.
    await ws.accept()
    await ws.close(code=POLICY_VIOLATION, reason=reason)


@router.websocket("/ws/ingest")
async def ingest(ws: WebSocket, hub: HubDep, settings: SettingsDep) -> None:
    token = _bearer(ws)
    if token is None:
        await _refuse(ws, "missing bearer token: send 'Authorization: Bearer <rig token>'")
        return
    rig = settings.rig_for_token(token)
    if rig is None:
        await _refuse(ws, "unknown rig token")
        return
    await ws.accept()
    try:
        hello = await _await_hello(ws, rig)
    except WebSocketDisconnect:
        return
    if hello is None:
        return
    await _run(ws, hub, rig, settings)


async def _await_hello(ws: WebSocket, rig: str) -> str | None:
    """Read messages until a hello; refuse one naming another rig or another protocol."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("bytes") if message.get("bytes") is not None else message.get("text")
        if data is None:
            continue
        incoming = _decode(data)
        if incoming.hello is None:
            reason = incoming.errors[0].reason if incoming.errors else "expected a hello message first"
            await ws.send_bytes(encode(Error(reason=reason)))
            continue
        if incoming.hello.rig != rig:
            await ws.close(POLICY_VIOLATION, f"this token is for rig {rig!r}, not {incoming.hello.rig!r}")
            return None
        if incoming.hello.protocol != PROTOCOL_VERSION:
            await ws.close(
                POLICY_VIOLATION,
                f"protocol {incoming.hello.protocol} not supported; this backend speaks {PROTOCOL_VERSION}",
            )
            return None
        return rig


async def _run(ws: WebSocket, hub: Hub, rig: str, settings: Settings) -> None:
    state = hub.rig(rig)
    previous = state.owner
    if isinstance(previous, WebSocket) and previous.client_state == WebSocketState.CONNECTED:
        # A rig that reconnects before its old socket timed out takes over.
        with contextlib.suppress(RuntimeError, OSError):
            await previous.close(REPLACED, "replaced by a newer connection of the same rig")
    state.owner = ws
    hub.rig_connected(rig)
    welcomed = state.durable_seq
    await ws.send_bytes(encode(Welcome(rig=rig, last_seq=welcomed, server=f"simcoach {__version__}")))
    # Acks count from what the welcome said: whatever became durable since is acknowledged too.
    acker = asyncio.create_task(_ack_loop(ws, state, settings.ack_interval_s, welcomed))
    try:
        await _receive_loop(
            ws,
            hub,
            state,
            Limits(settings.ingest_max_message_bytes, settings.ingest_max_hz),
        )
    except WebSocketDisconnect:
        pass
    finally:
        acker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await acker
        if state.owner is ws:
            state.owner = None
            hub.rig_disconnected(rig)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one rig may send: SIMCOACH_INGEST_MAX_MESSAGE_BYTES and SIMCOACH_INGEST_MAX_HZ (0: no limit)."""

    max_bytes: int
    max_hz: float


async def _receive_loop(ws: WebSocket, hub: Hub, state: RigState, limits: Limits) -> None:
    receive = ws.receive
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            data = message.get("text")
            if data is None:
                continue
        size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
        if size > limits.max_bytes:
            state.errors += 1
            reason = f"message of {size} bytes refused: over SIMCOACH_INGEST_MAX_MESSAGE_BYTES ({limits.max_bytes})"
            log.info("rig %s: %s", state.name, reason)
            await ws.send_bytes(encode(Error(reason=reason)))
            continue
        incoming = _decode(data)
        errors = incoming.errors
        if incoming.session is not None:
            hub.set_session(state.name, incoming.session)
        if incoming.frames:
            frames = incoming.frames
            if any(f.rig != state.name for f in frames):
                for f in frames:
                    if f.rig != state.name:
                        errors.append(
                            Error(seq=f.seq, reason=f"frame for rig {f.rig!r} on the connection of {state.name!r}")
                        )
                frames = [f for f in frames if f.rig == state.name]
            frames = hub.drop_duplicates(state, frames)
            if limits.max_hz:
                frames = _within_rate(state, frames, limits.max_hz, errors)
            if frames and not hub.storage_has_room(len(frames)):
                await hub.wait_for_storage(len(frames))
            hub.publish_frames(state, frames)
        if incoming.hello is not None:
            errors.append(Error(reason="hello was already received on this connection"))
        if errors:
            state.errors += len(errors)
            for error in errors:
                log.info("rig %s: refused %s", state.name, error.reason)
                await ws.send_bytes(encode(error))


def _within_rate(state: RigState, frames: list[Frame], max_hz: float, errors: list[Error]) -> list[Frame]:
    """The frames within ``max_hz`` a second of the rig's own clock; the others refused with the reason.

    A token bucket on the rig's clock, not on arrival: it holds a second's worth
    of frames and refills at ``max_hz`` per second of frame time. A backlog resent
    after an outage arrives all at once and passes (its frames are spread over the
    time they were sampled in); so does an agent catching up a few late samples
    in a burst. A rig sampling faster than the limit for longer does not.
    """
    tokens, last = state.rate_tokens, state.rate_t
    kept: list[Frame] = []
    refused: list[Frame] = []
    for frame in frames:
        if last is None:
            tokens = max_hz
        elif frame.t > last:
            tokens = min(max_hz, tokens + (frame.t - last) * max_hz)
        last = frame.t if last is None else max(last, frame.t)
        if tokens >= 1.0:
            tokens -= 1.0
            kept.append(frame)
        else:
            refused.append(frame)
    state.rate_tokens, state.rate_t = tokens, last
    if refused:
        errors.append(
            Error(
                seq=refused[0].seq,
                reason=f"{len(refused)} frame(s) refused: over SIMCOACH_INGEST_MAX_HZ ({max_hz:g} frames "
                "a second of the rig's clock)",
            )
        )
    return kept


def _decode(data: bytes | str) -> Incoming:
    """Decode one rig message; never raises, so that no input ends the connection."""
    try:
        return decode_rig_message(data)
    except RecursionError:
        # msgspec gives up on input nested thousands deep (found by bench/fuzz_ingest.py).
        return Incoming(errors=[Error(reason="not a protocol message: nested too deeply to decode")])


async def _ack_loop(ws: WebSocket, state: RigState, interval: float, acked: int | None) -> None:
    """Acknowledge what is stored as soon as it is, at most once per ``interval``.

    At once rather than on the next tick of a timer: a rig keeps a bounded
    number of frames in flight, so the time to an ack bounds its throughput.
    """
    while True:
        if state.durable_seq == acked:
            await state.durable_moved()
        seq = state.durable_seq
        if seq is not None and seq != acked:
            await ws.send_bytes(encode(Ack(seq=seq)))
            acked = seq
        await asyncio.sleep(interval)
