"""Rig ingest against a real backend under uvicorn: auth, acks, duplicates, bad input, fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sqlite3

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import decode_server_message, encode, encode_batch
from simcoach_agent.telemetry.messages import Ack, Error, Hello
from tests.conftest import TOKENS, Backend, start_backend
from tests.helpers import dashboard, frame_dict, make_frame, next_of_type, rig_connection

pytestmark = pytest.mark.integration


async def _close_of(ws) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 60)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _server_messages(ws, kind, count=1, timeout=60.0):
    found = []

    async def _collect():
        while len(found) < count:
            message = decode_server_message(await ws.recv(decode=False))
            if isinstance(message, kind):
                found.append(message)

    await asyncio.wait_for(_collect(), timeout)
    return found


def test_a_missing_or_bad_token_is_refused_with_1008_and_a_reason(backend: Backend):
    async def scenario():
        async with connect(f"{backend.ws}/ws/ingest") as ws:
            code, reason = await _close_of(ws)
            assert code == 1008
            assert "bearer token" in reason
        async with connect(f"{backend.ws}/ws/ingest", additional_headers={"Authorization": "Bearer wrong"}) as ws:
            assert await _close_of(ws) == (1008, "unknown rig token")
        # A valid token speaks for its own rig only.
        headers = {"Authorization": f"Bearer {TOKENS['rig-a']}"}
        async with connect(f"{backend.ws}/ws/ingest", additional_headers=headers) as ws:
            await ws.send(encode(Hello(rig="rig-b")))
            code, reason = await _close_of(ws)
            assert code == 1008
            assert "rig-a" in reason

    asyncio.run(scenario())


def test_frames_reach_a_dashboard_in_order_and_are_acknowledged(backend: Backend):
    async def scenario():
        viewer = await dashboard(backend.ws)
        rig, welcome = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        assert welcome.last_seq is None
        await rig.send(encode(SessionInfo(game="acc", track="spa", car="amg_gt3", car_class="GT3")))
        session = await next_of_type(viewer, "session")
        assert (session["rig"], session["track"]) == ("rig-a", "spa")

        await rig.send(encode_batch([encode(make_frame("rig-a", s)) for s in range(1, 51)]))
        for s in range(51, 101):
            await rig.send(encode(make_frame("rig-a", s)))
        received: list[int] = []
        while len(received) < 100:
            batch = await next_of_type(viewer, "frames")
            assert batch["rig"] == "rig-a"
            received += [f["seq"] for f in batch["frames"]]
        assert received == list(range(1, 101))
        acks = await _server_messages(rig, Ack)
        assert acks[-1].seq <= 100
        while acks[-1].seq < 100:
            acks = await _server_messages(rig, Ack)
        await rig.close()
        await viewer.close()

    asyncio.run(scenario())
    rigs = httpx.get(f"{backend.http}/api/rigs").json()
    assert rigs[0]["rig"] == "rig-a"
    assert rigs[0]["last_seq"] == 100
    assert rigs[0]["frames"] == 100


def test_a_rig_that_resends_after_reconnecting_never_doubles_data(backend: Backend):
    async def scenario():
        rig, _ = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        await rig.send(encode_batch([encode(make_frame("rig-a", s)) for s in range(1, 31)]))
        await _server_messages(rig, Ack)
        await rig.close()

        viewer = await dashboard(backend.ws, "rig-a")
        rig, welcome = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        assert welcome.last_seq == 30
        # The rig did not see its last ack and resends 21..40.
        await rig.send(encode_batch([encode(make_frame("rig-a", s)) for s in range(21, 41)]))
        batch = await next_of_type(viewer, "frames")
        assert [f["seq"] for f in batch["frames"]] == list(range(31, 41))
        await rig.close()
        await viewer.close()

    asyncio.run(scenario())
    rig = httpx.get(f"{backend.http}/api/rigs").json()[0]
    assert (rig["frames"], rig["duplicates"], rig["last_seq"]) == (40, 10, 40)


BAD_INPUTS = {
    "wrong type": lambda: json.dumps(frame_dict("rig-a", 2) | {"rpm": "high"}),
    "missing field": lambda: json.dumps({k: v for k, v in frame_dict("rig-a", 2).items() if k != "brake"}),
    "NaN": lambda: msgspec.msgpack.encode(frame_dict("rig-a", 2) | {"g_lat": math.nan}),
    "infinity": lambda: msgspec.msgpack.encode(frame_dict("rig-a", 2) | {"fuel_l": math.inf}),
    "unknown message": lambda: json.dumps({"type": "weather", "rain": 1}),
    "oversized message": lambda: b"\x91" + b"\xc4\xff" + b"x" * 255 + b"\x00" * (2 << 20),
    "not msgpack": lambda: b"\xc1\xc1\xc1",
    "frame of another rig": lambda: encode(make_frame("rig-b", 2)),
}
REASONS = {
    "wrong type": "rpm",
    "missing field": "brake",
    "NaN": "non-finite value (NaN or infinity) in `g_lat`",
    "infinity": "non-finite value (NaN or infinity) in `fuel_l`",
    "unknown message": "unknown message type 'weather'",
    "oversized message": "over SIMCOACH_INGEST_MAX_MESSAGE_BYTES (1048576)",
    "not msgpack": "not a protocol message",
    "frame of another rig": "frame for rig 'rig-b'",
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_its_reason_and_the_session_goes_on(backend: Backend, case: str):
    async def scenario():
        viewer = await dashboard(backend.ws, "rig-a")
        rig, _ = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        await rig.send(encode(SessionInfo(game="acc", track="spa")))
        await rig.send(encode(make_frame("rig-a", 1)))
        await rig.send(BAD_INPUTS[case]())
        [error] = await _server_messages(rig, Error)
        assert REASONS[case] in error.reason
        if case in ("wrong type", "missing field", "NaN", "infinity", "frame of another rig"):
            assert error.seq == 2
        await rig.send(encode(make_frame("rig-a", 3)))
        seqs: list[int] = []
        while 3 not in seqs:
            seqs += [f["seq"] for f in (await next_of_type(viewer, "frames"))["frames"]]
        assert seqs == [1, 3]
        await rig.close()
        await viewer.close()

    asyncio.run(scenario())
    [rig] = httpx.get(f"{backend.http}/api/rigs").json()
    assert rig["errors"] == 1
    assert rig["frames"] == 2


def test_a_dashboard_can_follow_one_rig_and_switch(backend: Backend):
    async def scenario():
        viewer = await dashboard(backend.ws, "rig-b")
        a, _ = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        b, _ = await rig_connection(backend.ws, "rig-b", TOKENS["rig-b"])
        await a.send(encode(make_frame("rig-a", 1)))
        await b.send(encode(make_frame("rig-b", 1)))
        assert (await next_of_type(viewer, "frames"))["rig"] == "rig-b"
        await viewer.send(json.dumps({"type": "subscribe", "rig": "rig-a"}))
        rigs = await next_of_type(viewer, "rigs")
        assert rigs["subscribed"] == "rig-a"
        assert {r["rig"] for r in rigs["rigs"] if r["connected"]} == {"rig-a", "rig-b"}
        await b.send(encode(make_frame("rig-b", 2)))
        await a.send(encode(make_frame("rig-a", 2)))
        batch = await next_of_type(viewer, "frames")
        assert (batch["rig"], [f["seq"] for f in batch["frames"]]) == ("rig-a", [2])
        for ws in (a, b, viewer):
            await ws.close()

    asyncio.run(scenario())


def test_a_stalled_dashboard_drops_stale_frames_and_delays_nobody(backend: Backend):
    frames_sent = 20000  # about 14 MB of JSON: more than loopback socket buffers hold

    async def scenario():
        stalled = await dashboard(backend.ws)  # never reads
        reader = await dashboard(backend.ws)
        rig, _ = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        for start in range(1, frames_sent + 1, 50):
            batch = [encode(make_frame("rig-a", s)) for s in range(start, start + 50)]
            await rig.send(encode_batch(batch))
            await asyncio.sleep(0.002)
        newest = 0
        while newest < frames_sent:
            batch = await next_of_type(reader, "frames")
            newest = batch["frames"][-1]["seq"]
        status = backend.status()
        await rig.close()
        await reader.close()
        await stalled.close()
        return status

    status = asyncio.run(scenario())
    clients = status["dashboards"]["clients"]
    assert len(clients) == 2
    dropped = sorted(c["dropped"] for c in clients)
    assert dropped[-1] > 0, "the stalled dashboard should have lost stale frames"
    [rig] = status["rigs"]
    assert rig["last_seq"] == frames_sent


def test_status_reports_rigs_rates_and_dashboards(backend: Backend):
    async def scenario():
        viewer = await dashboard(backend.ws)
        rig, _ = await rig_connection(backend.ws, "rig-a", TOKENS["rig-a"])
        for s in range(1, 61):
            await rig.send(encode(make_frame("rig-a", s)))
            await asyncio.sleep(1 / 60)
        status = backend.status()
        await rig.close()
        await viewer.close()
        return status

    status = asyncio.run(scenario())
    assert status["version"]
    assert status["uptime_s"] >= 0
    [rig] = status["rigs"]
    assert rig["rig"] == "rig-a"
    assert rig["last_seq"] == 60
    assert 30 < rig["fps"] < 90
    assert status["dashboards"]["connected"] == 1
    assert status["storage"]["backend"] == "sqlite"
    assert status["coaching"]["frames"] >= 60


def test_acked_frames_survive_a_backend_restart_and_are_never_taken_twice(tmp_path):
    first = start_backend(tmp_path)

    async def before_restart():
        rig, _ = await rig_connection(first.ws, "rig-a", TOKENS["rig-a"])
        await rig.send(encode_batch([encode(make_frame("rig-a", s)) for s in range(1, 51)]))
        acks = await _server_messages(rig, Ack)
        while acks[-1].seq < 50:
            acks = await _server_messages(rig, Ack)
        await rig.close()

    asyncio.run(before_restart())
    first.stop()
    second = start_backend(tmp_path, port=first.port)

    async def after_restart():
        viewer = await dashboard(second.ws, "rig-a")
        rig, welcome = await rig_connection(second.ws, "rig-a", TOKENS["rig-a"])
        assert welcome.last_seq == 50
        await rig.send(encode_batch([encode(make_frame("rig-a", s)) for s in range(41, 61)]))
        batch = await next_of_type(viewer, "frames")
        assert [f["seq"] for f in batch["frames"]] == list(range(51, 61))
        await rig.close()
        await viewer.close()

    try:
        asyncio.run(after_restart())
        storage = second.status()["storage"]
        assert storage["backend"] == "sqlite"
    finally:
        second.stop()
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "simcoach.db")) as db:
        seqs = [row[0] for row in db.execute("SELECT seq FROM frames WHERE rig = 'rig-a' ORDER BY seq")]
    assert seqs == list(range(1, 61))
