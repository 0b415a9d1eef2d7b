"""WebSocket client to the backend's /ws/ingest: hello, session, frames; reconnects with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Final

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from simcoach_agent import __version__
from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import decode_server_message, encode, encode_batch
from simcoach_agent.telemetry.messages import Ack, Error, Hello, Welcome
from simcoach_agent.uplink.spool import Spool

log = logging.getLogger(__name__)

POLICY_VIOLATION: Final = 1008
MAX_BATCH: Final = 64
BACKOFF_START_S: Final = 0.5
BACKOFF_MAX_S: Final = 10.0


class RefusedByBackend(RuntimeError):
    """The backend refused this rig (bad token, wrong rig name, protocol): retrying cannot help."""


class Uplink:
    """Delivers spooled frames to the backend, exactly once, across reconnects."""

    def __init__(self, server: str, token: str, rig: str, spool: Spool) -> None:
        self.url = server.rstrip("/") + "/ws/ingest"
        self.token = token
        self.rig = rig
        self.spool = spool
        self.connected = False
        self.acked: int | None = None
        self.reconnects = 0
        self.errors: deque[str] = deque(maxlen=20)
        self._session: SessionInfo | None = None
        self._session_sent = False
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """New frames are in the spool."""
        self._wake.set()

    def set_session(self, session: SessionInfo) -> None:
        self._session = session
        self._session_sent = False
        self._wake.set()

    async def run(self) -> None:
        """Connect, send, and reconnect with backoff until cancelled or refused."""
        backoff = BACKOFF_START_S
        while True:
            try:
                async with connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                    max_size=2**22,
                ) as ws:
                    await self._session_on(ws)
                    backoff = BACKOFF_START_S
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == POLICY_VIOLATION:
                    raise RefusedByBackend(exc.rcvd.reason) from None
                log.warning("connection to %s closed: %s", self.url, exc)
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                log.warning("backend %s unreachable: %s; retrying in %.1f s", self.url, exc, backoff)
            except InvalidURI as exc:
                raise RefusedByBackend(f"bad server address: {exc}") from None
            self.connected = False
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    async def _session_on(self, ws: ClientConnection) -> None:
        await ws.send(encode(Hello(rig=self.rig, agent=f"simcoach-agent {__version__}")))
        welcome = await self._await_welcome(ws)
        self.spool.rewind()
        if welcome.last_seq is not None:
            self.spool.ack(welcome.last_seq)
        self.connected = True
        self._session_sent = False
        log.info("connected to %s as rig %r (backend holds up to seq %s)", self.url, self.rig, welcome.last_seq)
        reader = asyncio.create_task(self._read(ws))
        try:
            await self._send_loop(ws, reader)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader

    async def _await_welcome(self, ws: ClientConnection) -> Welcome:
        while True:
            message = self._decode(await ws.recv(decode=False))
            if isinstance(message, Welcome):
                return message

    async def _send_loop(self, ws: ClientConnection, reader: asyncio.Task[None]) -> None:
        while not reader.done():
            if not self._session_sent and self._session is not None:
                await ws.send(encode(self._session))
                self._session_sent = True
            batch = self.spool.take(MAX_BATCH)
            if not batch:
                self._wake.clear()
                waiter = asyncio.create_task(self._wake.wait())
                await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                continue
            await ws.send(batch[0][1] if len(batch) == 1 else encode_batch([item[1] for item in batch]))
        reader.result()  # re-raise how the connection ended

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            message = self._decode(raw if isinstance(raw, bytes) else raw.encode())
            if isinstance(message, Ack):
                self.acked = message.seq
                self.spool.ack(message.seq)

    def _decode(self, raw: bytes) -> Welcome | Ack | Error | None:
        try:
            message = decode_server_message(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("unreadable message from backend: %s", exc)
            return None
        if isinstance(message, Error):
            detail = f"seq {message.seq}: " if message.seq is not None else ""
            self.errors.append(detail + message.reason)
            log.warning("backend refused %s%s", detail, message.reason)
        return message
