"""Builders for frames and protocol clients used across tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from simcoach_agent.telemetry import Frame, blank_frame
from simcoach_agent.telemetry.codec import decode_server_message, encode
from simcoach_agent.telemetry.messages import Hello, Welcome


def make_frame(rig: str, seq: int, **channels: Any) -> Frame:
    """A plausible frame; channels override the defaults."""
    frame = blank_frame(rig, seq, 1_700_000_000.0 + seq / 60)
    values: dict[str, Any] = {
        "speed_kmh": 200.0 + seq % 50,
        "rpm": 6500.0,
        "max_rpm": 7200.0,
        "gear": 5,
        "throttle": 1.0,
        "brake": 0.0,
        "lap": 1,
        "lap_time_s": seq / 60,
        "tyre_temp_c": (80.0, 81.0, 78.0, 79.0),
    }
    values.update(channels)
    return msgspec.structs.replace(frame, **values)


def frame_dict(rig: str, seq: int, **channels: Any) -> dict[str, Any]:
    return json.loads(msgspec.json.encode(make_frame(rig, seq, **channels)))


async def rig_connection(ws_base: str, rig: str, token: str) -> tuple[ClientConnection, Welcome]:
    """Open an ingest connection, say hello, and return it with the backend's welcome."""
    ws = await connect(f"{ws_base}/ws/ingest", additional_headers={"Authorization": f"Bearer {token}"})
    await ws.send(encode(Hello(rig=rig)))
    welcome = decode_server_message(await ws.recv(decode=False))
    assert isinstance(welcome, Welcome)
    return ws, welcome


async def dashboard(ws_base: str, rig: str = "all") -> ClientConnection:
    return await connect(f"{ws_base}/ws?rig={rig}", max_size=2**24)


async def next_of_type(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next dashboard message of the given type, skipping others."""

    async def _wait() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return message

    return await asyncio.wait_for(_wait(), timeout)


async def collect_frames(
    ws_base: str, rig: str, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Frames (and the last session message) a dashboard gets for ``rig`` until ``until(frames)`` holds."""
    frames: list[dict[str, Any]] = []
    session: dict[str, Any] | None = None
    async with await dashboard(ws_base, rig) as ws:

        async def _run() -> None:
            nonlocal session
            while not until(frames):
                message = json.loads(await ws.recv())
                if message["type"] == "frames":
                    frames.extend(message["frames"])
                elif message["type"] == "session":
                    session = message

        await asyncio.wait_for(_run(), timeout)
    return frames, session
