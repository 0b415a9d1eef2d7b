"""Safe defaults on a home network, each through a real backend: production refuses weak secrets by name,
the optional access token guards the API and the dashboard WebSocket, ingest refuses oversized messages
and frames faster than the limit with a reason while the session goes on, and CORS answers only its origins."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import decode_server_message, encode, encode_batch
from simcoach_agent.telemetry.messages import Ack, Error
from tests.conftest import BIN, TOKENS, Backend, free_port, start_backend
from tests.helpers import make_frame, rig_connection, until

ACCESS = "access-token-0123456789"
STRONG = ",".join(f"{rig}:{token}" for rig, token in TOKENS.items())


def serve_refuses(tmp_path: Path, **env: str) -> str:
    """Run ``simcoach serve`` with ``env``; it must exit at once with status 2. Its error output."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SIMCOACH_", "INFLUXDB_", "GRAFANA_"))}
    done = subprocess.run(
        [str(BIN / "simcoach"), "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env={**full, "SIMCOACH_ENVIRONMENT": "production", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    return done.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SIMCOACH_RIG_TOKENS: no rig token is set"),
        ({"SIMCOACH_RIG_TOKENS": "rig1:change-me"}, "SIMCOACH_RIG_TOKENS: the token of rig 'rig1' is a placeholder"),
        ({"SIMCOACH_RIG_TOKENS": "rig1:short"}, "shorter than 12 characters"),
        ({"SIMCOACH_RIG_TOKENS": STRONG, "SIMCOACH_ACCESS_TOKEN": "change-me"}, "SIMCOACH_ACCESS_TOKEN"),
        (
            {
                "SIMCOACH_RIG_TOKENS": STRONG,
                "INFLUXDB_URL": "http://127.0.0.1:9",
                "INFLUXDB_ORG": "simcoach",
                "INFLUXDB_BUCKET": "simcoach",
                "INFLUXDB_TOKEN": "change-me",
            },
            "INFLUXDB_TOKEN: a placeholder",
        ),
        ({"SIMCOACH_RIG_TOKENS": STRONG, "GRAFANA_ADMIN_PASSWORD": "change-me"}, "GRAFANA_ADMIN_PASSWORD"),
        ({"SIMCOACH_RIG_TOKENS": STRONG, "INFLUXDB_ADMIN_PASSWORD": "admin"}, "INFLUXDB_ADMIN_PASSWORD"),
    ],
)
def test_production_refuses_to_start_with_a_missing_or_weak_secret_and_names_it(tmp_path, env, named):
    assert named in serve_refuses(tmp_path, **env)


@pytest.fixture
def guarded(tmp_path: Path):
    server = start_backend(tmp_path, env={"SIMCOACH_ACCESS_TOKEN": ACCESS})
    yield server
    server.stop()


