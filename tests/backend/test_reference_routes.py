"""``PUT /api/rigs/{rig}/reference`` refuses a lap no car could drive, naming why; a real backend and store.

The laps come from a real agent recording replayed into the store with
``simcoach replay --store``; one lap carries three bad speed samples (a game's
glitch), so it is neither made the reference by the engine nor accepted as
one over the API.
"""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from tests.conftest import BIN, start_backend

pytestmark = pytest.mark.integration


def test_a_lap_with_impossible_speeds_cannot_be_picked_as_the_reference(tmp_path):
    recording = tmp_path / "three.jsonl"
    args = ["--game", "demo", "--stdout", "--realtime", "off", "--laps", "3", "--seed", "3", "--rig", "r"]
    with recording.open("wb") as out:
        subprocess.run([str(BIN / "simcoach-agent"), *args], stdout=out, check=True, timeout=120)
    lines = recording.read_bytes().splitlines()
    glitched = 0
    for i, line in enumerate(lines):
        message = json.loads(line)
        if message["type"] == "frame" and message["lap"] == 2 and message["lap_dist_m"] >= 1500.0 and glitched < 3:
            message["speed_kmh"] = 60.0  # three samples at 60 km/h on the Kemmel straight, at ~280
            lines[i] = json.dumps(message).encode()
            glitched += 1
    recording.write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "data").mkdir()
    replayed = subprocess.run(
        [str(BIN / "simcoach"), "replay", str(recording), "--store", str(tmp_path / "data" / "simcoach.db")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert replayed.returncode == 0, replayed.stderr

    server = start_backend(tmp_path)
    try:
        laps = httpx.get(f"{server.http}/api/rigs/r/laps", timeout=5).json()
        one, two = [lap for lap in laps if lap["lap"] in (1, 2)]
        assert one["is_reference"] and not two["is_reference"]
        refused = httpx.put(f"{server.http}/api/rigs/r/reference", json={"lap_id": two["id"]}, timeout=5)
        assert refused.status_code == 400, refused.text
        detail = refused.json()["detail"]
        assert detail.startswith(f"lap {two['id']} cannot be a reference: its speed goes from ")
        assert "km/h in 5 m at 1" in detail and "the car class can do 6 g at most" in detail, detail
        assert httpx.get(f"{server.http}/api/rigs/r/reference", timeout=5).json()["id"] == one["id"]
        chosen = httpx.put(f"{server.http}/api/rigs/r/reference", json={"lap_id": one["id"]}, timeout=5)
        assert chosen.status_code == 200 and chosen.json()["pinned"], chosen.text
    finally:
        server.stop()
