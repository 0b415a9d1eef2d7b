"""A stored session studied afterwards: its laps, consistency, theoretical best and every corner of every lap.

The live engine measures each lap's corners against the reference it had at
the time; afterwards a racer compares the whole session against one lap: the
reference of the car and track (or any lap they pick). So corners are found
again on that lap's trace, and every lap with a trace is measured on the same
segments with the engine's own ``measure`` and ``time_between``: the numbers
on the sessions page, in the report and in the live coaching mean the same.

Pure reads of the store; nothing here touches live state.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from simcoach.coaching.feedback import (
    CornerHistory,
    CornerMetrics,
    CornerResult,
    Finding,
    Segment,
    analyse,
    time_between,
)
from simcoach.coaching.reference import Plausibility, Reference, build_reference
from simcoach.coaching.trace import LapTrace
from simcoach.storage.records import SessionRow, StoredLap
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from simcoach_agent.telemetry import SessionInfo

ReferenceSource = Literal["reference", "session_best", "chosen"]


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


@dataclass(frozen=True, slots=True)
class LapRow:
    """One lap of the session as the analysis sees it."""

    id: int
    lap: int | None
    time_s: float
    sectors: list[float]
    valid: bool
    complete: bool
    out_lap: bool
    in_lap: bool
    t_end: float
    fuel_used_l: float | None
    trace: LapTrace | None

    @property
    def clean(self) -> bool:
        return self.complete and self.valid and not self.out_lap and not self.in_lap

    @classmethod
    def from_record(cls, record: dict[str, Any], trace: bytes | None) -> LapRow:
        return cls(
            id=int(record["id"]),
            lap=record.get("lap"),
            time_s=float(record["time_s"]),
            sectors=[float(s) for s in record.get("sectors") or []],
            valid=bool(record.get("valid", True)),
            complete=bool(record.get("complete", True)),
            out_lap=bool(record.get("out_lap", False)),
            in_lap=bool(record.get("in_lap", False)),
            t_end=float(record.get("t") or 0.0),
            fuel_used_l=record.get("fuel_used_l"),
            trace=LapTrace.from_bytes(trace) if trace is not None else None,
        )


@dataclass(frozen=True, slots=True)
class RefLap:
    """The lap the session is measured against."""

    lap_id: int
    session_id: str
    lap: int | None
    time_s: float
    source: ReferenceSource
    pinned: bool


@dataclass(frozen=True, slots=True)
class CornerLap:
    """One corner of one lap against the reference."""

    lap_id: int
    lap: int | None
    clean: bool
    metrics: CornerMetrics
    time_lost_s: float  # positive: slower than the reference over the corner's stretch (``CornerTable.from_m``)
    # What the live coach would have said of it against this reference (its rules, the driver's usual
    # numbers from the session's earlier laps); None when nothing was wrong or the corner was not judged.
    finding: Finding | None = None


@dataclass(slots=True)
class CornerTable:
    """One corner for the whole session: the reference's numbers and each lap's."""

    number: int
    name: str
    direction: str
    entry_m: float
    apex_m: float
    exit_m: float
    segment: Segment  # where its numbers are measured (as the live engine does)
    reference: CornerMetrics | None
    # Where its time is counted: from its segment's start to the next corner's (the last one's runs on
    # to the line and takes the stretch from the line to the first corner), so a lap's corners add up
    # to its whole delta to the reference.
    from_m: float = 0.0
    to_m: float = 0.0
    laps: list[CornerLap] = field(default_factory=list)

    def values(self, name: str, clean_only: bool = True) -> list[float]:
        """One number of every (clean) lap measured here, where the lap has it."""
        out: list[float] = []
        for c in self.laps:
            if clean_only and not c.clean:
                continue
            v = c.time_lost_s if name == "time_lost_s" else getattr(c.metrics, name)
            if v is not None and not math.isnan(v):
                out.append(float(v))
        return out

    def spread(self, name: str) -> float | None:
        """The standard deviation of a number over the clean laps (None with fewer than two)."""
        v = self.values(name)
        return statistics.stdev(v) if len(v) >= 2 else None

    def to_json(self) -> dict[str, Any]:
        ref = self.reference
        lost = self.values("time_lost_s")
        return {
            "number": self.number,
            "name": self.name,
            "direction": self.direction,
            "entry_m": self.entry_m,
            "apex_m": self.apex_m,
            "exit_m": self.exit_m,
            "from_m": round(self.from_m, 1),
            "to_m": round(self.to_m, 1),
            "reference": None
            if ref is None
            else {
                "brake_m": _r(ref.brake_m, 1),
                "min_speed_kmh": _r(ref.min_speed_kmh, 1),
                "exit_speed_kmh": _r(ref.exit_speed_kmh, 1),
                "pickup_m": _r(ref.pickup_m, 1),
            },
            "laps": [
                {
                    "lap_id": c.lap_id,
                    "lap": c.lap,
                    "clean": c.clean,
                    "brake_m": _r(c.metrics.brake_m, 1),
                    "min_speed_kmh": _r(c.metrics.min_speed_kmh, 1),
                    "min_speed_m": _r(c.metrics.min_speed_m, 1),
                    "exit_speed_kmh": _r(c.metrics.exit_speed_kmh, 1),
                    "pickup_m": _r(c.metrics.pickup_m, 1),
                    "time_lost_s": _r(c.time_lost_s, 3),
                    "kind": c.finding.kind if c.finding is not None else None,
                    "advice": c.finding.message if c.finding is not None else None,
                }
                for c in self.laps
            ],
            "spread": {k: _r(self.spread(k), 3) for k in ("brake_m", "min_speed_kmh", "exit_speed_kmh", "time_lost_s")},
            "mean_time_lost_s": _r(statistics.fmean(lost), 3) if lost else None,
            "total_time_lost_s": _r(sum(lost), 3) if lost else None,
        }


@dataclass(frozen=True, slots=True)
class Consistency:
    """The spread of the session's clean lap times."""

    laps: int
    mean_s: float
    median_s: float
    stdev_s: float | None
    spread_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "laps": self.laps,
            "mean_s": round(self.mean_s, 3),
            "median_s": round(self.median_s, 3),
            "stdev_s": _r(self.stdev_s, 3),
            "spread_s": round(self.spread_s, 3),
        }


