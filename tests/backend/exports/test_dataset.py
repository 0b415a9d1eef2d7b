"""The machine-learning dataset: the kept frames, normalised by the statistics it states, cut into sequences."""

from __future__ import annotations

import json
import time

import msgspec
import numpy as np
import pytest

from simcoach.exports.dataset import ACTIONS, STATE_FEATURES, DatasetError, DatasetOptions, write_dataset
from simcoach.storage.records import RigFrames, SessionKey, SessionOpened
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame
from tests.backend.exports.stored import Stored, with_invalid_lap
from tests.helpers import make_frame

TRACK_LENGTH_M = 7004.0  # Spa, as the demo's session message says


def raw_states(frames: list[Frame], track_length_m: float | None = TRACK_LENGTH_M) -> np.ndarray:
    """The state features computed here, independently of the exporter, as docs/exports.md defines them."""

    def position(f: Frame) -> float | None:
        if track_length_m and f.lap_dist_m is not None:
            return f.lap_dist_m / track_length_m
        return f.track_pos

    rows = [
        [
            f.speed_kmh,
            f.g_lon,
            f.g_lat,
            None if f.steering is None else abs(f.steering),
            f.gear,
            position(f),
            *(f.wheel_slip or (None,) * 4),
        ]
        for f in frames
    ]
    return np.array(rows, dtype=np.float64)


def export(stored: Stored, out, **options) -> dict:
    store = Store(stored.path).open()
    try:
        session = store.session(stored.session_id)
        return write_dataset(store, session, out, DatasetOptions(**options))
    finally:
        store.close()


@pytest.fixture(scope="module")
def dataset(exported):
    return exported / "dataset"


def kept(stored: Stored, laps: set[int]) -> list[Frame]:
    return [f for f in stored.frames if f.lap in laps]


def test_states_and_actions_are_the_frames_of_the_clean_laps(stored, dataset):
    frames = kept(stored, {1, 2})  # lap 3 was never finished: it has no lap record
    assert len(frames) < len(stored.frames)
    states, actions = np.load(dataset / "states.npy"), np.load(dataset / "actions.npy")
    assert states.shape == (len(frames), len(STATE_FEATURES)) and states.dtype == np.float32
    assert actions.shape == (len(frames), 3) and actions.dtype == np.float32
    expected_actions = np.array([[f.throttle, f.brake, f.steering] for f in frames], dtype=np.float32)
    np.testing.assert_array_equal(actions, expected_actions)
    np.testing.assert_array_equal(np.load(dataset / "lap.npy"), [f.lap for f in frames])
    np.testing.assert_array_equal(np.load(dataset / "seq.npy"), [f.seq for f in frames])
    time_s = np.load(dataset / "time_s.npy")
    np.testing.assert_allclose(time_s, [f.t - stored.frames[0].t for f in frames], atol=1e-6)
    assert np.all(np.diff(time_s) > 0)


