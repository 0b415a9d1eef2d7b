"""Sessions through a real backend: one per continuous run, through reconnects and restarts; the REST API."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.lap_record import LapRecord
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_batch
from tests.conftest import TOKENS, Backend, start_agent, start_backend
from tests.helpers import make_frame, rig_connection, until, wait_until
from tests.integration.stand_in import StandInGame

RIG = "demo-agent"

ACC = SessionInfo(game="acc", track="spa", car="amg_gt3", car_class="GT3", driver="Ann")


def run(server: Backend, rig: str, session: SessionInfo, seqs: range) -> None:
    asyncio.run(drive(server, rig, session, seqs))


def sessions(server: Backend, **params: object) -> dict:
    answer = httpx.get(f"{server.http}/api/sessions", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def drive(server: Backend, rig: str, session: SessionInfo, seqs: range) -> None:
    """One connection: say the session, send frames, wait until they are all acknowledged, leave."""
    ws, _ = await rig_connection(server.ws, rig, TOKENS[rig])
    try:
        await ws.send(encode(session))
        await ws.send(encode_batch([encode(make_frame(rig, s)) for s in seqs]))
        await until(
            lambda: any(r["rig"] == rig and r["durable_seq"] == seqs[-1] for r in server.status()["rigs"]),
            explain=lambda: server.status()["rigs"],
        )
    finally:
        await ws.close()


def test_a_reconnect_goes_on_with_the_session_a_new_session_message_or_a_long_absence_ends_it(tmp_path):
    server = start_backend(tmp_path, env={"SIMCOACH_SESSION_TIMEOUT_S": "2"})
    try:
        run(server, "rig-a", ACC, range(1, 101))
        run(server, "rig-a", ACC, range(101, 201))  # back at once: the same session
        (first,) = sessions(server, rig="rig-a")["sessions"]
        assert first["open"] and (first["first_seq"], first["last_seq"], first["frames"]) == (1, 200, 200)
        assert (first["driver"], first["game"], first["track"], first["car"]) == ("Ann", "acc", "spa", "amg_gt3")

        run(server, "rig-a", SessionInfo(game="acc", track="monza", car="amg_gt3", driver="Ann"), range(201, 251))
        newest, older = sessions(server, rig="rig-a")["sessions"]
        assert older["id"] == first["id"] and not older["open"] and older["last_seq"] == 200
        assert older["ended"] == pytest.approx(make_frame("rig-a", 200).t)
        assert newest["open"] and newest["track"] == "monza" and newest["first_seq"] == 201

        # Away longer than the timeout: the session ends on its own, and coming back starts another.
        wait_until(lambda: not sessions(server, rig="rig-a")["sessions"][0]["open"], timeout=60)
        run(server, "rig-a", SessionInfo(game="acc", track="monza", car="amg_gt3", driver="Ann"), range(251, 261))
        listed = sessions(server, rig="rig-a")
        assert listed["total"] == 3 and listed["sessions"][0]["first_seq"] == 251
        assert [s["open"] for s in listed["sessions"]] == [True, False, False]
    finally:
        server.stop()


def test_the_sessions_api_filters_pages_and_refuses_what_it_cannot_answer(tmp_path):
    server = start_backend(tmp_path)
    try:
        run(server, "rig-a", ACC, range(1, 11))
        run(server, "rig-b", SessionInfo(game="r3e", track="nurburgring", car="bmw_m4", driver="Bo"), range(1, 11))
        run(server, "rig-a", SessionInfo(game="acc", track="monza", car="amg_gt3", driver="Ann"), range(11, 21))
        everything = sessions(server)
        assert everything["total"] == 3 and len(everything["sessions"]) == 3
        starts = [s["started"] for s in everything["sessions"]]
        assert starts == sorted(starts, reverse=True)
        assert [s["track"] for s in sessions(server, driver="Ann")["sessions"]] == ["monza", "spa"]
        assert [s["rig"] for s in sessions(server, car="bmw_m4")["sessions"]] == ["rig-b"]
        assert sessions(server, track="spa", rig="rig-a")["total"] == 1
        page = sessions(server, limit=1, offset=1)
        assert page["total"] == 3 and [s["id"] for s in page["sessions"]] == [everything["sessions"][1]["id"]]
        monza = everything["sessions"][0]
        assert monza["track"] == "monza"
        since = sessions(server, **{"from": monza["started"] - 0.001})
        assert [s["id"] for s in since["sessions"]] == [monza["id"]]
        before = sessions(server, **{"from": monza["started"] - 3600, "to": monza["started"] - 0.001})
        assert sorted(s["track"] for s in before["sessions"]) == ["nurburgring", "spa"]
        spa = next(s for s in everything["sessions"] if s["track"] == "spa")
        assert sessions(server, **{"from": "2100-01-01T00:00:00Z"})["total"] == 0

        one = httpx.get(f"{server.http}/api/sessions/{spa['id']}", timeout=10).json()
        assert one["id"] == spa["id"] and one["frames"] == 10
        assert httpx.get(f"{server.http}/api/sessions/{spa['id']}/laps", timeout=10).json() == []

        for path, reason in [
            ("/api/sessions/nope", "no session 'nope'"),
            ("/api/sessions/nope/laps", "no session 'nope'"),
            ("/api/laps/424242", "no lap 424242"),
            ("/api/laps/424242/trace", "no lap 424242"),
            ("/api/compare?a=424242&b=424243", "no lap 424242"),
        ]:
            answer = httpx.get(f"{server.http}{path}", timeout=10)
            assert (answer.status_code, answer.json()["detail"]) == (404, reason), path
        for path in [
            "/api/sessions?limit=0",
            "/api/sessions?offset=-1",
            "/api/sessions?from=yesterday",
            "/api/sessions?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z",
            "/api/laps/x",
            "/api/laps/1/trace?step_m=0",
            "/api/compare?a=1",
        ]:
            assert httpx.get(f"{server.http}{path}", timeout=10).status_code == 422, path
    finally:
        server.stop()


def session_laps(server: Backend, rig: str) -> tuple[dict, list[dict]]:
    """The rig's one session and its laps (none before the rig's first frames are stored)."""
    found = sessions(server, rig=rig)["sessions"]
    if not found:
        return {}, []
    assert len(found) == 1, found
    (session,) = found
    laps = httpx.get(f"{server.http}/api/sessions/{session['id']}/laps", timeout=10).json()
    return session, laps


def laps_without_a_restart(db: Path, session: dict) -> list[tuple]:
    """What the coaching engine makes of the session's stored frames in one go, with no restart."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT data FROM frames WHERE rig = ? AND seq BETWEEN ? AND ? ORDER BY seq",
            (session["rig"], session["first_seq"], session["last_seq"]),
        ).fetchall()
    engine = CoachEngine(Store(None).open())
    engine.set_session(session["rig"], msgspec.convert(session["info"], SessionInfo), session_id=session["id"])
    decoder = msgspec.msgpack.Decoder(Frame)
    laps = [o for (data,) in rows for o in engine.on_frame(decoder.decode(data)) or [] if isinstance(o, LapRecord)]
    return [(lap.lap, round(lap.time_s, 3), lap.complete, lap.valid) for lap in laps]


