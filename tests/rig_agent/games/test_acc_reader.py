"""ACC/AC reader on real shared-memory files: attaching, sizes, a game that goes or hangs, record and replay."""

from __future__ import annotations

import struct
import time

import msgspec
import pytest

from simcoach_agent import sampler as sampler_module
from simcoach_agent.games.acc import adapter
from simcoach_agent.games.acc.detect import AC, ACC
from simcoach_agent.games.acc.reader import AccReader
from simcoach_agent.games.base import GameSource, GameUnavailable
from simcoach_agent.games.registry import create_source
from simcoach_agent.sampler import Sampler
from tests.rig_agent.games import acc_pages as pages


@pytest.fixture
def game(shm_dir):
    files = pages.PageFiles(shm_dir)
    yield files
    files.close()


def create(files: pages.PageFiles, game: str = "acc", layout: str | None = None, **graphics: object) -> None:
    files.create(
        pages.physics_page(game, packetId=1, speedKmh=100.0),
        pages.graphics_page(game, **graphics),
        pages.static_page(layout or game),
    )


def tick(files: pages.PageFiles) -> None:
    physics = files.page("physics")
    struct.pack_into("<i", physics, 0, struct.unpack_from("<i", physics, 0)[0] + 1)


def test_waiting_for_a_game_that_is_not_running(shm_dir):
    reader = AccReader("acc")
    with pytest.raises(GameUnavailable, match=r"^acc: waiting for shared memory .*acpmf_static \(is the game running"):
        reader.open()
    assert adapter.is_running() is False


def test_attaches_with_the_layout_the_static_page_shows(game):
    create(game, "acc")
    assert adapter.is_running() is True
    reader = AccReader("ac")
    reader.open()
    assert reader.variant is ACC
    raw = reader.read()
    assert [(name, len(data)) for name, data in raw.parts] == [("physics", 800), ("graphics", 1588), ("static", 820)]
    reader.close()
    game.remove()
    create(game, "ac")
    reader = AccReader("acc")
    reader.open()
    assert reader.variant is AC
    assert [len(data) for _, data in reader.read().parts] == [580, 296, 684]
    reader.close()


def test_acc_static_page_of_the_short_layout(game):
    create(game, "acc", "acc15")
    reader = AccReader("acc")
    reader.open()
    assert reader.variant is not None
    assert reader.variant.label == "ACC (trackConfiguration[15])"
    assert len(dict(reader.read().parts)["static"]) == 784
    reader.close()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("short static", r"acc: shared memory .*acpmf_static is 300 bytes, the layout needs 684"),
        ("empty static", r"acc: the static page is still empty \(the game is starting\); waiting for the game"),
        ("garbage static", r"acc: the static page does not hold an AC/ACC shared memory version"),
        ("short physics", r"acc: shared memory .*acpmf_physics is 700 bytes, the layout needs 800.* \(ACC layout\)"),
        ("no graphics", r"acc: waiting for shared memory .*acpmf_graphics"),
    ],
)
def test_pages_that_cannot_be_read_are_waited_for_with_a_reason(game, shm_dir, case, message):
    create(game, "acc")
    game.close()
    if case == "short static":
        (shm_dir / "acpmf_static").write_bytes(bytes(300))
    elif case == "empty static":
        (shm_dir / "acpmf_static").write_bytes(bytes(820))
    elif case == "garbage static":
        (shm_dir / "acpmf_static").write_bytes(bytes(range(256)) * 4)
    elif case == "short physics":
        (shm_dir / "acpmf_physics").write_bytes(bytes(700))
    else:
        (shm_dir / "acpmf_graphics").unlink()
    reader = AccReader("acc")
    with pytest.raises(GameUnavailable, match=message):
        reader.open()
    reader.close()


def test_pages_removed_mid_lap_are_noticed(game):
    create(game)
    reader = AccReader("acc")
    reader.open()
    reader.read()
    game.remove()
    with pytest.raises(
        GameUnavailable, match=r"acc: shared memory 'Local\\\\acpmf_.*' was removed \(the game closed\)"
    ):
        for _ in range(20):
            reader.read()
    reader.close()


