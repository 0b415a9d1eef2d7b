"""The machine-learning dataset: state features and driver actions as NumPy arrays, normalised, with sequences.

A directory of ``.npy`` files (see docs/exports.md). A session of any length
is read from the store a page at a time and never held whole: a first pass
counts the frames kept, finds each lap's run of them and gathers each
feature's mean and standard deviation; a second writes every array front to
back, the normalised frames and the sequences cut from them as they come.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from simcoach.exports.tabular import PAGE_FRAMES, lap_is_clean
from simcoach.history.schema import TELEMETRY_UNITS, WHEEL_SUFFIXES
from simcoach.storage.records import SessionRow
from simcoach.storage.store import Store
from simcoach_agent.telemetry import Frame

FloatArray = npt.NDArray[np.float64]

SCHEMA_VERSION: Final = 1
# Two seconds at 60 Hz, a new window every second: long enough to hold a corner entry.
DEFAULT_SEQUENCE_LENGTH: Final = 120
DEFAULT_SEQUENCE_STRIDE: Final = 60
# Lap number of frames that carry none (kept only with all_laps).
NO_LAP: Final = -1
# Windows written to the sequence arrays at a time (a few MB).
_WINDOW_BLOCK: Final = 512


@dataclass(frozen=True, slots=True)
class Feature:
    """One column of ``states.npy`` or ``actions.npy``: its name, unit and how it is computed from a frame."""

    name: str
    unit: str
    source: str


STATE_FEATURES: Final = (
    Feature("speed_kmh", TELEMETRY_UNITS["speed_kmh"], "speed_kmh"),
    Feature("g_lon", TELEMETRY_UNITS["g_lon"], "g_lon"),
    Feature("g_lat", TELEMETRY_UNITS["g_lat"], "g_lat"),
    Feature("steering_abs", "0..1 of full lock, either way", "abs(steering)"),
    Feature("gear", TELEMETRY_UNITS["gear"], "gear"),
    Feature(
        "track_pos",
        TELEMETRY_UNITS["track_pos"],
        "lap_dist_m / the session's track_length_m; the frame's track_pos when the track length is unknown",
    ),
    *(
        Feature(f"wheel_slip_{s}", TELEMETRY_UNITS["wheel_slip"], f"wheel_slip[{i}], NaN when the game gives none")
        for i, s in enumerate(WHEEL_SUFFIXES)
    ),
)
ACTIONS: Final = (
    Feature("throttle", TELEMETRY_UNITS["throttle"], "throttle"),
    Feature("brake", TELEMETRY_UNITS["brake"], "brake"),
    Feature("steering", TELEMETRY_UNITS["steering"], "steering"),
)
_NO_SLIP: Final = (math.nan,) * 4
_decoder = msgspec.msgpack.Decoder(Frame)


class DatasetError(ValueError):
    """A dataset that cannot be made as asked (bad options, or no frame to put in it)."""


@dataclass(frozen=True, slots=True)
class DatasetOptions:
    all_laps: bool = False
    sequence_length: int = DEFAULT_SEQUENCE_LENGTH
    sequence_stride: int = DEFAULT_SEQUENCE_STRIDE
    page: int = PAGE_FRAMES

    def check(self) -> None:
        if self.sequence_length < 1:
            raise DatasetError(f"sequence length {self.sequence_length}: at least 1 frame")
        if self.sequence_stride < 1:
            raise DatasetError(f"sequence stride {self.sequence_stride}: at least 1 frame")


@dataclass(slots=True)
class _Stats:
    """Running count, mean and sum of squared deviations per feature, NaN left out (Chan et al.'s merge)."""

    count: FloatArray = field(default_factory=lambda: np.zeros(len(STATE_FEATURES)))
    mean: FloatArray = field(default_factory=lambda: np.zeros(len(STATE_FEATURES)))
    m2: FloatArray = field(default_factory=lambda: np.zeros(len(STATE_FEATURES)))

    def add(self, x: FloatArray) -> None:
        present = ~np.isnan(x)
        n_b = present.sum(axis=0).astype(np.float64)
        filled = np.where(present, x, 0.0)
        mean_b = np.divide(filled.sum(axis=0), n_b, out=np.zeros_like(n_b), where=n_b > 0)
        m2_b = (np.where(present, x - mean_b, 0.0) ** 2).sum(axis=0)
        n = self.count + n_b
        delta = mean_b - self.mean
        share = np.divide(n_b, n, out=np.zeros_like(n), where=n > 0)
        self.mean = self.mean + delta * share
        self.m2 = self.m2 + m2_b + delta**2 * self.count * share
        self.count = n

    def std(self) -> FloatArray:
        return np.sqrt(np.divide(self.m2, self.count, out=np.zeros_like(self.m2), where=self.count > 0))


@dataclass(frozen=True, slots=True)
class _Page:
    states: FloatArray  # [n, F], raw
    actions: FloatArray  # [n, 3]
    lap: npt.NDArray[np.int32]
    seq: npt.NDArray[np.int64]
    t: FloatArray


def _page(frames: Sequence[Frame], keep: frozenset[int] | None, track_length_m: float | None) -> _Page:
    """The kept frames of one page as raw arrays; ``keep`` None keeps every frame."""
    kept = [f for f in frames if keep is None or f.lap in keep]

    def col(values: Iterable[float | int | None]) -> FloatArray:
        return np.array(list(values), dtype=np.float64)  # None becomes NaN

    def position(f: Frame) -> float | None:
        if track_length_m and f.lap_dist_m is not None:
            return f.lap_dist_m / track_length_m
        return f.track_pos

    steering = col(f.steering for f in kept)
    slip = np.array([f.wheel_slip or _NO_SLIP for f in kept], dtype=np.float64).reshape(len(kept), 4)
    states = np.column_stack(
        [
            col(f.speed_kmh for f in kept),
            col(f.g_lon for f in kept),
            col(f.g_lat for f in kept),
            np.abs(steering),
            col(f.gear for f in kept),
            col(position(f) for f in kept),
            slip,
        ]
    ).reshape(len(kept), len(STATE_FEATURES))
    actions = np.column_stack([col(f.throttle for f in kept), col(f.brake for f in kept), steering]).reshape(
        len(kept), len(ACTIONS)
    )
    return _Page(
        states,
        actions,
        np.array([NO_LAP if f.lap is None else f.lap for f in kept], dtype=np.int32),
        np.array([f.seq for f in kept], dtype=np.int64),
        np.array([f.t for f in kept], dtype=np.float64),
    )


def _kept_laps(laps: Sequence[dict[str, Any]]) -> frozenset[int]:
    """Lap numbers whose every record is clean (a number recorded twice must be clean both times)."""
    by_number: dict[int, bool] = {}
    for record in laps:
        number = record.get("lap")
        if isinstance(number, int):
            by_number[number] = by_number.get(number, True) and lap_is_clean(record)
    return frozenset(n for n, clean in by_number.items() if clean)


def _save(path: Path, array: npt.NDArray[Any]) -> None:
    np.save(path, array, allow_pickle=False)


class _NpyWriter:
    """A ``.npy`` file of a known shape, written front to back a block of rows at a time."""

    def __init__(self, path: Path, dtype: Any, shape: tuple[int, ...]) -> None:
        self.dtype = np.dtype(dtype)
        self.shape = shape
        self.rows = 0
        self._file = path.open("wb")
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(self._file, header)

    def append(self, block: npt.NDArray[Any]) -> None:
        if block.shape[1:] != self.shape[1:] or self.rows + len(block) > self.shape[0]:
            raise ValueError(f"{self._file.name}: a block of {block.shape} does not fit {self.shape}")
        self._file.write(np.ascontiguousarray(block, dtype=self.dtype).tobytes())
        self.rows += len(block)

    def close(self) -> None:
        self._file.close()


def write_dataset(
    store: Store, session: SessionRow, out: Path, options: DatasetOptions | None = None
) -> dict[str, Any]:
    """Write the session's dataset into the directory ``out`` (created); returns its schema (also ``schema.json``).

    Raises DatasetError for bad options, or when no frame is kept (no clean lap without ``all_laps``).
    """
    options = options or DatasetOptions()
    options.check()
    laps = store.laps(session.id)
    keep = None if options.all_laps else _kept_laps(laps)
    track_length_m = session.info.get("track_length_m")
    track_length = float(track_length_m) if isinstance(track_length_m, int | float) and track_length_m > 0 else None

    def pages() -> Iterable[_Page]:
        for data in store.session_frames(session, options.page):
            yield _page([_decoder.decode(d) for d in data], keep, track_length)

    # Pass 1: how many frames, where each lap's run of them starts, and the statistics.
    stats = _Stats()
    n = 0
    runs: list[tuple[int, int, int]] = []  # (lap, first row, end row)
    for page in pages():
        stats.add(page.states)
        for lap in page.lap.tolist():
            if runs and runs[-1][0] == lap and runs[-1][2] == n:
                runs[-1] = (lap, runs[-1][1], n + 1)
            else:
                runs.append((lap, n, n + 1))
            n += 1
    if n == 0:
        kept = "frames" if options.all_laps else "frames of a clean lap (valid, complete, not an out- or in-lap)"
        raise DatasetError(f"session {session.id!r} has no {kept}; --all-laps keeps every lap")
    mean, std = stats.mean, stats.std()
    # A constant feature's std comes out as rounding noise (1e-17), not 0: dividing by it would turn
    # the column into noise of size 1. It is stated as 0 and only centred (as an absent one).
    std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 0.0)
    scale = np.where(std > 0, std, 1.0)

    # Sequences: windows of L consecutive frames of one lap, a new one every ``stride`` frames.
    length, stride = options.sequence_length, options.sequence_stride
    starts = np.array([s for _, first, end in runs for s in range(first, end - length + 1, stride)], np.int64)
    s_count = len(starts)

    # Pass 2: every array written front to back as the pages come (their shapes are known now);
    # a window is cut once its last frame has come, from the page and the frames kept from before it.
    out.mkdir(parents=True, exist_ok=True)
    n_states, n_actions = len(STATE_FEATURES), len(ACTIONS)
    names = ("states", "actions", "lap", "seq", "time_s", "sequences_states", "sequences_actions", "sequences_lap")
    shapes = (
        (np.float32, (n, n_states)),
        (np.float32, (n, n_actions)),
        (np.int32, (n,)),
        (np.int64, (n,)),
        (np.float64, (n,)),
        (np.float32, (s_count, length, n_states)),
        (np.float32, (s_count, length, n_actions)),
        (np.int32, (s_count,)),
    )
    files = {
        name: _NpyWriter(out / f"{name}.npy", dtype, shape) for name, (dtype, shape) in zip(names, shapes, strict=True)
    }
    try:
        row = 0  # index of the page's first frame
        carry_states = np.empty((0, n_states), np.float32)  # the last L - 1 frames before the page
        carry_actions = np.empty((0, n_actions), np.float32)
        carry_lap = np.empty(0, np.int32)
        next_window = 0
        for page in pages():
            end = row + len(page.lap)
            if end > n:
                raise DatasetError(f"session {session.id!r} changed while it was exported")
            states = ((page.states - mean) / scale).astype(np.float32)
            actions = page.actions.astype(np.float32)
            files["states"].append(states)
            files["actions"].append(actions)
            files["lap"].append(page.lap)
            files["seq"].append(page.seq)
            files["time_s"].append(page.t - session.started)
            held_states = np.concatenate([carry_states, states])
            held_actions = np.concatenate([carry_actions, actions])
            held_lap = np.concatenate([carry_lap, page.lap])
            first_held = end - len(held_lap)
            done = next_window + int(np.searchsorted(starts[next_window:], end - length, side="right"))
            for i in range(next_window, done, _WINDOW_BLOCK):
                block = starts[i : min(done, i + _WINDOW_BLOCK), None] - first_held + np.arange(length)
                files["sequences_states"].append(held_states[block])
                files["sequences_actions"].append(held_actions[block])
                files["sequences_lap"].append(held_lap[block[:, 0]])
            next_window = done
            keep_from = max(0, len(held_lap) - (length - 1))
            carry_states, carry_actions = held_states[keep_from:], held_actions[keep_from:]
            carry_lap = held_lap[keep_from:]
            row = end
        if row != n or next_window != s_count:
            raise DatasetError(f"session {session.id!r} changed while it was exported")
    finally:
        for writer in files.values():
            writer.close()
    _save(out / "sequences_start.npy", starts)

    features: dict[str, dict[str, Any]] = {
        f.name: {
            "mean": float(mean[i]) if stats.count[i] else None,
            "std": float(std[i]) if stats.count[i] else None,
            "count": int(stats.count[i]),
        }
        for i, f in enumerate(STATE_FEATURES)
    }
    stats_json = {
        "method": "z-score: (x - mean) / std over the exported frames; NaN left out; std 0 divides by 1",
        "features": features,
    }
    (out / "normalisation.json").write_text(json.dumps(stats_json, indent=2) + "\n")
    schema = _schema(session, laps, keep, options, counts=(n, s_count), features=features)
    (out / "schema.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return schema


def _schema(
    session: SessionRow,
    laps: Sequence[dict[str, Any]],
    keep: frozenset[int] | None,
    options: DatasetOptions,
    *,
    counts: tuple[int, int],
    features: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """What ``schema.json`` says: every array, its shape and dtype, and every column's unit and normalisation."""
    length = options.sequence_length
    n, s_count = counts
    state_columns = [
        {
            "name": f.name,
            "unit": f.unit,
            "source": f.source,
            "normalisation": "z-score (x - mean) / std, from normalisation.json; raw = x * std + mean",
            **features[f.name],
        }
        for f in STATE_FEATURES
    ]
    action_columns = [
        {"name": f.name, "unit": f.unit, "source": f.source, "normalisation": "none (already 0..1 or -1..1)"}
        for f in ACTIONS
    ]
    kept_laps = sorted({int(r["lap"]) for r in laps if isinstance(r.get("lap"), int)} if keep is None else keep)
    return {
        "format": "simcoach-dataset",
        "version": SCHEMA_VERSION,
        "session": session.to_json(),
        "frames": n,
        "laps": {
            "rule": "every frame"
            if keep is None
            else "frames of laps whose record is valid and complete, "
            "neither an out-lap nor an in-lap (a frame belongs to the lap number in its lap field)",
            "all_laps": keep is None,
            "kept": kept_laps,
        },
        "missing": "NaN where the game gave nothing",
        "sequences": {
            "length": length,
            "stride": options.sequence_stride,
            "count": s_count,
            "rule": "windows of `length` consecutive exported frames of one lap, one starting every `stride` frames;"
            " a lap shorter than `length` gives none",
        },
        "arrays": {
            "states.npy": {
                "dtype": "float32",
                "shape": [n, len(STATE_FEATURES)],
                "axes": ["frame", "feature"],
                "columns": state_columns,
            },
            "actions.npy": {
                "dtype": "float32",
                "shape": [n, len(ACTIONS)],
                "axes": ["frame", "action"],
                "columns": action_columns,
            },
            "lap.npy": {"dtype": "int32", "shape": [n], "unit": "lap number of each frame, -1 when it has none"},
            "seq.npy": {"dtype": "int64", "shape": [n], "unit": "the frame's seq (its row in frames.csv/parquet)"},
            "time_s.npy": {"dtype": "float64", "shape": [n], "unit": "s since the session's first frame"},
            "sequences_states.npy": {
                "dtype": "float32",
                "shape": [s_count, length, len(STATE_FEATURES)],
                "axes": ["sequence", "step", "feature"],
                "columns": "as states.npy",
            },
            "sequences_actions.npy": {
                "dtype": "float32",
                "shape": [s_count, length, len(ACTIONS)],
                "axes": ["sequence", "step", "action"],
                "columns": "as actions.npy",
            },
            "sequences_start.npy": {
                "dtype": "int64",
                "shape": [s_count],
                "unit": "row in states.npy of each sequence's first step",
            },
            "sequences_lap.npy": {"dtype": "int32", "shape": [s_count], "unit": "lap number of each sequence"},
        },
        "files": {"normalisation.json": "mean, std and count of each state feature", "schema.json": "this file"},
    }
