"""A rig sending faster than the store can keep up loses nothing: backpressure, resends, exactly once in the store.

Real parts only: a backend under uvicorn with a small writer buffer
(``SIMCOACH_STORE_MAX_PENDING_FRAMES``), the agent's own uplink and spool in a
thread, and storage stalled for real by another connection holding SQLite's
write lock on the backend's file, as a stalled disk or a long backup would.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import encode
from simcoach_agent.telemetry.messages import Hello
from simcoach_agent.uplink.client import Uplink
from simcoach_agent.uplink.spool import Spool
from tests.conftest import TOKENS, Backend, start_backend
from tests.helpers import make_frame, wait_until

pytestmark = pytest.mark.integration

RIG = "rig-a"
MAX_PENDING = 500
FRAMES = 30_000


class AgentRig(threading.Thread):
    """The agent's sending half: frames into its spool as fast as it can, the uplink delivering them."""

    def __init__(self, server: str, spool_path: Path, frames: int, store: Path) -> None:
        super().__init__(name="agent-rig", daemon=True)
        self.server = server
        self.spool_path = spool_path
        self.store = store
        self.frames = frames
        self.first = 1_000_000
        self.appended = 0
        self.left = -1
        self.acks_seen = 0
        # Acks that covered a frame the store did not hold when the ack came.
        self.bad_acks: list[tuple[int, int]] = []
        self.done = threading.Event()
        self.stop = threading.Event()
        self.uplink: Uplink | None = None

    def run(self) -> None:
        spool = Spool(10 * self.frames, self.spool_path)  # the spool's SQLite file belongs to this thread
        uplink = self.uplink = Uplink(self.server, TOKENS[RIG], RIG, spool)
        uplink.set_session(SessionInfo(game="acc", track="spa", car="amg_gt3", car_class="GT3"))
        uplink.start()
        last_ack: int | None = None
        try:
            while not self.stop.is_set():
                for _ in range(200):
                    if self.appended < self.frames:
                        seq = self.first + self.appended
                        spool.append(seq, encode(make_frame(RIG, seq)))
                        self.appended += 1
                acked = uplink.acked
                uplink.pump()
                if acked is not None and acked != last_ack:
                    self._check_ack(acked)
                    last_ack = acked
                self.left = len(spool)
                if self.appended == self.frames and not self.left:
                    self.done.set()
                time.sleep(0.001)
        finally:
            uplink.stop()
            spool.close()

    def _check_ack(self, seq: int) -> None:
        """An ack must mean every frame up to it is in the store, no gap below it."""
        self.acks_seen += 1
        rows = _rows_up_to(self.store, seq)
        if rows != seq - self.first + 1:
            self.bad_acks.append((seq, rows))


def _store_seqs(db: Path) -> tuple[int, int, int | None, int | None]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        count, distinct, low, high = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM frames WHERE rig = ?", (RIG,)
        ).fetchone()
    return int(count), int(distinct), low, high


def _rows_up_to(db: Path, seq: int) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM frames WHERE rig = ? AND seq <= ?", (RIG, seq)).fetchone()[0])


@contextlib.contextmanager
def _write_lock(db: Path):
    """Hold SQLite's write lock on the backend's file: every write of the backend waits, then fails, and retries."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _storage(backend: Backend) -> dict:
    return backend.status()["storage"]


def _rig(backend: Backend) -> dict:
    [rig] = [r for r in httpx.get(f"{backend.http}/api/rigs", timeout=5).json() if r["rig"] == RIG]
    return rig


def _stored_any(backend: Backend) -> bool:
    """The rig has connected (on a loaded machine that takes a while) and a first frame is stored."""
    rigs = [r for r in httpx.get(f"{backend.http}/api/rigs", timeout=5).json() if r["rig"] == RIG]
    return bool(rigs) and rigs[0]["durable_seq"] is not None


def _kick(backend: Backend) -> None:
    """Take over the rig's connection as a second agent with its token would: the agent reconnects."""
    with connect(f"{backend.ws}/ws/ingest", additional_headers={"Authorization": f"Bearer {TOKENS[RIG]}"}) as ws:
        ws.send(encode(Hello(rig=RIG)))
        ws.recv(timeout=30)


