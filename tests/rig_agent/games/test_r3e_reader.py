"""RaceRoom reader on real pages under /dev/shm: absent, short, empty, other versions, gone, stalled; captures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.base import GameSource, GameUnavailable, LayoutMismatch
from simcoach_agent.games.capture import CaptureEnded, ReplayReader
from simcoach_agent.games.r3e import adapter
from simcoach_agent.games.r3e.mapper import R3EMapper
from simcoach_agent.games.r3e.reader import R3ELayoutMismatch, R3EReader
from simcoach_agent.games.registry import create_source, detect_game
from simcoach_agent.sampler import Sampler
from tests.rig_agent.games.r3e_page import HEAD_SIZE, SIZE, Page, driving_page

NAME = "$R3E"


def publish(directory: Path, data: bytes | bytearray) -> None:
    """Write the page the way the game's mapping looks: one file, replaced whole."""
    tmp = directory / f".{NAME}.tmp"
    tmp.write_bytes(bytes(data))
    os.replace(tmp, directory / NAME)


def rewrite(directory: Path, data: bytes | bytearray) -> None:
    """Change the page in place, as the game does while a reader has it mapped."""
    with (directory / NAME).open("r+b") as f:
        f.write(bytes(data))


def test_no_page_means_waiting_for_the_game(shm_dir: Path):
    with pytest.raises(GameUnavailable, match=r"^r3e: waiting for shared memory .*\$R3E \(is the game running\?\)"):
        R3EReader().open()
    assert not adapter.is_running()


def test_a_short_page_is_named_with_both_sizes(shm_dir: Path):
    publish(shm_dir, driving_page().buf[:1000])
    with pytest.raises(GameUnavailable, match=f"r3e: shared memory .* is 1000 bytes, the layout needs {SIZE}"):
        R3EReader().open()


def test_an_empty_page_is_waited_for(shm_dir: Path):
    publish(shm_dir, bytes(SIZE))
    with pytest.raises(GameUnavailable, match=r"r3e: shared memory \$R3E is empty; waiting for RaceRoom"):
        R3EReader().open()
    assert not adapter.is_running()


def test_another_major_version_is_refused_naming_both(shm_dir: Path):
    publish(shm_dir, driving_page().set("version_major", 2).set("version_minor", 14).buf)
    with pytest.raises(R3ELayoutMismatch) as refused:
        R3EReader().open()
    assert str(refused.value).startswith("r3e: shared memory layout 2.14, this agent implements 3.5")
    # Both kinds: code that knows layouts sees a mismatch, the sampler sees a game to wait for.
    assert isinstance(refused.value, LayoutMismatch)
    assert isinstance(refused.value, GameUnavailable)


def test_a_moved_driver_table_is_refused_even_within_3x(shm_dir: Path):
    publish(shm_dir, driving_page().set("version_minor", 6).set("all_drivers_offset", 2012).buf)
    with pytest.raises(R3ELayoutMismatch, match=r"layout 3.6 puts the driver table at byte 2012 .* has it at 2008"):
        R3EReader().open()


def test_older_and_newer_minor_versions_with_the_same_table_are_read(shm_dir: Path):
    for minor in (0, 4, 9):
        publish(shm_dir, driving_page().set("version_minor", minor).buf)
        reader = R3EReader()
        reader.open()
        try:
            assert len(reader.read().parts[0][1]) == HEAD_SIZE
        finally:
            reader.close()


def test_reads_the_player_part_and_notices_the_page_going(shm_dir: Path):
    publish(shm_dir, driving_page().buf)
    assert adapter.is_running()
    reader = R3EReader(presence_every_s=0.0)
    reader.open()
    try:
        raw = reader.read()
        [(name, data)] = raw.parts
        assert name == "r3e"
        assert len(data) == HEAD_SIZE
        assert data == bytes(driving_page().buf[:HEAD_SIZE])
        (shm_dir / NAME).unlink()
        with pytest.raises(GameUnavailable, match=r"r3e: shared memory \$R3E went away \(RaceRoom closed\)"):
            reader.read()
    finally:
        reader.close()


def test_a_version_change_while_reading_is_caught(shm_dir: Path):
    publish(shm_dir, driving_page().buf)
    reader = R3EReader()
    reader.open()
    try:
        reader.read()
        rewrite(shm_dir, driving_page().set("version_major", 4).buf)
        with pytest.raises(R3ELayoutMismatch, match=r"layout 4\.5, this agent implements 3\.5"):
            reader.read()
    finally:
        reader.close()


def test_frozen_ticks_while_driving_mean_the_game_is_gone(shm_dir: Path):
    page = driving_page(100)
    publish(shm_dir, page.buf)
    reader = R3EReader(stall_s=0.1)
    reader.open()
    try:
        reader.read()
        time.sleep(0.15)
        with pytest.raises(
            GameUnavailable, match=r"r3e: RaceRoom stopped updating \$R3E \(simulation ticks stuck at 100"
        ):
            reader.read()
        # Paused physics stand still on purpose: no alarm however long.
        reader.open()
        rewrite(shm_dir, page.set("game_paused", 1).buf)
        reader.read()
        time.sleep(0.15)
        reader.read()
        rewrite(shm_dir, page.set("game_paused", 0).set("player.game_simulation_ticks", 101).buf)
        reader.read()
    finally:
        reader.close()


