"""WebSocket client to the backend's /ws/ingest: hello, session, frames; reconnects with backoff.

Threads, not asyncio: on a rig the agent wakes 60 times a second, and a plain
sleeping thread wakes for a third of the CPU an event loop needs. The
sampler's thread sends (``pump``); one background thread connects, reads
acknowledgements and reconnects. Only the sampler's thread touches the spool:
the connection thread hands it the welcome and the acks through plain
attributes, which the sampler applies before it sends.

Flow control: at most ``MAX_IN_FLIGHT`` frames are sent and not yet
acknowledged. A backend whose store falls behind stops reading (and so stops
acknowledging); the agent then stops sending, instead of blocking its sampler
in a send, and the spool keeps everything until acks come again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Final

import msgspec
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from simcoach_agent import __version__
from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import decode_server_message, encode, encode_batch
from simcoach_agent.telemetry.messages import Ack, Error, Hello, Welcome
from simcoach_agent.uplink.spool import Spool

log = logging.getLogger(__name__)

POLICY_VIOLATION: Final = 1008
MAX_BATCH: Final = 64
MAX_BATCHES_PER_PUMP: Final = 16
# About a minute at 60 Hz, a few MB on the wire; enough for tens of thousands of
# frames a second with acks every 0.1 s.
MAX_IN_FLIGHT: Final = 8192
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
        self.refused: str | None = None
        self._session: SessionInfo | None = None
        self._session_sent = False
        self._ws: ClientConnection | None = None
        # Set by the connection thread, applied to the spool by the sampler's thread.
        self._welcome: Welcome | None = None
        self._applied_ack: int | None = None
        # (newest seq, frames) of each message sent on this connection and not acknowledged yet.
        self._in_flight: deque[tuple[int, int]] = deque()
        self.in_flight = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simcoach-uplink", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.close()
        self._thread.join(timeout=5)

    def set_session(self, session: SessionInfo) -> None:
        self._session = session
        self._session_sent = False

    # --- the sampler's thread ---------------------------------------------
    def pump(self) -> None:
        """Send what is waiting in the spool, if connected; called by the sampler after each sample.

        A backlog after an outage goes out in up to ``MAX_BATCHES_PER_PUMP``
        batches a sample, so an hour of frames drains in about a minute.
        """
        welcome = self._welcome
        if welcome is not None:
            self._welcome = None
            self.spool.rewind()
            self._in_flight.clear()
            self.in_flight = 0
            if welcome.last_seq is not None:
                self.spool.ack(welcome.last_seq)
            self._session_sent = False
        acked = self.acked
        if acked is not None and acked != self._applied_ack:
            self.spool.ack(acked)
            self._applied_ack = acked
            in_flight = self._in_flight
            while in_flight and in_flight[0][0] <= acked:
                self.in_flight -= in_flight.popleft()[1]
        ws = self._ws
        if ws is None or self._welcome is not None:
            return
        try:
            if not self._session_sent and self._session is not None:
                ws.send(encode(self._session))
                self._session_sent = True
            for _ in range(MAX_BATCHES_PER_PUMP):
                room = MAX_IN_FLIGHT - self.in_flight
                if room <= 0:
                    break  # wait for acks: the backend is behind
                batch = self.spool.take(min(MAX_BATCH, room))
                if not batch:
                    break
                self._in_flight.append((batch[-1][0], len(batch)))
                self.in_flight += len(batch)
                ws.send(batch[0][1] if len(batch) == 1 else encode_batch([item[1] for item in batch]))
        except (ConnectionClosed, OSError):
            pass  # the connection thread sees the close and reconnects; the spool sends these frames again

    # --- the connection thread --------------------------------------------
    def _run(self) -> None:
        backoff = BACKOFF_START_S
        while not self._stop.is_set():
            try:
                with connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                    max_size=2**22,
                    compression=None,
                    proxy=None,
                ) as ws:
                    self._attach(ws)
                    backoff = BACKOFF_START_S
                    try:
                        self._read(ws)
                    finally:
                        self._ws = None
                        self.connected = False
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == POLICY_VIOLATION:
                    self.refused = exc.rcvd.reason
                    return
                log.warning("connection to %s closed: %s", self.url, exc)
            except InvalidURI as exc:
                self.refused = f"bad server address: {exc}"
                return
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                log.warning("backend %s unreachable: %s; retrying in %.1f s", self.url, exc, backoff)
            if self._stop.is_set():
                return
            self.reconnects += 1
            self._stop.wait(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _attach(self, ws: ClientConnection) -> None:
        ws.send(encode(Hello(rig=self.rig, agent=f"simcoach-agent {__version__}")))
        while True:
            message = self._decode(ws.recv(decode=False))
            if isinstance(message, Welcome):
                break
        self._welcome = message
        self._ws = ws
        self.connected = True
        log.info("connected to %s as rig %r (backend holds up to seq %s)", self.url, self.rig, message.last_seq)

    def _read(self, ws: ClientConnection) -> None:
        for raw in ws:
            message = self._decode(raw if isinstance(raw, bytes) else raw.encode())
            if isinstance(message, Ack):
                self.acked = message.seq

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