def test_a_backend_restarted_mid_session_loses_no_lap_and_goes_on_with_the_same_session(
    tmp_path: Path, shm_dir: Path, running: list[Any]
):
    """The stand-in AC laps Monza every 8 s through real shared memory; the real agent reads it. The
    backend stops mid-session and comes back on the same store: the agent's spool resends what was not
    acknowledged, the session goes on, and its laps are exactly those its frames give without a restart."""
    running.append(StandInGame("tests.rig_agent.games.acc_writer", str(shm_dir), "ac", "8", first_phase="drive"))
    server = start_backend(tmp_path)
    agent = start_agent(tmp_path, server, "--game", "ac")
    try:
        wait_until(lambda: len(session_laps(server, RIG)[1]) >= 2, timeout=180, explain=agent.output)
        before, laps_before = session_laps(server, RIG)
        server.stop()  # mid-lap: a lap is reported a second after the line, and laps are 8 s
        server = start_backend(tmp_path, port=server.port)
        wait_until(lambda: len(session_laps(server, RIG)[1]) >= len(laps_before) + 3, timeout=180, explain=agent.output)
        (rig,) = [r for r in server.status()["rigs"] if r["rig"] == RIG]
        # The backend stops first: what it took is then all stored, with the laps those frames gave.
        server.stop()
    finally:
        agent.stop()
        server.stop()
    store = Store(tmp_path / "data" / "simcoach.db").open()
    try:
        (session,) = store.sessions()[0]
        laps = store.laps(session.id)
    finally:
        store.close()
    assert session.id == before["id"] == rig["session_id"]
    got = [(lap["lap"], lap["time_s"], lap["complete"], lap["valid"]) for lap in laps]
    assert got == laps_without_a_restart(tmp_path / "data" / "simcoach.db", session.to_json())
    assert len(got) >= len(laps_before) + 3 and sum(complete for _, _, complete, _ in got) >= 3


