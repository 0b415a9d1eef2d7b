"""A real rig connection driven from a test: frames at 60 Hz with channels the test sets, or a demo car."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import msgspec

from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_batch
from tests.conftest import TOKENS
from tests.helpers import make_frame, rig_connection


class LiveRig:
    """An ingest connection in its own thread and event loop, sending what the test asks for.

    Without a ``source`` it sends ``make_frame`` frames with the channels last given to ``set``;
    with one (an iterator of frames, e.g. a demo car) it first sends ``fast_forward`` frames of it
    as fast as the backend takes them, then the rest in real time.
    """

    def __init__(
        self,
        ws_base: str,
        rig: str,
        session: SessionInfo,
        *,
        source: Iterator[Frame] | None = None,
        fast_forward: int = 0,
        rate_hz: float = 60.0,
    ) -> None:
        self.ws_base = ws_base
        self.rig = rig
        self.session = session
        self.source = source
        self.fast_forward = fast_forward
        self.period = 1.0 / rate_hz
        self.channels: dict[str, Any] = {}
        self.sent = 0
        self.error: BaseException | None = None
        self.fast_forwarded = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"rig-{rig}", daemon=True)

    def __enter__(self) -> LiveRig:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        if self.error is not None and exc[0] is None:
            raise AssertionError(f"rig {self.rig} failed: {self.error!r}") from self.error

    def set(self, **channels: Any) -> None:
        with self._lock:
            self.channels.update(channels)

    def _next(self, seq: int) -> Frame:
        if self.source is not None:
            return msgspec.structs.replace(next(self.source), seq=seq)
        with self._lock:
            channels = dict(self.channels)
        frame = make_frame(self.rig, seq, **channels)
        return msgspec.structs.replace(frame, t=time.time())

    def _run(self) -> None:
        try:
            asyncio.run(self._send())
        except BaseException as exc:  # reported by __exit__, not lost in the thread
            self.error = exc

    async def _send(self) -> None:
        ws, welcome = await rig_connection(self.ws_base, self.rig, TOKENS[self.rig])
        # The backend's acks and errors are not this rig's business, but must be read off the socket.
        drain = asyncio.create_task(_drain(ws))
        try:
            await ws.send(encode(self.session))
            seq = (welcome.last_seq or 0) + 1
            batch: list[bytes] = []
            for _ in range(self.fast_forward):
                batch.append(encode(self._next(seq)))
                seq += 1
                if len(batch) == 200:
                    await ws.send(encode_batch(batch))
                    self.sent += len(batch)
                    batch = []
            if batch:
                await ws.send(encode_batch(batch))
                self.sent += len(batch)
            self.fast_forwarded.set()
            next_at = time.monotonic()
            while not self._stop.is_set():
                await ws.send(encode(self._next(seq)))
                self.sent += 1
                seq += 1
                next_at += self.period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain
            await ws.close()


async def _drain(ws: Any) -> None:
    async for _ in ws:
        pass


def demo_frames(rig: str, mistakes: str, seed: int, t0: float, rate_hz: float = 60.0) -> Iterator[Frame]:
    """The demo car's frames, timed from ``t0`` in simulated seconds."""
    from simcoach_agent.games.demo import DemoCar, parse_mistakes

    car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver="Test Driver")
    dt = 1.0 / rate_hz
    seq = 0
    while True:
        car.step(dt)
        seq += 1
        yield car.frame(rig, seq, t0 + seq * dt)


def demo_session() -> SessionInfo:
    from simcoach_agent.games.demo import DemoCar

    return DemoCar(seed=1).session_info()
