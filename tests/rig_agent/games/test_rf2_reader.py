"""rF2/LMU readers and mapper on bad input: torn writes, short or foreign pages, garbage, menus, a game that leaves."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.base import GameUnavailable, LayoutMismatch, RawSample
from simcoach_agent.games.rf2 import adapter
from simcoach_agent.games.rf2 import reader as reader_module
from simcoach_agent.games.rf2.mapper import PAUSED_AFTER_S, Rf2Mapper
from simcoach_agent.games.rf2.reader import LmuDataReader, LmuReader, PluginReader, PluginVersionMismatch
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import encode
from tests.rig_agent.games.rf2_pages import (
    RF2_EXTENDED,
    RF2_EXTENDED_NAME,
    RF2_SCORING_NAME,
    RF2_TELEMETRY_NAME,
    RF2_TELEMETRY_PAGE_SIZE,
    RF2_TELEMETRY_VEHICLES_AT,
    Rf2PageFile,
    Rf2Scene,
    rf2_lmu_page,
    rf2_plugin_pages,
    rf2_write_files,
)


def _sample(reader: PluginReader | LmuDataReader | LmuReader) -> RawSample | None:
    reader.open()
    try:
        return reader.read()
    finally:
        reader.close()


def _map(scene: Rf2Scene, mapper: Rf2Mapper | None = None, t_mono: float = 1.0) -> Frame | None:
    pages = rf2_plugin_pages(scene)
    return (mapper or Rf2Mapper("rf2")).map(RawSample(t_mono, tuple(pages.items())), "rig-a", 1, 1.0)  # type: ignore[arg-type]


def test_an_absent_game_is_waited_for_with_a_message_naming_it(shm_dir: Path) -> None:
    with pytest.raises(GameUnavailable, match=r"rf2: waiting for shared memory .*\$rFactor2SMMP_Telemetry\$"):
        PluginReader("rf2").open()
    assert adapter.is_running() is False


def test_lmu_without_any_page_names_both_sources(shm_dir: Path) -> None:
    with pytest.raises(GameUnavailable) as caught:
        LmuReader().open()
    assert caught.value.args[0].startswith("lmu: waiting for shared memory")
    assert "LMU_Data" in str(caught.value)
    assert "$rFactor2SMMP_Telemetry$" in str(caught.value)


def test_a_short_page_is_refused_with_its_size(shm_dir: Path) -> None:
    pages = rf2_plugin_pages(Rf2Scene())
    pages[RF2_TELEMETRY_NAME] = pages[RF2_TELEMETRY_NAME][:5000]
    rf2_write_files(shm_dir, pages)
    with pytest.raises(
        GameUnavailable, match=r"rf2: shared memory .*Telemetry.* is 5000 bytes, the layout needs 241680"
    ):
        PluginReader("rf2").open()
    rf2_write_files(shm_dir, {"LMU_Data": b"\0" * 1000})
    with pytest.raises(GameUnavailable, match=r"LMU_Data is 1000 bytes, the layout needs 324824"):
        LmuDataReader().open()


@pytest.mark.parametrize(("version", "is64"), [(b"2.4.0.0", True), (b"3.7.15.1", False)])
def test_another_plugin_layout_is_refused_but_waited_for(shm_dir: Path, version: bytes, is64: bool) -> None:
    pages = rf2_plugin_pages(Rf2Scene(plugin_version=version))
    struct.pack_into("<?", pages[RF2_EXTENDED_NAME], RF2_EXTENDED["is64bit"][0], is64)
    rf2_write_files(shm_dir, pages)
    with pytest.raises(PluginVersionMismatch, match="rf2: the rF2 shared memory plugin is version") as caught:
        PluginReader("rf2").open()
    # The sampler waits for a GameUnavailable and retries; the type also says what went wrong.
    assert isinstance(caught.value, GameUnavailable)
    assert isinstance(caught.value, LayoutMismatch)


def test_a_plugin_swapped_while_running_is_noticed(shm_dir: Path) -> None:
    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    reader = PluginReader("rf2")
    reader.open()
    try:
        assert reader.read() is not None
        Rf2PageFile(shm_dir, RF2_EXTENDED_NAME, len(rf2_plugin_pages(Rf2Scene())[RF2_EXTENDED_NAME])).write(
            rf2_plugin_pages(Rf2Scene(plugin_version=b"4.0.0.0"))[RF2_EXTENDED_NAME]
        )
        with pytest.raises(PluginVersionMismatch):
            reader.read()
    finally:
        reader.close()


def test_a_page_being_written_is_skipped_not_copied(shm_dir: Path) -> None:
    pages = rf2_plugin_pages(Rf2Scene())
    struct.pack_into("<I", pages[RF2_TELEMETRY_NAME], 0, 9)  # begin 9, end 2: a write under way
    rf2_write_files(shm_dir, pages)
    assert _sample(PluginReader("rf2")) is None
    struct.pack_into("<I", pages[RF2_TELEMETRY_NAME], 0, 2)
    rf2_write_files(shm_dir, pages)
    assert _sample(PluginReader("rf2")) is not None


WRITER = textwrap.dedent(
    """
    import mmap, os, struct, sys, time
    path, at, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fd = os.open(path, os.O_RDWR)
    m = mmap.mmap(fd, os.fstat(fd).st_size)
    os.close(fd)
    k, stop = 0, time.monotonic() + float(sys.argv[4])
    while time.monotonic() < stop:
        k = (k + 1) % 251
        begin = struct.unpack_from("<I", m, 0)[0] + 1
        struct.pack_into("<I", m, 0, begin)
        for chunk in range(0, size, 64):
            m[at + chunk : at + chunk + 64] = bytes([k]) * 64
        struct.pack_into("<I", m, 4, begin)
    m.close()
    """
)


def test_copies_taken_during_real_concurrent_writes_are_never_torn(shm_dir: Path) -> None:
    pages = rf2_plugin_pages(Rf2Scene())
    region_at, region = RF2_TELEMETRY_VEHICLES_AT + 2 * 1888 + 400, 1024  # inside the player's slot
    pages[RF2_TELEMETRY_NAME][region_at : region_at + region] = bytes(region)  # uniform before the writer starts
    rf2_write_files(shm_dir, pages)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(shm_dir / RF2_TELEMETRY_NAME), str(region_at), str(region), "1.5"]
    )
    reader = PluginReader("rf2")
    reader.open()
    copies = skipped = 0
    try:
        deadline = time.monotonic() + 1.2
        while time.monotonic() < deadline:
            raw = reader.read()
            if raw is None:
                skipped += 1
                continue
            data = dict(raw.parts)[RF2_TELEMETRY_NAME]
            chunk = data[region_at : region_at + region]
            assert chunk == bytes([chunk[0]]) * region, "a torn copy got through"
            copies += 1
    finally:
        reader.close()
        writer.wait(10)
    assert copies > 100


def test_garbage_pages_never_produce_an_invalid_frame() -> None:
    rng = random.Random(7)
    valid = rf2_plugin_pages(Rf2Scene())
    slot = RF2_TELEMETRY_VEHICLES_AT + 2 * 1888  # the player's telemetry (after two other cars)
    for _ in range(200):
        # Random numbers in every field of a player the mapper does find: each must come out valid or null.
        pages = {name: bytearray(data) for name, data in valid.items()}
        pages[RF2_TELEMETRY_NAME][slot + 4 : slot + 1888] = rng.randbytes(1884)
        frame = Rf2Mapper("rf2").map(RawSample(1.0, tuple((n, bytes(d)) for n, d in pages.items())), "r", 1, 1.0)
        assert frame is not None
        msgspec.msgpack.decode(encode(frame), type=Frame)  # raises on any out-of-contract value
    for _ in range(100):
        # Whole pages of noise (with a matching version block): nothing raises, nothing invalid is sent.
        pages = {
            RF2_TELEMETRY_NAME: bytearray(rng.randbytes(RF2_TELEMETRY_PAGE_SIZE)),
            RF2_SCORING_NAME: bytearray(rng.randbytes(75312)),
            RF2_EXTENDED_NAME: valid[RF2_EXTENDED_NAME],
        }
        for name in (RF2_TELEMETRY_NAME, RF2_SCORING_NAME):
            pages[name][4:8] = pages[name][0:4]
        frame = Rf2Mapper("rf2").map(RawSample(1.0, tuple((n, bytes(d)) for n, d in pages.items())), "r", 1, 1.0)
        if frame is not None:
            msgspec.msgpack.decode(encode(frame), type=Frame)


def test_mapping_garbage_lmu_data_yields_valid_frames_or_nothing(shm_dir: Path) -> None:
    rng = random.Random(3)
    base = rf2_lmu_page(Rf2Scene())
    for _ in range(40):
        page = bytearray(base)
        slot = 128468 + 1888  # the player's TelemInfoV01
        page[slot + 4 : slot + 1888] = rng.randbytes(1884)
        rf2_write_files(shm_dir, {"LMU_Data": page})
        raw = _sample(LmuDataReader())
        assert raw is not None
        frame = Rf2Mapper("lmu").map(raw, "rig-a", 1, 1.0)
        assert frame is not None
        msgspec.msgpack.decode(encode(frame), type=Frame)


def test_a_game_that_closes_is_noticed_and_reattached_when_it_returns(
    shm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "LOOK_EVERY_S", 0.0)  # look for the pages at every read
    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    reader = PluginReader("rf2")
    reader.open()
    assert reader.read() is not None
    (shm_dir / RF2_SCORING_NAME).unlink()
    with pytest.raises(GameUnavailable, match=r"rf2: shared memory '\$rFactor2SMMP_Scoring\$' went away"):
        reader.read()
    reader.close()
    with pytest.raises(GameUnavailable, match="waiting for shared memory"):
        reader.open()
    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    reader.open()
    try:
        assert reader.read() is not None
    finally:
        reader.close()


def test_pages_that_stop_changing_count_as_a_closed_game(shm_dir: Path) -> None:
    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    reader = PluginReader("rf2", stale_after_s=0.05)
    reader.open()
    try:
        assert reader.read() is not None
        time.sleep(0.1)
        with pytest.raises(GameUnavailable, match="rf2: shared memory has not changed for 0 s"):
            reader.read()
    finally:
        reader.close()
    rf2_write_files(shm_dir, {"LMU_Data": rf2_lmu_page(Rf2Scene())})
    native = LmuDataReader(stale_after_s=0.05)
    native.open()
    try:
        assert native.read() is not None
        time.sleep(0.1)
        with pytest.raises(GameUnavailable, match="lmu: LMU_Data has not changed"):
            native.read()
    finally:
        native.close()


def test_zeroed_pages_as_the_plugin_leaves_them_send_nothing(shm_dir: Path) -> None:
    rf2_write_files(shm_dir, {name: bytes(len(data)) for name, data in rf2_plugin_pages(Rf2Scene()).items()})
    raw = _sample(PluginReader("rf2"))
    assert raw is not None
    mapper = Rf2Mapper("rf2")
    assert mapper.map(raw, "rig-a", 1, 1.0) is None
    assert mapper.status() == "in menu"
    assert mapper.session() is None


@pytest.mark.parametrize(
    ("scene", "status"),
    [
        (Rf2Scene(in_realtime=False), "in menu"),
        (Rf2Scene(control=3), "replay"),
        (Rf2Scene(phase=9), "paused"),
    ],
    ids=["monitor", "replay", "paused"],
)
def test_menus_replays_and_pauses_send_nothing(scene: Rf2Scene, status: str) -> None:
    mapper = Rf2Mapper("rf2")
    assert _map(scene, mapper) is None
    assert mapper.status() == status


def test_the_extended_page_says_when_the_player_left_realtime() -> None:
    pages = rf2_plugin_pages(Rf2Scene())
    struct.pack_into("<?", pages[RF2_EXTENDED_NAME], RF2_EXTENDED["mInRealtimeFC"][0], False)
    mapper = Rf2Mapper("rf2")
    assert mapper.map(RawSample(1.0, tuple((n, bytes(d)) for n, d in pages.items())), "r", 1, 1.0) is None
    assert mapper.status() == "in menu"


def test_telemetry_that_stops_moving_is_a_pause_not_a_repeated_frame() -> None:
    mapper = Rf2Mapper("rf2")
    assert _map(Rf2Scene(elapsed=50.0), mapper, t_mono=10.0) is not None
    assert _map(Rf2Scene(elapsed=50.0), mapper, t_mono=10.02) is None
    assert mapper.status() == "driving"  # one slow update is not a pause
    assert _map(Rf2Scene(elapsed=50.0), mapper, t_mono=10.0 + PAUSED_AFTER_S + 0.1) is None
    assert mapper.status() == "paused"
    assert _map(Rf2Scene(elapsed=50.02), mapper, t_mono=11.0) is not None
    assert mapper.status() == "driving"


def test_lmu_falls_back_to_the_plugin_pages_and_prefers_its_own(shm_dir: Path) -> None:
    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    assert adapter.is_running() is True
    reader = LmuReader()
    reader.open()
    try:
        assert reader.active is reader.plugin
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    frame = Rf2Mapper("lmu").map(raw, "rig-a", 1, 1.0)
    assert frame is not None
    assert frame.speed_kmh == pytest.approx(180.0)

    rf2_write_files(shm_dir, {"LMU_Data": rf2_lmu_page(Rf2Scene())})
    reader.open()
    try:
        assert reader.active is reader.native
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    assert raw.parts[0][0] == "LMU_Data"


def test_lmu_data_held_by_the_games_lock_is_not_copied(shm_dir: Path) -> None:
    rf2_write_files(
        shm_dir, {"LMU_Data": rf2_lmu_page(Rf2Scene()), "LMU_SharedMemoryLockData": struct.pack("<ii", 0, 1)}
    )
    assert _sample(LmuDataReader()) is None
    rf2_write_files(shm_dir, {"LMU_SharedMemoryLockData": struct.pack("<ii", 0, 0)})
    assert _sample(LmuDataReader()) is not None


def test_auto_tells_lmu_from_rf2_by_the_page_only_lmu_makes(shm_dir: Path) -> None:
    from simcoach_agent.games.registry import detect_game

    rf2_write_files(shm_dir, rf2_plugin_pages(Rf2Scene()))
    assert detect_game() == "rf2"
    rf2_write_files(shm_dir, {"LMU_Data": rf2_lmu_page(Rf2Scene())})
    assert detect_game() == "lmu"
