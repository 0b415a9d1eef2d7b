"""Builders for frames and protocol clients used across tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

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


async def next_of_type(ws: ClientConnection, kind: str, timeout: float = 60.0) -> dict[str, Any]:
    """The next dashboard message of the given type, skipping others."""

    async def _wait() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return message

    return await asyncio.wait_for(_wait(), timeout)


async def collect_frames(
    ws_base: str,
    rig: str,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: float | None = None,
    explain: Explain = "",
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Frames and the last session message a dashboard gets for ``rig``, once ``until(frames)`` holds and
    the session has come (a game may give frames a sample or two before it says what it runs)."""
    async with DashboardFeed(ws_base, rig) as feed:
        await feed.until(lambda: until(feed.frames) and feed.sessions, timeout or DEADLINE_S, explain)
        return list(feed.frames), (feed.sessions[-1] if feed.sessions else None)


# Deadlines are ceilings for a machine under load, not the time a step needs: a wait ends as soon as
# its condition holds, so a generous deadline costs nothing when the product works.
DEADLINE_S = 60.0

Explain = Callable[[], str] | str


def _explain(explain: Explain) -> str:
    return explain() if callable(explain) else explain


def wait_until(check: Callable[[], object], timeout: float = DEADLINE_S, explain: Explain = "") -> None:
    """Poll ``check`` until it holds; fail with ``explain`` (a text or a function giving one) at the deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:g} s: {_explain(explain)}")
        time.sleep(0.05)


async def until(check: Callable[[], object], timeout: float = DEADLINE_S, explain: Explain = "") -> None:
    """``wait_until`` for coroutines: polls without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:g} s: {_explain(explain)}")
        await asyncio.sleep(0.02)


class DashboardFeed:
    """A dashboard connection that records everything it gets in the background, for tests to wait on.

    ``async with DashboardFeed(ws, rig) as feed:`` returns once the backend has subscribed the
    dashboard (its first message arrived), so nothing the rig sends afterwards can be missed.
    """

    def __init__(self, ws_base: str, rig: str = "all") -> None:
        self.ws_base = ws_base
        self.rig = rig
        self.messages: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DashboardFeed:
        self._ws = await dashboard(self.ws_base, self.rig)
        self._task = asyncio.create_task(self._listen())
        await until(lambda: self.messages, 30.0, "the dashboard got no first message")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None and self._ws is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._ws.close()

    async def _listen(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                self.messages.append(message)
                if message["type"] == "frames":
                    self.frames.extend(message["frames"])
                elif message["type"] == "session":
                    self.sessions.append(message)
        except ConnectionClosed:
            return

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    async def until(self, check: Callable[[], object], timeout: float = DEADLINE_S, explain: Explain = "") -> None:
        await until(check, timeout, explain)
