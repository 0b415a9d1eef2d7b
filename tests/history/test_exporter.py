"""The exporter through real backends into a real influxd 1.6: a demo session lands whole, exactly once.

Each test has its own influxd (the outage test stops and restarts it) and its
own data folder. To compare InfluxDB with the store at rest, the demo backend
is stopped (its writer stores what it had) and a backend without the demo is
started on the same folder: its exporter drains what is left, and then the
store and InfluxDB must hold the same frames, once each.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from simcoach.history.exporter import Exporter
from simcoach.history.schema import SESSION_TAGS, UNKNOWN
from simcoach.history.targets import InfluxV1Target
from simcoach.storage.records import SessionKey, SessionOpened
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach_agent.telemetry import Frame
from tests.conftest import Backend, free_port, start_backend
from tests.helpers import until, wait_until
from tests.history.demo_session import demo_frames
from tests.influx import InfluxServer

RIG = "demo"
MISTAKES = "late_brake@Les Combes:2,coasting@Pouhon:3"
# A demo lap of Spa takes ~5.5 s at 25x; a drained backlog or a restart is seconds. Ceilings, not durations.
DEADLINE_S = 120.0
OUTAGE_S = 30.0  # the outage: influxd down this long while the demo drives on


@pytest.fixture
def influx(tmp_path: Path) -> Iterator[InfluxServer]:
    # Raises (the test fails) when influxd is not installed: a missing server is never a skip.
    folder = tmp_path / "influxd"
    folder.mkdir()
    server = InfluxServer(folder)
    try:
        yield server
    finally:
        server.stop()


def influx_env(influx: InfluxServer, data: Path, **more: str) -> dict[str, str]:
    return {
        "INFLUXDB_URL": influx.url,
        "INFLUXDB_VERSION": "1",
        "INFLUXDB_DATABASE": influx.database,
        "SIMCOACH_DATA_DIR": str(data),
        **more,
    }


def demo_backend(tmp_path: Path, env: dict[str, str]) -> Backend:
    return start_backend(tmp_path, "--demo", "--demo-speed", "25", "--demo-mistakes", MISTAKES, env=env)


def db(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data / 'simcoach.db'}?mode=ro", uri=True, timeout=30)


def stored_laps(data: Path) -> int:
    with db(data) as c:
        return int(c.execute("SELECT COUNT(*) FROM laps").fetchone()[0])


def stored_frames(data: Path, rig: str = RIG) -> dict[int, Frame]:
    decoder = msgspec.msgpack.Decoder(Frame)
    with db(data) as c:
        rows = c.execute("SELECT seq, data FROM frames WHERE rig = ?", (rig,)).fetchall()
    return {seq: decoder.decode(data) for seq, data in rows}


def export(backend: Backend) -> dict[str, Any]:
    out: dict[str, Any] = backend.status()["export"]
    return out


def drained(backend: Backend) -> bool:
    """The exporter has everything the store has: no frame of any rig, lap or event left."""
    e = export(backend)
    return (
        e["reachable"] is True
        and bool(e["lag"])
        and all(v["frames"] == 0 for v in e["lag"].values())
        and e["backlog"] == {"laps": 0, "events": 0}
    )


def drain_without_demo(tmp_path: Path, env: dict[str, str]) -> None:
    """A backend without the demo on the same folder exports what is left, then stops."""
    backend = start_backend(tmp_path, env=env)
    try:
        wait_until(lambda: drained(backend), DEADLINE_S, lambda: f"not drained: {export(backend)}")
    finally:
        backend.stop()


def influx_seqs(influx: InfluxServer, rig: str = RIG) -> list[int]:
    series = influx.series(f"SELECT seq FROM telemetry WHERE rig = '{rig}'")
    return [int(v[1]) for s in series for v in s["values"]]


def assert_exactly_once(influx: InfluxServer, data: Path) -> dict[int, Frame]:
    stored = stored_frames(data)
    seqs = influx_seqs(influx)
    doubled = [seq for seq, n in Counter(seqs).items() if n > 1]
    assert not doubled, f"frames in InfluxDB more than once: {doubled[:10]}"
    missing = sorted(set(stored) - set(seqs))
    assert not missing, f"{len(missing)} stored frames not in InfluxDB, first {missing[:10]}"
    assert len(seqs) == len(stored)
    return stored


def test_a_demo_session_lands_in_influxdb_as_stored(tmp_path: Path, influx: InfluxServer) -> None:
    data = tmp_path / "data"
    env = influx_env(influx, data)
    backend = demo_backend(tmp_path, env)
    try:
        wait_until(lambda: stored_laps(data) >= 3, DEADLINE_S, "the demo did not finish 3 laps")
        wait_until(lambda: export(backend)["points_written"] > 0, DEADLINE_S, lambda: str(export(backend)))
        live = export(backend)
        assert live["enabled"] is True and live["reachable"] is True and live["error"] is None
        assert live["target"] == {"kind": "influxdb1", "url": influx.url, "database": influx.database}
        assert live["batches"] > 0 and live["last_write"] is not None
        assert RIG in live["lag"] and set(live["lag"][RIG]) == {"frames", "seconds"}
    finally:
        backend.stop()
    drain_without_demo(tmp_path, env)

    # Telemetry: every stored frame once, with its values and its time.
    stored = assert_exactly_once(influx, data)
    fields = "seq, speed_kmh, rpm, gear, throttle, brake, steering, lap, lap_dist_m, tyre_temp_c_fl, tyre_temp_c_rr"
    (series,) = influx.series(f"SELECT {fields} FROM telemetry WHERE rig = '{RIG}'")
    columns = series["columns"]
    for row in series["values"]:
        point = dict(zip(columns, row, strict=True))
        frame = stored[int(point["seq"])]
        assert point["time"] == round(frame.t * 1e9)
        for name in ("speed_kmh", "rpm", "gear", "throttle", "brake", "steering", "lap", "lap_dist_m"):
            assert point[name] == getattr(frame, name), (name, point, frame)
        assert frame.tyre_temp_c is not None
        assert (point["tyre_temp_c_fl"], point["tyre_temp_c_rr"]) == (frame.tyre_temp_c[0], frame.tyre_temp_c[3])

    # Tags: the stored sessions' own, as docs/storage.md documents them (unknown where a session did not say).
    with db(data) as c:
        sessions = c.execute(
            "SELECT id, rig, driver, game, track, car, first_seq, last_seq FROM sessions WHERE rig = ?", (RIG,)
        ).fetchall()
        laps = c.execute("SELECT id, session_id, lap, record FROM laps ORDER BY id").fetchall()
        (events,) = c.execute("SELECT COUNT(*) FROM events").fetchone()
    assert sessions
    tagged = influx.series(f"SELECT count(seq) FROM telemetry GROUP BY {', '.join(SESSION_TAGS)}")
    by_session = {s["tags"]["session"]: s for s in tagged}
    for sid, rig, driver, game, track, car, first_seq, last_seq in sessions:
        expected = {"rig": rig, "session": sid, "driver": driver, "game": game, "track": track, "car": car}
        expected = {k: v or UNKNOWN for k, v in expected.items()}
        assert by_session[sid]["tags"] == expected
        in_session = sum(1 for seq in stored if first_seq <= seq <= last_seq)
        assert by_session[sid]["values"][0][1] == in_session
    spans = [(s[6], s[7]) for s in sessions if s[6] is not None and s[7] is not None]
    outside = sum(1 for seq in stored if not any(lo <= seq <= hi for lo, hi in spans))
    assert by_session.get("none", {"values": [[0, 0]]})["values"][0][1] == outside

    # Laps, corners, events and lap traces: each finished lap's, once.
    (lap_series,) = influx.series(f"SELECT time_s, lap_number FROM laps WHERE rig = '{RIG}'")
    assert len(lap_series["values"]) == len(laps) >= 3
    corners = sum(len(msgspec.json.decode(r[3])["corners"]) for r in laps)
    assert corners > 0
    assert influx.series("SELECT count(number) FROM corners")[0]["values"][0][1] == corners
    assert events > 0, "the demo's mistakes gave no coaching event"
    assert influx.series("SELECT count(message) FROM events")[0]["values"][0][1] == events
    traced = {
        (s["tags"]["session"], s["tags"]["lap"]): s["values"][0][1]
        for s in influx.series("SELECT count(time_s) FROM lap_trace GROUP BY session, lap")
    }
    with_frames = [
        (sid, str(lap)) for _, sid, lap, record in laps if sid in by_session and msgspec.json.decode(record)["complete"]
    ]
    assert len(with_frames) >= 2
    for lap in with_frames:
        # A complete lap of Spa (~7 km) every 5 m: over a thousand points.
        assert traced.get(lap, 0) > 1000, (lap, traced)


def restart(server: InfluxServer) -> None:
    """influxd again on the same config: same data folder, same ports."""
    server.log = (server.folder / "influxd.log").open("ab")
    server.process = subprocess.Popen(
        [server.process.args[0], "run", "-config", str(server.folder / "influxdb.conf")],  # type: ignore[index]
        stdout=server.log,
        stderr=subprocess.STDOUT,
    )
    server._wait_ready()


def test_an_influxdb_outage_mid_session_loses_and_doubles_nothing(tmp_path: Path, influx: InfluxServer) -> None:
    data = tmp_path / "data"
    env = influx_env(influx, data)
    backend = demo_backend(tmp_path, env)
    try:
        wait_until(lambda: export(backend)["frames_written"] > 2000, DEADLINE_S, lambda: str(export(backend)))
        influx.stop()
        # A stopping influxd may first answer 500 ("write failed"); stopped, it is not there at all.
        wait_until(
            lambda: (e := export(backend))["reachable"] is False and "cannot reach" in (e["error"] or ""),
            DEADLINE_S,
            lambda: str(export(backend)),
        )
        down = export(backend)
        assert f"INFLUXDB_URL {influx.url}: cannot reach InfluxDB" in down["error"], down
        written = down["frames_written"]
        # The outage lasts 30 s: watched all along, the exporter stays down and writes nothing
        # while the live path stores on and the backlog grows.
        frames_before = backend.status()["storage"]["frames_stored"]
        outage_end = time.monotonic() + OUTAGE_S
        while time.monotonic() < outage_end:
            during = backend.status()
            assert during["export"]["reachable"] is False and during["export"]["frames_written"] == written
            assert "cannot reach" in during["export"]["error"]
            time.sleep(1.0)  # the outage's own pace: a look a second, not a wait for a state
        assert during["export"]["lag"][RIG]["frames"] > 0 and during["export"]["lag"][RIG]["seconds"] > 0
        assert during["storage"]["frames_stored"] > frames_before + 1000, "live frames stalled during the outage"
        restart(influx)
        wait_until(
            lambda: export(backend)["reachable"] is True and export(backend)["frames_written"] > written,
            DEADLINE_S,
            lambda: str(export(backend)),
        )
    finally:
        backend.stop()
    drain_without_demo(tmp_path, env)
    assert_exactly_once(influx, data)


def test_a_backend_killed_mid_export_resumes_and_doubles_nothing(tmp_path: Path, influx: InfluxServer) -> None:
    data = tmp_path / "data"
    # Small batches: the export is mid-way through a backlog when the backend dies.
    env = influx_env(influx, data, SIMCOACH_EXPORT_BATCH_FRAMES="50")
    backend = demo_backend(tmp_path, env)
    try:
        wait_until(
            lambda: (e := export(backend))["frames_written"] > 3000 and e["lag"][RIG]["frames"] > 0,
            DEADLINE_S,
            lambda: str(export(backend)),
        )
        # A crash: no shutdown, so the last cursors (if not yet flushed) are lost and their batches written again.
        os.kill(backend.process.pid, signal.SIGKILL)
        backend.process.wait(30)
    finally:
        backend.stop()
    before = len(influx_seqs(influx))
    assert 0 < before < len(stored_frames(data)), "the backend was not killed mid-export"
    drain_without_demo(tmp_path, env)
    assert_exactly_once(influx, data)


def test_a_bad_target_at_start_up_is_named_and_coaching_goes_on(tmp_path: Path, influx: InfluxServer) -> None:
    data = tmp_path / "data"
    # A database that does not exist: start-up names INFLUXDB_DATABASE; once created, the export starts by itself.
    env = influx_env(influx, data, INFLUXDB_DATABASE="not_there")
    backend = demo_backend(tmp_path, env)
    try:
        wait_until(lambda: export(backend)["reachable"] is False, DEADLINE_S, lambda: str(export(backend)))
        e = export(backend)
        assert "INFLUXDB_DATABASE 'not_there'" in e["error"] and "database not found" in e["error"], e
        # The demo's reference lap is stored at once; a second lap is one driven meanwhile.
        wait_until(lambda: stored_laps(data) >= 2, DEADLINE_S, "coaching stopped: no lap stored")
        rigs = backend.status()["rigs"]
        assert [r["rig"] for r in rigs] == [RIG]
        assert "exporter: InfluxDB target" in backend.log.read_text() and "INFLUXDB_DATABASE" in backend.log.read_text()
        influx.query('CREATE DATABASE "not_there"', method="POST")
        wait_until(lambda: export(backend)["points_written"] > 0, DEADLINE_S, lambda: str(export(backend)))
        assert export(backend)["error"] is None
    finally:
        backend.stop()


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "INFLUXDB_URL is not set"),
        ({"INFLUXDB_URL": "http://127.0.0.1:8086", "INFLUXDB_VERSION": "1"}, "INFLUXDB_DATABASE: required"),
        ({"INFLUXDB_URL": "ftp://somewhere"}, "INFLUXDB_URL: expected http://host:port"),
    ],
)
def test_export_off_or_misconfigured_says_why(tmp_path: Path, env: dict[str, str], reason: str) -> None:
    clean = {k: "" for k in os.environ if k.startswith("INFLUXDB_")}
    backend = start_backend(tmp_path, env={**clean, "SIMCOACH_DATA_DIR": str(tmp_path / "data"), **env})
    try:
        e = export(backend)
        assert e["enabled"] is False and reason in e["reason"], e
        if not env:
            assert e == {"enabled": False, "reason": "INFLUXDB_URL is not set"}
    finally:
        backend.stop()


def test_an_unreachable_url_is_named_and_ingest_goes_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()  # nothing listens there
    env = {"INFLUXDB_URL": f"http://127.0.0.1:{port}", "INFLUXDB_VERSION": "1", "INFLUXDB_DATABASE": "x"}
    backend = demo_backend(tmp_path, {**env, "SIMCOACH_DATA_DIR": str(data)})
    try:
        wait_until(lambda: export(backend)["reachable"] is False, DEADLINE_S, lambda: str(export(backend)))
        e = export(backend)
        assert f"INFLUXDB_URL http://127.0.0.1:{port}" in e["error"] and "cannot reach" in e["error"], e
        # The demo's reference lap is stored at once; a second lap is one driven meanwhile.
        wait_until(lambda: stored_laps(data) >= 2, DEADLINE_S, "coaching stopped: no lap stored")
        assert httpx.get(f"{backend.http}/api/sessions", timeout=5).json()
        wait_until(lambda: RIG in export(backend)["lag"], DEADLINE_S, lambda: str(export(backend)))
        assert export(backend)["lag"][RIG]["frames"] > 0
    finally:
        backend.stop()


def test_batches_over_the_servers_body_limit_are_split_until_they_fit(tmp_path: Path) -> None:
    """In process (a real Store, StorageWriter and influxd with a 1 MB max-body-size): 5,000-frame batches
    are refused (413), halved until they fit, and every frame lands once, in order."""
    folder = tmp_path / "influxd"
    folder.mkdir()
    server = InfluxServer(folder, max_body_size=1_000_000)
    _, frames = demo_frames(laps=9, max_frames=1500)

    async def main() -> Exporter:
        store = Store(tmp_path / "simcoach.db").open()
        writer = StorageWriter(store, interval=0.02)
        writer.add(
            SessionOpened("s1", frames[0].rig, frames[0].t, frames[0].seq, SessionKey("a", "demo", "b", "c"), {})
        )
        writer.add_frames(frames[0].rig, frames, "s1")
        assert await writer.flush()
        target = InfluxV1Target(server.url, server.database)
        exporter = Exporter(store, target, writer.add, 5000, poll_s=0.05, retry_min_s=0.05)
        task = asyncio.create_task(exporter.run())
        try:
            await until(lambda: exporter.stats.frames == len(frames), DEADLINE_S, lambda: str(exporter.describe()))
            assert await writer.flush()
            assert store.cursors(target.key) == {f"telemetry/{frames[0].rig}": frames[-1].seq}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            writer.stop()
            await writer.run()
            await asyncio.to_thread(target.close)
            store.close()
        return exporter

    try:
        exporter = asyncio.run(main())
        assert exporter.batch_frames < 5000 and exporter.stats.failures > 0
        assert exporter.reachable is True and exporter.error is None
        seqs = influx_seqs(server, frames[0].rig)
        assert seqs == [f.seq for f in frames]
    finally:
        server.stop()
