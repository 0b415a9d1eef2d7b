"""``--record`` then ``--replay`` through the rf2/lmu adapters gives the frames the live game gave."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.capture import CaptureEnded
from simcoach_agent.games.registry import create_source
from simcoach_agent.telemetry import Frame
from tests.rig_agent.games.rf2_pages import (
    LMU_DATA_SIZE,
    Rf2PageFile,
    Rf2Scene,
    rf2_lmu_page,
    rf2_plugin_pages,
)


def _scene(step: int) -> Rf2Scene:
    """A scripted stretch: a lap boundary at step 36, a pause (frozen clock) at 40..44, the monitor at 50..54."""
    lap_s = 0.6
    t = min(step, 40) / 60 + max(0, step - 44) / 60
    laps, into = divmod(t, lap_s)
    return Rf2Scene(
        elapsed=100.0 + t,
        lap_start=100.0 + laps * lap_s,
        laps_done=int(laps),
        last=lap_s if laps else -1.0,
        lap_dist=into / lap_s * 7004.0,
        vel=(0.0, 0.0, -(30.0 + step)),
        carcass_k=(350.0 + step, 351.0, 352.0, 353.0),
        in_realtime=not 50 <= step < 55,
    )


def _strip(frames: list[Frame | None]) -> list[Frame | None]:
    return [None if f is None else msgspec.structs.replace(f, seq=0, t=0.0) for f in frames]


def _run_live(game: str, shm_dir: Path, record: Path) -> list[Frame | None]:
    if game == "lmu":
        files = {"LMU_Data": Rf2PageFile(shm_dir, "LMU_Data", LMU_DATA_SIZE)}
        pages_of = lambda step: {"LMU_Data": rf2_lmu_page(_scene(step))}  # noqa: E731
    else:
        first = rf2_plugin_pages(_scene(0))
        files = {name: Rf2PageFile(shm_dir, name, len(data)) for name, data in first.items()}
        pages_of = lambda step: rf2_plugin_pages(_scene(step))  # noqa: E731
    source = create_source(game, record=record)
    frames: list[Frame | None] = []
    try:
        for step in range(70):
            for name, data in pages_of(step).items():
                files[name].write(data, versioned=game != "lmu")
            if step == 0:
                source.open()
            frames.append(source.sample("rig-a", step + 1, 1_700_000_000.0 + step))
    finally:
        source.shutdown()
        for f in files.values():
            f.close()
    return frames


def _run_replay(game: str, record: Path) -> list[Frame | None]:
    source = create_source(game, replay=record)
    source.open()
    frames: list[Frame | None] = []
    try:
        for step in range(1000):
            frames.append(source.sample("rig-a", step + 1, 1_800_000_000.0 + step))
    except CaptureEnded:
        pass
    finally:
        source.shutdown()
    return frames


@pytest.mark.parametrize("game", ["rf2", "lmu"])
def test_record_then_replay_gives_the_same_frames(game: str, shm_dir: Path, tmp_path: Path) -> None:
    record = tmp_path / f"{game}.capture"
    live = _run_live(game, shm_dir, record)
    replayed = _run_replay(game, record)
    assert _strip(replayed) == _strip(live)
    sent = [f for f in live if f is not None]
    # The script's pause and monitor stretches sent nothing; the lap boundary is in the frames.
    assert 50 < len(sent) < 70
    assert {f.lap for f in sent} == {1, 2}
    assert next(f for f in sent if f.lap == 2).last_lap_s == 0.6