def test_states_are_z_scores_by_the_statistics_in_the_stats_file(stored, dataset):
    raw = raw_states(kept(stored, {1, 2}))
    stats = json.loads((dataset / "normalisation.json").read_text())["features"]
    assert list(stats) == [f.name for f in STATE_FEATURES]
    mean, std = np.nanmean(raw, axis=0), np.nanstd(raw, axis=0)
    for i, feature in enumerate(STATE_FEATURES):
        assert stats[feature.name]["mean"] == pytest.approx(mean[i], rel=1e-9, abs=1e-12)
        assert stats[feature.name]["std"] == pytest.approx(std[i], rel=1e-9)
        assert stats[feature.name]["count"] == len(raw)
    states = np.load(dataset / "states.npy").astype(np.float64)
    # Over the data, every normalised column has mean 0 and standard deviation 1 ...
    np.testing.assert_allclose(states.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(states.std(axis=0), 1.0, atol=1e-4)
    # ... and the raw values come back as x * std + mean.
    std_used = np.array([stats[f.name]["std"] for f in STATE_FEATURES])
    mean_used = np.array([stats[f.name]["mean"] for f in STATE_FEATURES])
    np.testing.assert_allclose(states * std_used + mean_used, raw, rtol=1e-5, atol=1e-5)


def test_the_schema_describes_every_array_and_column(stored, dataset):
    schema = json.loads((dataset / "schema.json").read_text())
    stats = json.loads((dataset / "normalisation.json").read_text())["features"]
    assert schema["format"] == "simcoach-dataset"
    assert schema["session"]["id"] == stored.session_id
    assert schema["laps"] == {**schema["laps"], "kept": [1, 2], "all_laps": False}
    files = {p.name for p in dataset.glob("*.npy")}
    assert set(schema["arrays"]) == files
    for name, spec in schema["arrays"].items():
        array = np.load(dataset / name)
        assert list(array.shape) == spec["shape"], name
        assert str(array.dtype) == spec["dtype"], name
    states = schema["arrays"]["states.npy"]["columns"]
    assert [c["name"] for c in states] == [f.name for f in STATE_FEATURES]
    for column in states:
        assert column["unit"] and column["source"] and "z-score" in column["normalisation"]
        assert (column["mean"], column["std"]) == (stats[column["name"]]["mean"], stats[column["name"]]["std"])
    assert {c["name"]: c["unit"] for c in states}["speed_kmh"] == "km/h"
    actions = schema["arrays"]["actions.npy"]["columns"]
    assert [c["name"] for c in actions] == [a.name for a in ACTIONS] == ["throttle", "brake", "steering"]
    assert all(c["normalisation"].startswith("none") for c in actions)
    assert schema["frames"] == schema["arrays"]["states.npy"]["shape"][0]


def test_sequences_are_windows_of_one_lap_with_the_stride(stored, dataset):
    schema = json.loads((dataset / "schema.json").read_text())
    length, stride = schema["sequences"]["length"], schema["sequences"]["stride"]
    assert (length, stride) == (120, 60)
    states, actions, lap = (np.load(dataset / n) for n in ("states.npy", "actions.npy", "lap.npy"))
    windows, window_actions = np.load(dataset / "sequences_states.npy"), np.load(dataset / "sequences_actions.npy")
    starts, laps = np.load(dataset / "sequences_start.npy"), np.load(dataset / "sequences_lap.npy")
    per_lap = {n: int((lap == n).sum()) for n in (1, 2)}
    assert len(starts) == sum((n - length) // stride + 1 for n in per_lap.values())
    assert windows.shape == (len(starts), length, len(STATE_FEATURES))
    assert window_actions.shape == (len(starts), length, 3)
    for i, start in enumerate(starts):
        np.testing.assert_array_equal(windows[i], states[start : start + length])
        np.testing.assert_array_equal(window_actions[i], actions[start : start + length])
        assert set(lap[start : start + length]) == {laps[i]}  # never across a line
    assert list(np.diff(starts[laps == 1])) == [stride] * (int((laps == 1).sum()) - 1)


def test_sequence_length_and_stride_are_options(stored, tmp_path):
    schema = export(stored, tmp_path, sequence_length=600, sequence_stride=600)
    lap = np.load(tmp_path / "lap.npy")
    expected = sum((int((lap == n).sum()) - 600) // 600 + 1 for n in (1, 2))
    assert schema["sequences"]["count"] == expected == len(np.load(tmp_path / "sequences_start.npy"))
    assert np.load(tmp_path / "sequences_states.npy").shape == (expected, 600, len(STATE_FEATURES))
    # Longer than any lap: no window at all, arrays of none.
    schema = export(stored, tmp_path / "long", sequence_length=100_000)
    assert np.load(tmp_path / "long" / "sequences_states.npy").shape == (0, 100_000, len(STATE_FEATURES))
    for bad in ({"sequence_length": 0}, {"sequence_stride": -1}):
        with pytest.raises(DatasetError, match="at least 1 frame"):
            export(stored, tmp_path / "bad", **bad)


def test_an_invalid_lap_is_left_out_unless_all_laps_are_asked_for(stored, tmp_path):
    invalid = with_invalid_lap(stored, tmp_path / "store", lap=2)
    assert [lap["valid"] for lap in invalid.laps] == [True, False]
    schema = export(invalid, tmp_path / "clean")
    assert schema["laps"]["kept"] == [1]
    assert set(np.load(tmp_path / "clean" / "lap.npy")) == {1}
    assert schema["frames"] == len(kept(invalid, {1}))
    stats = json.loads((tmp_path / "clean" / "normalisation.json").read_text())["features"]
    assert stats["speed_kmh"]["mean"] == pytest.approx(np.mean(raw_states(kept(invalid, {1}))[:, 0]), rel=1e-9)

    schema = export(invalid, tmp_path / "all", all_laps=True)
    assert schema["laps"]["all_laps"] is True
    np.testing.assert_array_equal(np.load(tmp_path / "all" / "lap.npy"), [f.lap for f in invalid.frames])
    assert set(np.load(tmp_path / "all" / "sequences_lap.npy")) == {1, 2, 3}


def test_a_session_without_a_clean_lap_is_refused_naming_all_laps(stored, tmp_path):
    none_clean = with_invalid_lap(with_invalid_lap(stored, tmp_path / "a", lap=1), tmp_path / "b", lap=2)
    with pytest.raises(DatasetError, match=r"no frames of a clean lap.*--all-laps"):
        export(none_clean, tmp_path / "out")
    assert not (tmp_path / "out" / "states.npy").exists()


def test_what_the_game_does_not_give_is_nan_and_left_out_of_the_statistics(tmp_path):
    # A game with wheel slip on every other frame, its own track position on every third, no track length.
    frames = [
        make_frame(
            "r",
            seq,
            steering=-0.5 + seq / 300,
            g_lat=0.1 * (seq % 7),
            g_lon=-0.2,
            lap_dist_m=None,
            wheel_slip=(0.01 * seq, 0.02, 0.03, 0.04) if seq % 2 else None,
            track_pos=seq / 300 if seq % 3 == 0 else None,
        )
        for seq in range(1, 301)
    ]
    store = Store(tmp_path / "simcoach.db").open()
    try:
        key = SessionKey("", "acc", "", "")
        opened = SessionOpened("s1", "r", frames[0].t, 1, key, {"type": "session", "game": "acc"})
        batch = RigFrames(
            "r", "s1", [(f.seq, f.t, f.lap, f.lap_dist_m) for f in frames], [msgspec.msgpack.encode(f) for f in frames]
        )
        store.write([batch], [opened], time.time())
        session = store.session("s1")
        with pytest.raises(DatasetError, match="no frames of a clean lap"):
            write_dataset(store, session, tmp_path / "none")  # lap 1 has no record
        write_dataset(store, session, tmp_path / "ds", DatasetOptions(all_laps=True, sequence_length=50))
    finally:
        store.close()
    states = np.load(tmp_path / "ds" / "states.npy")
    stats = json.loads((tmp_path / "ds" / "normalisation.json").read_text())["features"]
    names = [f.name for f in STATE_FEATURES]
    slip_fl, slip_fr, position = (names.index(n) for n in ("wheel_slip_fl", "wheel_slip_fr", "track_pos"))
    assert np.isnan(states[1::2, slip_fl]).all() and not np.isnan(states[::2, slip_fl]).any()
    assert stats["wheel_slip_fl"]["count"] == 150
    assert stats["wheel_slip_fl"]["mean"] == pytest.approx(np.mean([0.01 * s for s in range(1, 301, 2)]))
    np.testing.assert_allclose(np.nanmean(states[:, slip_fl]), 0.0, atol=1e-6)
    # A constant feature (wheel_slip_fr, g_lon) is only centred: zeros where given, not NaN.
    assert stats["wheel_slip_fr"]["std"] == 0.0
    np.testing.assert_allclose(states[::2, slip_fr], 0.0, atol=1e-9)
    assert stats["track_pos"]["count"] == 100
    raw = raw_states(frames, None)
    np.testing.assert_allclose(
        states[:, position] * stats["track_pos"]["std"] + stats["track_pos"]["mean"], raw[:, 5], rtol=1e-5
    )


def test_the_same_arrays_whatever_the_page_size(stored, dataset, tmp_path):
    # Windows longer than a page cross page boundaries: they are cut from the frames kept from before.
    export(stored, tmp_path / "big", sequence_length=900, sequence_stride=70)
    export(stored, tmp_path / "small", sequence_length=900, sequence_stride=70, page=317)
    for name in (
        "states",
        "actions",
        "lap",
        "seq",
        "time_s",
        *(f"sequences_{n}" for n in ("states", "actions", "lap")),
    ):
        np.testing.assert_array_equal(
            np.load(tmp_path / "small" / f"{name}.npy"), np.load(tmp_path / "big" / f"{name}.npy")
        )
    states, starts = np.load(tmp_path / "small" / "states.npy"), np.load(tmp_path / "small" / "sequences_start.npy")
    windows = np.load(tmp_path / "small" / "sequences_states.npy")
    for i in (0, len(starts) // 2, len(starts) - 1):
        np.testing.assert_array_equal(windows[i], states[starts[i] : starts[i] + 900])
    np.testing.assert_array_equal(np.load(tmp_path / "big" / "states.npy"), np.load(dataset / "states.npy"))