def test_pages_made_anew_by_a_restarted_game_are_noticed(game):
    create(game)
    reader = AccReader("acc")
    reader.open()
    game.remove()
    create(game)
    with pytest.raises(GameUnavailable, match="was made anew; attaching again"):
        for _ in range(20):
            reader.read()
    reader.close()


def test_a_live_game_that_stops_updating_is_let_go_but_a_paused_one_is_not(game):
    create(game)
    reader = AccReader("acc", stall_s=0.05)
    reader.open()
    reader.read()
    pages.put(game.page("graphics"), pages.ACC_GRAPHICS, status=3)  # paused: frozen is normal
    deadline = time.monotonic() + 0.15
    while time.monotonic() < deadline:
        reader.read()
    pages.put(game.page("graphics"), pages.ACC_GRAPHICS, status=2)
    reader.read()  # the graphics page changed: counting starts again
    time.sleep(0.1)
    with pytest.raises(GameUnavailable, match="says it is live but its shared memory has not changed"):
        reader.read()
    reader.close()


def test_the_sampler_waits_for_a_closed_game_and_reattaches(game, monkeypatch):
    monkeypatch.setattr(sampler_module, "REOPEN_EVERY_S", 0.0)
    create(game)
    source = GameSource("acc", adapter.make_reader("acc"), adapter.make_mapper("acc"))
    sampler = Sampler(source, "rig-a")
    frames = []

    def run(n: int) -> None:
        for _ in range(n):
            if game.maps:  # the game is running
                tick(game)
            frame = sampler.tick(time.time())
            if frame is not None:
                frames.append(frame)

    run(5)
    assert len(frames) == 4  # the first look only learns the page is there
    game.remove()
    run(30)
    assert len(frames) <= 4 + 15  # read until the removal is seen, never after
    sent = len(frames)
    assert sampler.status().startswith("acc: ")
    assert "acpmf_" in sampler.status()
    run(10)
    assert len(frames) == sent
    create(game)
    run(10)
    assert len(frames) > sent
    assert sampler.status() == "driving"
    source.close()


def test_record_then_replay_gives_the_same_frames(game, tmp_path):
    capture = tmp_path / "acc.capture"
    create(game)
    live = create_source("acc", record=capture)
    live.open()
    sent = []
    script = (
        [{"completedLaps": 0, "normalizedCarPosition": i / 10, "iCurrentTime": i * 100} for i in range(10)]
        + [{"status": 3}] * 3
        + [{"status": 2, "completedLaps": 1, "iLastTime": 90_000, "normalizedCarPosition": 0.01}]
        + [{}] * 3
    )
    for i, graphics in enumerate(script):
        tick(game)
        pages.put(game.page("physics"), pages.PHYSICS, speedKmh=100.0 + i, gear=2 + i % 3)
        pages.put(game.page("graphics"), pages.ACC_GRAPHICS, **graphics)
        sent.append(live.sample("rig-a", i, 1000.0 + i))
    live.shutdown()
    assert sum(f is not None for f in sent) == len(script) - 1 - 3  # first look and the pause send nothing
    replay = create_source("acc", replay=capture)
    replay.open()
    again = [replay.sample("rig-a", i, 2000.0 + i) for i in range(len(script))]
    replay.shutdown()

    def plain(frame):
        return None if frame is None else {k: v for k, v in msgspec.to_builtins(frame).items() if k not in ("seq", "t")}

    assert [plain(f) for f in again] == [plain(f) for f in sent]
    assert plain(sent[-1])["lap"] == 2
    assert plain(sent[-1])["last_lap_s"] == 90.0


def test_factories_refuse_other_games_and_options():
    with pytest.raises(ValueError, match="reads 'acc' or 'ac'"):
        adapter.make_mapper("r3e")
    with pytest.raises(TypeError, match="unknown options"):
        adapter.make_reader("acc", port=5606)