@dataclass(slots=True)
class SessionAnalysis:
    session: SessionRow
    info: SessionInfo | None
    length_m: float | None
    laps: list[LapRow]
    reference: RefLap | None
    ref: Reference | None
    corners: list[CornerTable]
    events: list[dict[str, Any]]

    @property
    def best(self) -> LapRow | None:
        """The session's fastest clean lap."""
        clean = [lap for lap in self.laps if lap.clean]
        return min(clean, key=lambda lap: lap.time_s) if clean else None

    def best_sectors(self) -> list[float] | None:
        """The fastest time of each sector over the clean laps that have all of them."""
        split = [lap.sectors for lap in self.laps if lap.clean and lap.sectors]
        if not split:
            return None
        n = max(len(s) for s in split)
        full = [s for s in split if len(s) == n]
        return [min(s[i] for s in full) for i in range(n)]

    def theoretical_best_s(self) -> float | None:
        sectors = self.best_sectors()
        return sum(sectors) if sectors else None

    def consistency(self) -> Consistency | None:
        times = [lap.time_s for lap in self.laps if lap.clean]
        if not times:
            return None
        return Consistency(
            laps=len(times),
            mean_s=statistics.fmean(times),
            median_s=statistics.median(times),
            stdev_s=statistics.stdev(times) if len(times) >= 2 else None,
            spread_s=max(times) - min(times),
        )

    def lap(self, lap_id: int) -> LapRow | None:
        return next((lap for lap in self.laps if lap.id == lap_id), None)

    def to_json(self) -> dict[str, Any]:
        """``GET /api/sessions/{id}/analysis``."""
        best = self.best
        ref = self.reference
        consistency = self.consistency()
        sectors = self.best_sectors()
        return {
            "session": self.session.to_json(),
            "track": {"length_m": self.length_m},
            "reference": None
            if ref is None
            else {
                "lap_id": ref.lap_id,
                "session_id": ref.session_id,
                "lap": ref.lap,
                "time_s": round(ref.time_s, 3),
                "source": ref.source,
                "pinned": ref.pinned,
            },
            "laps": [
                {
                    "id": lap.id,
                    "lap": lap.lap,
                    "time_s": round(lap.time_s, 3),
                    "sectors": [round(s, 3) for s in lap.sectors],
                    "valid": lap.valid,
                    "complete": lap.complete,
                    "out_lap": lap.out_lap,
                    "in_lap": lap.in_lap,
                    "clean": lap.clean,
                    "has_trace": lap.trace is not None,
                    "delta_to_best_s": None if best is None else round(lap.time_s - best.time_s, 3),
                    "is_session_best": best is not None and lap.id == best.id,
                    "is_reference": ref is not None and lap.id == ref.lap_id,
                    "t_end": lap.t_end,
                    "fuel_used_l": _r(lap.fuel_used_l, 3),
                }
                for lap in self.laps
            ],
            "best_lap_id": best.id if best is not None else None,
            "best_sectors_s": [round(s, 3) for s in sectors] if sectors else None,
            "theoretical_best_s": _r(self.theoretical_best_s(), 3),
            "consistency": consistency.to_json() if consistency is not None else None,
            "corners": [c.to_json() for c in self.corners],
            "events": self.events,
        }


