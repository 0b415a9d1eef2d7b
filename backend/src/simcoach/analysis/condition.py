"""Tyres, brakes and fuel lap by lap, from a session's stored frames read a page at a time.

Lap records hold times and corners; how hot the tyres ran, how the pressures
rose, how much rubber and fuel each lap took is in the frames. One pass over
them (an hour at 60 Hz is about a second of decoding) gives, per lap and per
wheel, the mean and peak tyre temperature, the mean pressure, the wear at the
lap's end and the peak brake temperature, and the fuel at each lap's end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from simcoach.storage.records import SessionRow
from simcoach.storage.store import Store
from simcoach_agent.telemetry import WHEELS, Frame

Wheels = tuple[float, float, float, float]


class _Condition(msgspec.Struct, tag="frame", tag_field="type"):
    """The channels read here, of a stored frame: decoding only these (the others are skipped unread)
    takes a fraction of a whole Frame's time, the bulk of a report of an hour."""

    lap: int | None = None
    tyre_temp_c: Wheels | None = None
    tyre_pressure_psi: Wheels | None = None
    tyre_wear: Wheels | None = None
    brake_temp_c: Wheels | None = None
    fuel_l: float | None = None


_decoder = msgspec.msgpack.Decoder(_Condition)


@dataclass(slots=True)
class _Acc:
    """Running sums of one four-wheel channel over one lap."""

    n: int = 0
    total: list[float] = field(default_factory=lambda: [0.0] * 4)
    peak: list[float] = field(default_factory=lambda: [-math.inf] * 4)
    last: Wheels | None = None

    def add(self, values: tuple[float, float, float, float]) -> None:
        self.n += 1
        for i, v in enumerate(values):
            self.total[i] += v
            self.peak[i] = max(self.peak[i], v)
        self.last = values

    def mean(self) -> Wheels | None:
        if not self.n:
            return None
        t = self.total
        return (t[0] / self.n, t[1] / self.n, t[2] / self.n, t[3] / self.n)

    def max(self) -> Wheels | None:
        if not self.n:
            return None
        p = self.peak
        return (p[0], p[1], p[2], p[3])


@dataclass(slots=True)
class LapCondition:
    """One lap's tyres, brakes and fuel (None where the game gave none of it)."""

    lap: int
    frames: int = 0
    tyre_temp_mean_c: Wheels | None = None
    tyre_temp_max_c: Wheels | None = None
    tyre_pressure_mean_psi: Wheels | None = None
    tyre_wear_end: Wheels | None = None  # 0..1 worn, as the game reports it
    brake_temp_max_c: Wheels | None = None
    fuel_end_l: float | None = None

    def to_json(self) -> dict[str, Any]:
        def wheels(v: Wheels | None, digits: int) -> dict[str, float] | None:
            return None if v is None else {w.lower(): round(x, digits) for w, x in zip(WHEELS, v, strict=True)}

        return {
            "lap": self.lap,
            "frames": self.frames,
            "tyre_temp_mean_c": wheels(self.tyre_temp_mean_c, 1),
            "tyre_temp_max_c": wheels(self.tyre_temp_max_c, 1),
            "tyre_pressure_mean_psi": wheels(self.tyre_pressure_mean_psi, 2),
            "tyre_wear_end": wheels(self.tyre_wear_end, 4),
            "brake_temp_max_c": wheels(self.brake_temp_max_c, 1),
            "fuel_end_l": None if self.fuel_end_l is None else round(self.fuel_end_l, 2),
        }


def lap_conditions(frames: Iterable[Frame | _Condition]) -> list[LapCondition]:
    """Per lap (by each frame's lap number), in lap order; frames with no lap number are left out."""
    accs: dict[int, tuple[LapCondition, _Acc, _Acc, _Acc, _Acc]] = {}
    for f in frames:
        lap = f.lap
        if lap is None:
            continue
        found = accs.get(lap)
        if found is None:
            found = accs[lap] = (LapCondition(lap), _Acc(), _Acc(), _Acc(), _Acc())
        cond, temp, pressure, wear, brake = found
        cond.frames += 1
        if f.tyre_temp_c is not None:
            temp.add(f.tyre_temp_c)
        if f.tyre_pressure_psi is not None:
            pressure.add(f.tyre_pressure_psi)
        if f.tyre_wear is not None:
            wear.add(f.tyre_wear)
        if f.brake_temp_c is not None:
            brake.add(f.brake_temp_c)
        if f.fuel_l is not None:
            cond.fuel_end_l = f.fuel_l
    out: list[LapCondition] = []
    for lap in sorted(accs):
        cond, temp, pressure, wear, brake = accs[lap]
        cond.tyre_temp_mean_c, cond.tyre_temp_max_c = temp.mean(), temp.max()
        cond.tyre_pressure_mean_psi = pressure.mean()
        cond.tyre_wear_end = wear.last
        cond.brake_temp_max_c = brake.max()
        out.append(cond)
    return out


def session_conditions(store: Store, session: SessionRow) -> list[LapCondition]:
    """``lap_conditions`` of a stored session's frames (blocking reads: run it in a thread)."""

    def frames() -> Iterable[_Condition]:
        for page in store.session_frames(session):
            yield from map(_decoder.decode, page)

    return lap_conditions(frames())