def test_a_rig_faster_than_its_store_gets_every_frame_stored_exactly_once(tmp_path: Path):
    backend = start_backend(tmp_path, env={"SIMCOACH_STORE_MAX_PENDING_FRAMES": str(MAX_PENDING)})
    db = tmp_path / "data" / "simcoach.db"
    agent = AgentRig(backend.ws, tmp_path / "spool" / f"{RIG}.db", FRAMES, db)
    try:
        agent.start()
        wait_until(lambda: _stored_any(backend), explain="no frame stored at all")

        with _write_lock(db):
            stored_before, _, _, high_before = _store_seqs(db)
            # The writer fills up and ingest stops reading the rig instead of dropping frames.
            wait_until(
                lambda: _storage(backend)["full_waits"] >= 1 and _storage(backend)["failures"] >= 1,
                explain=lambda: f"no backpressure: {_storage(backend)}",
            )
            storage = _storage(backend)
            assert storage["pending"] <= MAX_PENDING, "the writer grew past its bound"
            rig = _rig(backend)
            assert rig["durable_seq"] == high_before, "acknowledged frames that are not stored"
            # The connection drops while frames are taken but not stored, and more sit unread
            # in the socket: the agent reconnects and resends all it holds unacknowledged.
            reconnects = agent.uplink.reconnects if agent.uplink else 0
            _kick(backend)
            wait_until(
                lambda: agent.uplink is not None and agent.uplink.reconnects > reconnects and agent.uplink.connected,
                explain="the agent did not reconnect",
            )
            wait_until(lambda: _rig(backend)["duplicates"] > 0, explain="the agent resent nothing")
            assert _store_seqs(db)[0] == stored_before, "a write went through the lock"
        # Storage is back: everything arrives.
        wait_until(agent.done.is_set, timeout=120, explain=lambda: f"{agent.left} frames still unacknowledged")
        status = backend.status()
    finally:
        agent.stop.set()
        agent.join(30)
        backend.stop()

    count, distinct, low, high = _store_seqs(db)
    assert (count, distinct, low, high) == (FRAMES, FRAMES, agent.first, agent.first + FRAMES - 1)
    assert agent.acks_seen > 1
    assert agent.bad_acks == [], "acks covered frames not in the store (ack, rows up to it)"
    [rig] = [r for r in status["rigs"] if r["rig"] == RIG]
    assert rig["stored"] == FRAMES
    assert rig["duplicates"] > 0


def test_frames_taken_but_not_stored_when_the_backend_stops_are_resent_and_stored(tmp_path: Path):
    env = {"SIMCOACH_STORE_MAX_PENDING_FRAMES": str(MAX_PENDING)}
    backend = start_backend(tmp_path, env=env)
    db = tmp_path / "data" / "simcoach.db"
    agent = AgentRig(backend.ws, tmp_path / "spool" / f"{RIG}.db", FRAMES // 3, db)
    try:
        agent.start()
        wait_until(lambda: _stored_any(backend), explain="no frame stored at all")
        with _write_lock(db):
            wait_until(lambda: _storage(backend)["pending"] >= MAX_PENDING // 2, explain="nothing waits for storage")
            taken = _rig(backend)["last_seq"]
            # Stopped with frames taken (and coached, and shown) but not stored: they die with it.
            backend.stop()
        _, _, _, high = _store_seqs(db)
        assert high is not None and taken > high, "the test meant to stop the backend with frames not stored"
        backend = start_backend(tmp_path, port=backend.port, env=env)
        wait_until(agent.done.is_set, timeout=120, explain=lambda: f"{agent.left} frames still unacknowledged")
    finally:
        agent.stop.set()
        agent.join(30)
        backend.stop()
    count, distinct, low, high = _store_seqs(db)
    frames = FRAMES // 3
    assert (count, distinct, low, high) == (frames, frames, agent.first, agent.first + frames - 1)
    assert agent.acks_seen > 1
    assert agent.bad_acks == [], "acks covered frames not in the store (ack, rows up to it)"
