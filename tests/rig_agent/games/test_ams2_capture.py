"""``--record`` then ``--replay`` through the AMS2 adapter: the same frames from the same datagrams."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import msgspec

from simcoach_agent.games.ams2 import adapter
from simcoach_agent.games.base import GameSource
from simcoach_agent.games.capture import CaptureEnded, Recorder, ReplayReader
from simcoach_agent.games.registry import create_source
from simcoach_agent.telemetry import Frame
from tests.conftest import REPO
from tests.rig_agent.games.ams2_sender import free_udp_port

# Two short laps with a pause, garbage and both game builds' packet sizes mixed in.
SCRIPT = ("--lap-s", "1.0", "--bad", "--mixed", "--pause-at", "1.2", "--pause-s", "0.3")


def without_seq_and_t(frames: list[Frame]) -> list[dict]:
    return [{k: v for k, v in msgspec.to_builtins(f).items() if k not in ("seq", "t")} for f in frames]


def test_record_then_replay_gives_the_same_frames(tmp_path: Path):
    port = free_udp_port()
    capture = tmp_path / "ams2.capture"
    live = GameSource(
        "ams2",
        adapter.make_reader("ams2", port=port),
        adapter.make_mapper("ams2"),
        Recorder(capture, "ams2", "packets"),
    )
    live.open()
    sender = subprocess.Popen(
        [sys.executable, "-m", "tests.rig_agent.games.ams2_sender", "--port", str(port), "--seconds", "2.5", *SCRIPT],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    recorded: list[Frame] = []
    sessions = []
    try:
        deadline = time.monotonic() + 10
        while sender.poll() is None and time.monotonic() < deadline:
            frame = live.sample("rig-a", len(recorded), time.time())
            if frame is not None:
                recorded.append(frame)
                sessions.append(live.session())
            time.sleep(1 / 120)
        live.sample("rig-a", len(recorded), time.time())  # what was still queued is recorded, if anything
    finally:
        sender.wait(10)
        live.shutdown()
    assert len(recorded) > 60
    assert {f.lap for f in recorded} >= {1, 2}
    assert not any(abs(f.speed_kmh - 277.2) < 0.01 for f in recorded), "a frame from the paused game"

    replay = create_source("ams2", replay=capture)
    replay.open()
    replayed: list[Frame] = []
    try:
        while True:
            frame = replay.sample("rig-a", 10_000 + len(replayed), 0.0)
            if frame is not None:
                replayed.append(frame)
    except CaptureEnded:
        pass
    finally:
        replay.shutdown()
    assert without_seq_and_t(replayed) == without_seq_and_t(recorded)
    assert replay.session() == sessions[-1]
    assert replay.mapper.skipped == live.mapper.skipped != {}


def test_a_capture_says_it_holds_packets(tmp_path: Path):
    capture = tmp_path / "empty.capture"
    Recorder(capture, "ams2", adapter.KIND).close()
    reader = ReplayReader(capture)
    reader.open()
    assert (reader.game, reader.kind) == ("ams2", "packets")
    reader.close()