class AnalysisError(ValueError):
    """A reference asked for that cannot be used (not found, no trace, another track)."""


def session_info(row: SessionRow) -> SessionInfo | None:
    try:
        return msgspec.convert({**row.info, "type": "session"}, SessionInfo)
    except msgspec.ValidationError:
        return None


def _lap_rows(store: Store, session_id: str) -> list[LapRow]:
    out: list[LapRow] = []
    for record in store.laps(session_id):
        stored = store.load_lap(int(record["id"]))
        out.append(LapRow.from_record(record, stored.trace if stored is not None else None))
    return out


def _choose_reference(
    store: Store, row: SessionRow, laps: list[LapRow], chosen: int | None
) -> tuple[RefLap, StoredLap] | None:
    if chosen is not None:
        stored = store.load_lap(chosen)
        if stored is None:
            raise AnalysisError(f"no lap {chosen}")
        if stored.trace is None:
            raise AnalysisError(f"lap {chosen} has no trace to measure against")
        if stored.key.track != row.key.track:
            raise AnalysisError(f"lap {chosen} was driven at {stored.key.track or 'an unnamed track'}, not here")
        rec = stored.record
        return RefLap(chosen, rec["session_id"], rec.get("lap"), float(rec["time_s"]), "chosen", False), stored
    found = store.reference(row.key)
    if found is not None:
        stored = store.load_lap(found[0])
        if stored is not None and stored.trace is not None:
            rec = stored.record
            ref = RefLap(found[0], rec["session_id"], rec.get("lap"), float(rec["time_s"]), "reference", found[1])
            return ref, stored
    with_trace = [lap for lap in laps if lap.clean and lap.trace is not None]
    if not with_trace:
        return None
    best = min(with_trace, key=lambda lap: lap.time_s)
    stored = store.load_lap(best.id)
    assert stored is not None
    return RefLap(best.id, row.id, best.lap, best.time_s, "session_best", False), stored


def analyse_session(
    store: Store, session_id: str, tracks: TrackLibrary, reference_lap: int | None = None
) -> SessionAnalysis | None:
    """The session measured against ``reference_lap``, else its key's reference, else its own best lap.

    None when there is no such session. Blocking reads: run it in a thread.
    """
    row = store.session(session_id)
    if row is None:
        return None
    info = session_info(row)
    laps = _lap_rows(store, session_id)
    events = store.session_events(session_id)
    length = info.track_length_m if info is not None else None
    track = tracks.find(info.track, length) if info is not None else None
    picked = _choose_reference(store, row, laps, reference_lap)
    if picked is None:
        return SessionAnalysis(row, info, length, laps, None, None, [], events)
    ref_lap, stored = picked
    assert stored.trace is not None
    ref_trace = LapTrace.from_bytes(stored.trace)
    ref = build_reference(
        ref_lap.lap_id,
        stored.key,
        ref_lap.time_s,
        ref_trace,
        track,
        pinned=ref_lap.pinned,
        limits=Plausibility.for_session(info),
    )
    length = length or ref.length_m
    starts = [seg.start_m for seg in ref.segments]
    tables = [
        CornerTable(
            c.number,
            c.name,
            c.direction,
            c.entry_m,
            c.apex_m,
            c.exit_m,
            seg,
            ref.metrics[k],
            from_m=starts[k],
            to_m=starts[k + 1] if k + 1 < len(starts) else ref.length_m,
        )
        for k, (c, seg) in enumerate(zip(ref.corners, ref.segments, strict=True))
    ]
    history = CornerHistory()
    for lap in laps:
        if lap.trace is None:
            continue
        previous: CornerResult | None = None
        for k, table in enumerate(tables):
            ref_metrics = table.reference
            if ref_metrics is None:
                continue
            seg = table.segment
            result = analyse(
                lap.lap, lap.trace, ref.trace, seg, ref_metrics, previous=previous, history=history.of(seg.corner.name)
            )
            previous = result
            if result is None:
                continue
            if lap.clean and lap.id != ref_lap.lap_id:
                history.add(result)
            lost = time_between(lap.trace, ref.trace, table.from_m, table.to_m)
            if k == len(tables) - 1 and starts[0] > 0:
                lost += time_between(lap.trace, ref.trace, 0.0, starts[0])  # the line to the first corner
            table.laps.append(CornerLap(lap.id, lap.lap, lap.clean, result.metrics, lost, result.finding))
    return SessionAnalysis(row, info, length, laps, ref_lap, ref, tables, events)
