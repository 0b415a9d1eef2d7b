"""A lap (or part of one) resampled by lap distance, one point a metre, and its compact stored form.

Frames arrive by time; a lap is compared with another by place. Resampling to
fixed metres makes "time at 3840 m" an index, so a live delta costs two list
reads and a reference lap is a handful of numpy arrays.
"""

from __future__ import annotations

import io
import math
from array import array
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Channels kept per metre besides time. tc and abs are 1.0/0.0 (NaN when the game does not say).
# Traces stored before gear was kept read back with gear all NaN.
CHANNELS: Final = ("speed_kmh", "throttle", "brake", "steering", "g_lat", "tc", "abs", "x", "y", "gear")
# Channels that hold a value until the next sample instead of moving between samples: a gear is
# engaged or not, never 3.4.
STEPPED: Final = frozenset({"gear"})
# A lap whose samples leave a hole longer than this is not complete: frames were lost.
MAX_GAP_M: Final = 40.0


class Samples:
    """Raw samples of the lap in progress, appended per frame (array appends: no per-frame numpy)."""

    __slots__ = ("channels", "dist", "elapsed")

    def __init__(self) -> None:
        self.dist = array("d")
        self.elapsed = array("d")  # seconds since the line, NaN when unknown
        self.channels: dict[str, array[float]] = {name: array("d") for name in CHANNELS}

    def __len__(self) -> int:
        return len(self.dist)

    def arrays(self, start: int = 0) -> tuple[FloatArray, FloatArray, dict[str, FloatArray]]:
        """Copies from sample ``start`` on, as numpy arrays."""
        d = np.array(self.dist[start:], dtype=np.float64)
        e = np.array(self.elapsed[start:], dtype=np.float64)
        return d, e, {k: np.array(v[start:], dtype=np.float64) for k, v in self.channels.items()}


@dataclass(slots=True)
class LapTrace:
    """Channels at 0, 1, 2, ... metres from ``start_m``; ``time_s`` is seconds since the line."""

    start_m: float
    time_s: FloatArray
    channels: dict[str, FloatArray]
    length_m: float | None = None  # for a whole lap: the track length
    lap_time_s: float | None = None  # for a whole lap: time at length_m

    @property
    def dist_m(self) -> FloatArray:
        return self.start_m + np.arange(len(self.time_s), dtype=np.float64)

    def __len__(self) -> int:
        return len(self.time_s)

    def channel(self, name: str) -> FloatArray:
        return self.channels[name]

    def index(self, dist_m: float) -> int:
        """The sample at or just before ``dist_m``, clamped to the trace."""
        return min(max(0, int(dist_m - self.start_m)), len(self.time_s) - 1)

    def time_at(self, dist_m: float) -> float:
        """Seconds since the line at ``dist_m`` (linear between metres; up to the line for a whole lap)."""
        last = len(self.time_s) - 1
        x = dist_m - self.start_m
        if x >= last:
            if self.lap_time_s is not None and self.length_m is not None and self.length_m > self.start_m + last:
                span = self.length_m - (self.start_m + last)
                f = min(1.0, (x - last) / span)
                return float(self.time_s[last] + (self.lap_time_s - self.time_s[last]) * f)
            return float(self.time_s[last])
        if x <= 0:
            return float(self.time_s[0])
        i = int(x)
        return float(self.time_s[i] + (self.time_s[i + 1] - self.time_s[i]) * (x - i))

    def to_bytes(self) -> bytes:
        """Compressed npz; float32 except time (a lap of 200 s keeps microseconds in float64)."""
        buf = io.BytesIO()
        meta = np.array(
            [
                self.start_m,
                np.nan if self.length_m is None else self.length_m,
                np.nan if self.lap_time_s is None else self.lap_time_s,
            ]
        )
        arrays: dict[str, npt.NDArray[np.generic]] = {"meta": meta, "time_s": self.time_s}
        arrays.update({k: v.astype(np.float32) for k, v in self.channels.items()})
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LapTrace:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = z["meta"]
            channels = {k: z[k].astype(np.float64) for k in CHANNELS if k in z.files}
            n = len(z["time_s"])
            for k in CHANNELS:
                channels.setdefault(k, np.full(n, np.nan))
            length = float(meta[1])
            lap_time = float(meta[2])
            return cls(
                start_m=float(meta[0]),
                time_s=z["time_s"].astype(np.float64),
                channels=channels,
                length_m=None if math.isnan(length) else length,
                lap_time_s=None if math.isnan(lap_time) else lap_time,
            )


def resample(
    dist: FloatArray,
    elapsed: FloatArray,
    channels: dict[str, FloatArray],
    start_m: float,
    end_m: float,
) -> LapTrace | None:
    """Channels at every whole metre from ceil(start_m) to floor(end_m); None if the samples do not cover it.

    Distance must move forward: a sample that goes back (noise, a car rolling
    back in the pits) is dropped, so each metre gets the time the car first got there.
    """
    if len(dist) < 2:
        return None
    keep = np.empty(len(dist), dtype=bool)
    keep[0] = True
    running = np.maximum.accumulate(dist)
    keep[1:] = dist[1:] > running[:-1]
    d = dist[keep]
    lo, hi = math.ceil(start_m), math.floor(end_m)
    if hi < lo or d[0] > lo + 1.0 or d[-1] < hi - 1.0:
        return None
    inside = (d >= lo - MAX_GAP_M) & (d <= hi + MAX_GAP_M)
    if inside.sum() < 2 or float(np.max(np.diff(d[inside]), initial=0.0)) > MAX_GAP_M:
        return None
    grid = np.arange(lo, hi + 1, dtype=np.float64)
    time_s = np.interp(grid, d, elapsed[keep])
    out = {k: at_metres(grid, d, v[keep], k in STEPPED) for k, v in channels.items()}
    return LapTrace(start_m=float(lo), time_s=time_s, channels=out)


def at_metres(at: FloatArray, dist: FloatArray, values: FloatArray, stepped: bool) -> FloatArray:
    """``values`` (sampled at ``dist``, increasing) at the metres ``at``: linear, or the last one reached."""
    if not stepped:
        return np.interp(at, dist, values)
    i = np.clip(np.searchsorted(dist, at, side="right") - 1, 0, len(dist) - 1)
    return values[i]