def test_the_sampler_waits_with_the_reason_and_reattaches(shm_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("simcoach_agent.sampler.REOPEN_EVERY_S", 0.0)
    sampler = Sampler(create_source("r3e"), "rig-a")
    assert sampler.tick(1.0) is None
    assert sampler.status().startswith("r3e: waiting for shared memory")
    page = driving_page(10)
    publish(shm_dir, page.buf)
    frames = []
    for ticks in range(11, 20):
        rewrite(shm_dir, page.set("player.game_simulation_ticks", ticks).buf)
        frames.append(sampler.tick(2.0))
    assert all(f is not None for f in frames[1:])
    assert sampler.status() == "driving"
    (shm_dir / NAME).unlink()  # the game quits mid-lap
    assert sampler.tick(3.0) is None  # the mapping still holds the last page: no new ticks, no frame
    time.sleep(0.3)  # the reader looks for the file four times a second
    assert sampler.tick(3.0) is None
    assert "went away" in sampler.status()
    assert sampler.tick(3.1) is None
    assert sampler.status().startswith("r3e: waiting for shared memory")
    publish(shm_dir, page.set("player.game_simulation_ticks", 5000).buf)  # and comes back
    frame = sampler.tick(4.0)  # attached again; the physics moved on since the page was last seen
    assert frame is not None and frame.speed_kmh == pytest.approx(180.0)
    assert sampler.status() == "driving"
    sampler.source.close()


def test_auto_finds_raceroom(shm_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("simcoach_agent.games.registry.AUTO_ORDER", ("r3e",))
    with pytest.raises(GameUnavailable):
        detect_game()
    publish(shm_dir, driving_page().buf)
    assert detect_game() == "r3e"


def _drive(page: Page, step: int) -> Page:
    """One step of a short scripted lap: speed, distance and temperatures move, the lap turns over."""
    page.set("player.game_simulation_ticks", 1000 + step * 7)
    page.set("car_speed", 20.0 + step)
    page.set("lap_distance", 4259.0 * ((step * 0.05) % 1.0)).set("lap_distance_fraction", (step * 0.05) % 1.0)
    page.set("completed_laps", 4 + step // 20).set("lap_time_current_self", (step % 20) * 0.5)
    if step >= 20:
        page.set("lap_time_previous_self", 10.0)
    page.set("tire_temp[0].current_temp", 70.0 + step, 80.0 + step, 90.0 + step)
    page.set("game_paused", 1 if 25 <= step < 28 else 0)
    return page


def test_record_then_replay_gives_the_same_frames(shm_dir: Path, tmp_path: Path):
    capture = tmp_path / "r3e.capture"
    page = driving_page()
    publish(shm_dir, page.buf)
    live = create_source("r3e", record=capture)
    assert isinstance(live, GameSource)
    live.open()
    recorded = []
    for step in range(40):
        rewrite(shm_dir, _drive(page, step).buf)
        recorded.append(live.sample("rig-a", step, 1000.0 + step))
        if step % 2:  # sampled faster than the game writes: a duplicate read now and then
            recorded.append(live.sample("rig-a", step, 1000.0 + step))
    sessions = [live.session()]
    live.shutdown()

    replay = GameSource("r3e", ReplayReader(capture), R3EMapper())
    replayed = []
    with pytest.raises(CaptureEnded):
        while True:
            replayed.append(replay.sample("rig-b", 0, 0.0))
    sessions.append(replay.session())
    replay.shutdown()

    def strip(frames):
        return [None if f is None else {**msgspec.structs.asdict(f), "rig": "", "seq": 0, "t": 0.0} for f in frames]

    assert strip(replayed) == strip(recorded)
    assert sum(f is not None for f in recorded) == 36  # 40 steps less the first sight and 3 paused; no duplicates
    assert {f.lap for f in recorded if f is not None} == {5, 6}
    assert sessions[0] == sessions[1]


class _TornPage:
    """A page the game writes to while it is copied: the ticks read after the copy differ once."""

    def __init__(self) -> None:
        self.copies = [driving_page(7).buf[:HEAD_SIZE], driving_page(8).buf[:HEAD_SIZE]]
        self.ticks_reads = 0

    def still_there(self) -> bool:
        return True

    def read_at(self, offset: int, length: int) -> bytes:
        if length == HEAD_SIZE:
            return bytes(self.copies.pop(0))
        self.ticks_reads += 1
        return (8).to_bytes(4, "little")  # the game has moved on to tick 8 meanwhile


def test_a_copy_torn_by_a_write_is_taken_again():
    reader = R3EReader()
    torn = _TornPage()
    reader.page = torn  # type: ignore[assignment]
    [(_, data)] = reader.read().parts
    assert data == bytes(driving_page(8).buf[:HEAD_SIZE])
    assert torn.copies == []


def test_the_session_is_known_by_the_first_frame_sent(shm_dir: Path):
    """RaceRoom's session is read from the page a frame is mapped from: the sampler asks again on every
    sample until it has it, so the agent never sends more than a frame or two before saying what it runs."""
    sampler = Sampler(create_source("r3e"), "rig-a")
    page = driving_page(10)
    publish(shm_dir, page.buf)
    first = None
    for ticks in range(11, 40):
        rewrite(shm_dir, page.set("player.game_simulation_ticks", ticks).buf)
        frame = sampler.tick(2.0)
        if frame is not None and first is None:
            first = frame
        if sampler.session is not None:
            break
    assert first is not None and sampler.session is not None
    assert sampler.frames <= 2, sampler.frames  # known a sample after the first page was read
    assert sampler.take_session_change() == sampler.session