def test_the_access_token_guards_every_api_route_but_not_the_page(guarded: Backend):
    for path in ("/api/status", "/api/rigs", "/api/sessions", "/api/rigs/demo/laps", "/api/thresholds"):
        refused = httpx.get(f"{guarded.http}{path}", timeout=10)
        assert refused.status_code == 401, path
        assert "SIMCOACH_ACCESS_TOKEN" in refused.json()["detail"]
        wrong = httpx.get(f"{guarded.http}{path}", headers={"Authorization": "Bearer nope"}, timeout=10)
        assert wrong.status_code == 401, path
    headers = {"Authorization": f"Bearer {ACCESS}"}
    assert httpx.get(f"{guarded.http}/api/status", headers=headers, timeout=10).status_code == 200
    assert httpx.get(f"{guarded.http}/api/status", params={"access_token": ACCESS}, timeout=10).status_code == 200
    page = httpx.get(f"{guarded.http}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()  # the page loads, then asks for the token
    put = httpx.put(f"{guarded.http}/api/rigs/demo/reference", json={"lap_id": None}, timeout=10)
    assert put.status_code == 401


def test_the_access_token_guards_the_dashboard_websocket_and_rigs_keep_their_own(guarded: Backend):
    async def scenario() -> None:
        async with connect(f"{guarded.ws}/ws?rig=all") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        assert "SIMCOACH_ACCESS_TOKEN" in closed.value.rcvd.reason
        async with connect(f"{guarded.ws}/ws?rig=all&access_token={ACCESS}") as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "rigs"
        rig, welcome = await rig_connection(guarded.ws, "rig-a", TOKENS["rig-a"])  # no access token needed
        assert welcome.rig == "rig-a"
        await rig.close()

    asyncio.run(scenario())


async def _replies(ws, count: int) -> list[Error | Ack]:
    out: list[Error | Ack] = []
    while len(out) < count:
        message = decode_server_message(await asyncio.wait_for(ws.recv(), 30))
        if isinstance(message, Error):
            out.append(message)
    return out


def test_an_oversized_message_is_refused_with_the_setting_and_the_session_goes_on(tmp_path: Path):
    server = start_backend(tmp_path, env={"SIMCOACH_INGEST_MAX_MESSAGE_BYTES": "4096"})

    async def scenario() -> None:
        ws, _ = await rig_connection(server.ws, "rig-a", TOKENS["rig-a"])
        await ws.send(encode(SessionInfo(game="acc", track="spa")))
        big = encode_batch([encode(make_frame("rig-a", s)) for s in range(1, 41)])
        assert len(big) > 4096
        await ws.send(big)
        (error,) = await _replies(ws, 1)
        assert f"message of {len(big)} bytes refused" in error.reason
        assert "SIMCOACH_INGEST_MAX_MESSAGE_BYTES (4096)" in error.reason
        await ws.send(encode(make_frame("rig-a", 41)))  # the connection and the session go on
        await until(lambda: any(r["rig"] == "rig-a" and r["durable_seq"] == 41 for r in server.status()["rigs"]))
        await ws.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_frames_faster_than_the_limit_are_refused_with_the_setting_and_the_rest_is_stored(tmp_path: Path):
    """100 Hz allowed: a rig sampling at 1000 Hz for a second of its clock gets a second's burst and 100 a
    second after it; the same rig back at 60 Hz loses nothing, and neither does a backlog."""
    server = start_backend(tmp_path, env={"SIMCOACH_INGEST_MAX_HZ": "100"})
    t0 = make_frame("rig-a", 1).t

    def at(seq: int, t: float):
        frame = make_frame("rig-a", seq)
        frame.t = t
        return frame

    async def scenario() -> None:
        ws, _ = await rig_connection(server.ws, "rig-a", TOKENS["rig-a"])
        fast = [at(s, t0 + s * 0.001) for s in range(1, 1001)]  # 1000 Hz for one second
        await ws.send(encode_batch([encode(f) for f in fast]))
        (error,) = await _replies(ws, 1)
        assert "SIMCOACH_INGEST_MAX_HZ (100 frames a second of the rig's clock)" in error.reason
        refused = int(error.reason.split(" ")[0])
        # The burst (100) and 100 a second of frame time after it: about 200 taken.
        assert 180 <= 1000 - refused <= 220, error.reason
        # Back to 60 Hz, a second later by its clock: a minute's backlog of it, sent at once, all taken.
        slow = [at(1000 + s, t0 + 2.0 + s / 60) for s in range(1, 3601)]
        for chunk in range(0, len(slow), 600):
            await ws.send(encode_batch([encode(f) for f in slow[chunk : chunk + 600]]))
        await until(lambda: any(r["rig"] == "rig-a" and r["durable_seq"] == 4600 for r in server.status()["rigs"]))
        (rig,) = [r for r in server.status()["rigs"] if r["rig"] == "rig-a"]
        assert rig["stored"] == 1000 - refused + 3600
        await ws.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_cors_answers_only_the_configured_origins(tmp_path: Path):
    server = start_backend(
        tmp_path, env={"SIMCOACH_CORS_ORIGINS": "http://tablet.local:8124", "SIMCOACH_ACCESS_TOKEN": ACCESS}
    )
    try:
        headers = {"Authorization": f"Bearer {ACCESS}"}
        allowed = httpx.get(
            f"{server.http}/api/status", headers={**headers, "Origin": "http://tablet.local:8124"}, timeout=10
        )
        assert allowed.headers.get("access-control-allow-origin") == "http://tablet.local:8124"
        other = httpx.get(f"{server.http}/api/status", headers={**headers, "Origin": "http://evil.example"}, timeout=10)
        assert "access-control-allow-origin" not in other.headers
        preflight = httpx.options(
            f"{server.http}/api/status",
            headers={
                "Origin": "http://tablet.local:8124",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
            timeout=10,
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://tablet.local:8124"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    finally:
        server.stop()
    # With none configured, no page of another origin gets an answer it may read.
    plain = start_backend(tmp_path)
    try:
        answer = httpx.get(f"{plain.http}/api/status", headers={"Origin": "http://tablet.local:8124"}, timeout=10)
        assert "access-control-allow-origin" not in answer.headers
    finally:
        plain.stop()


def test_a_bad_origin_setting_is_named(tmp_path: Path):
    assert "SIMCOACH_CORS_ORIGINS" in serve_refuses(
        tmp_path, SIMCOACH_ENVIRONMENT="development", SIMCOACH_CORS_ORIGINS="tablet.local/path"
    )


def test_the_influxdb_token_never_reaches_an_api_answer(tmp_path: Path):
    secret = "influx-token-never-shown-0123"
    server = start_backend(
        tmp_path,
        env={
            "INFLUXDB_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: the status names the problem
            "INFLUXDB_ORG": "simcoach",
            "INFLUXDB_BUCKET": "simcoach",
            "INFLUXDB_TOKEN": secret,
        },
    )
    try:
        export = server.status()["export"]
        assert export["enabled"] and export["target"]["kind"] == "influxdb2"
        for path in ("/api/status", "/api/rigs", "/api/sessions", "/api/thresholds"):
            assert secret not in httpx.get(f"{server.http}{path}", timeout=10).text, path
    finally:
        server.stop()
    assert secret not in server.log.read_text()