def test_two_demo_laps_compared_by_distance_on_one_grid_with_the_time_between(tmp_path: Path):
    server = start_backend(tmp_path, "--demo", "--demo-speed", "40", "--demo-mistakes", "late_brake@La Source:3")
    try:
        wait_until(lambda: sum(lap["complete"] for lap in session_laps(server, "demo")[1]) >= 3, timeout=180)
        session, laps = session_laps(server, "demo")
        two, three = (next(lap for lap in laps if lap["lap"] == n) for n in (2, 3))
        lap = httpx.get(f"{server.http}/api/laps/{three['id']}", timeout=10).json()
        assert lap["session_id"] == session["id"] and lap["has_trace"] and lap["corners"]
        trace = httpx.get(f"{server.http}/api/laps/{three['id']}/trace", params={"step_m": 10}, timeout=10).json()
        dist = trace["dist_m"]
        assert dist[0] == 0.0 and all(b - a == pytest.approx(10.0) for a, b in itertools.pairwise(dist))
        assert dist[-1] > 6900 and trace["length_m"] == pytest.approx(7004, abs=50)
        assert len(trace["time_s"]) == len(dist) == len(trace["channels"]["speed_kmh"])
        assert trace["time_s"][-1] == pytest.approx(three["time_s"], abs=1.0)
        assert max(trace["channels"]["speed_kmh"]) > 250

        compared = httpx.get(f"{server.http}/api/compare", params={"a": two["id"], "b": three["id"]}, timeout=10)
        assert compared.status_code == 200, compared.text
        c = compared.json()
        assert c["lap_a"]["id"] == two["id"] and c["lap_b"]["id"] == three["id"]
        assert len(c["dist_m"]) == len(c["a"]["time_s"]) == len(c["b"]["time_s"]) == len(c["delta_s"])
        for ta, tb, d in zip(c["a"]["time_s"], c["b"]["time_s"], c["delta_s"], strict=True):
            assert d == pytest.approx(tb - ta, abs=0.002)
        # Lap 3 brakes late into La Source, the first corner: the delta moves there and ends near the laps' difference.
        assert c["delta_s"][-1] == pytest.approx(three["time_s"] - two["time_s"], abs=0.3)
        assert c["delta_s"][0] == pytest.approx(0.0, abs=0.05)
        assert max(abs(d) for d in c["delta_s"][: len(c["delta_s"]) // 5]) > 0.05
    finally:
        server.stop()


def test_with_no_store_nothing_is_written_to_disk_and_sessions_are_kept_in_memory(tmp_path: Path):
    server = start_backend(tmp_path, env={"SIMCOACH_STORE": "none"})
    try:
        run(server, "rig-a", ACC, range(1, 101))  # acknowledged as taken: nothing waits for a disk
        (session,) = sessions(server, rig="rig-a")["sessions"]
        assert session["open"] and session["track"] == "spa"
        storage = server.status()["storage"]
        assert storage["backend"] == "memory" and storage["frames_kept"] is False and storage["size_bytes"] == 0
    finally:
        server.stop()
    assert not (tmp_path / "data").exists()
