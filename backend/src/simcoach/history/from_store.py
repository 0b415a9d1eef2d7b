"""The embedded store's rows as InfluxDB points: frames by session, laps with their corners and 5 m traces, events.

Pure functions of what the store holds, so the same rows always give the same
points (measurement, tags, timestamp): the exporter may write a batch again
after a crash and InfluxDB keeps one copy. Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from simcoach.coaching.trace import LapTrace
from simcoach.history import lines
from simcoach.history.schema import (
    TRACE_STEP_M,
    CornerRecord,
    EventRecord,
    LapRecord,
    SessionTags,
    TracePoint,
    TraceRecord,
)
from simcoach.storage.records import EventRow, LapRow, SessionKey
from simcoach_agent.telemetry import Frame

# The session tag of frames, laps and events outside any session (frames before a rig's session message).
NO_SESSION: Final = "none"
_NO_KEY: Final = SessionKey("", "", "", "")
# A lap's frames a little either side of its line-to-line times (a frame's t and the lap's are rounded
# apart); the lap number then picks the lap's own frames.
_EDGE_S: Final = 0.5
_TRACE_CHANNELS: Final = ("speed_kmh", "throttle", "brake", "steering", "g_lat", "g_lon")
_event_decoder = msgspec.json.Decoder(dict[str, Any])


def session_tags(rig: str, session: str | None, key: SessionKey | None) -> SessionTags:
    """The tags of a session's points; a point outside any session is ``session=none``, the rest unknown."""
    key = key or _NO_KEY
    return SessionTags(
        rig=rig,
        session=session or NO_SESSION,
        game=key.game,
        driver=key.driver or None,
        track=key.track or None,
        car=key.car or None,
    )


def lap_window(row: LapRow) -> tuple[float, float]:
    """Where to look for a lap's frames: from its start (end minus lap time) to its end, with a margin."""
    return row.t_end - row.time_s - _EDGE_S, row.t_end + _EDGE_S


def trace_from_frames(frames: Sequence[Frame], lap: int | None, t_start: float) -> TraceRecord | None:
    """A lap's frames resampled every TRACE_STEP_M metres (linear; gear: the one last engaged).

    None when too few frames with a lap distance are left (retention took them, or the game gives none).
    """
    mine = [f for f in frames if f.lap_dist_m is not None and (lap is None or f.lap == lap)]
    if len(mine) < 2:
        return None
    dist = np.array([f.lap_dist_m for f in mine], dtype=np.float64)
    keep = np.concatenate([[True], np.diff(dist) > 0])  # strictly increasing, for interpolation
    mine = [f for f, k in zip(mine, keep, strict=True) if k]
    dist = dist[keep]
    grid = np.arange(0.0, dist[-1], TRACE_STEP_M)
    grid = grid[grid >= dist[0]]
    if len(mine) < 2 or not len(grid):
        return None

    def column(name: str) -> npt.NDArray[np.float64]:
        # A channel the game does not give is NaN, which the encoder leaves out.
        values = np.array([np.nan if (v := getattr(f, name)) is None else v for f in mine], dtype=np.float64)
        out: npt.NDArray[np.float64] = np.interp(grid, dist, values)
        return out

    elapsed = np.interp(grid, dist, np.array([f.t - t_start for f in mine], dtype=np.float64))
    channels = {name: column(name) for name in _TRACE_CHANNELS}
    last = np.searchsorted(dist, grid, side="right") - 1
    points = tuple(
        TracePoint(
            lap_dist_m=float(d),
            time_s=float(elapsed[i]),
            gear=mine[int(last[i])].gear,
            **{name: float(values[i]) for name, values in channels.items()},
        )
        for i, d in enumerate(grid)
    )
    return TraceRecord(lap=lap if lap is not None else 0, t_start=t_start, points=points)


def lap_record(row: LapRow) -> LapRecord:
    """The ``laps`` point of a stored lap (times unrounded from the row, the rest from the engine's record)."""
    r = row.record
    return LapRecord(
        lap=row.lap if row.lap is not None else 0,
        t_end=row.t_end,
        time_s=row.time_s,
        sectors_s=tuple(float(s) for s in r.get("sectors") or ()),
        valid=bool(r.get("valid", True)),
        complete=row.complete,
        out_lap=bool(r.get("out_lap", False)),
        in_lap=bool(r.get("in_lap", False)),
        delta_to_reference_s=_num(r.get("delta_to_reference_s")),
        is_best=bool(r.get("is_best", False)),
        is_reference=bool(r.get("is_reference", False)),
        fuel_used_l=_num(r.get("fuel_used_l")),
    )


def corner_records(row: LapRow) -> list[CornerRecord]:
    """One ``corners`` point per corner of a stored lap, at the time the car reached the corner's segment.

    That time comes from the lap's stored 1 m trace (kept with the lap for good, unlike raw frames),
    so a corner's timestamp never changes between two exports; without a trace, the lap's start.
    """
    t_start = row.t_end - row.time_s
    at_m: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    if row.trace is not None:
        trace = LapTrace.from_bytes(row.trace)
        if len(trace.time_s) >= 2:
            at_m = (trace.dist_m, trace.time_s)
    lap = row.lap if row.lap is not None else 0
    out = []
    for number, c in enumerate(row.record.get("corners") or (), start=1):
        start_m = _num(c.get("from_m"))
        t = t_start
        if at_m is not None and start_m is not None:
            t = t_start + float(np.interp(start_m, *at_m))
        out.append(
            CornerRecord(
                lap=lap,
                t=t,
                number=number,
                corner=str(c.get("corner") or f"Turn {number}"),
                brake_point_m=_num(c.get("brake_m")),
                min_speed_kmh=_num(c.get("min_speed_kmh")),
                min_speed_m=_num(c.get("min_speed_m")),
                exit_speed_kmh=_num(c.get("exit_speed_kmh")),
                time_lost_s=_num(c.get("time_delta_s")),
                from_m=start_m,
                to_m=_num(c.get("to_m")),
            )
        )
    return out


def lap_lines(row: LapRow, frames: Sequence[Frame] | None) -> list[str]:
    """Every point of one stored lap: ``laps``, its ``corners``, and its ``lap_trace`` when ``frames`` make one.

    The tags come from the lap's own row (a lap may belong to no stored session: the demo's reference).
    """
    tags = session_tags(row.rig, row.session_id, row.key)
    out = [lines.lap_line(tags, lap_record(row))]
    out += [lines.corner_line(tags, c) for c in corner_records(row)]
    if frames:
        trace = trace_from_frames(frames, row.lap, row.t_end - row.time_s)
        if trace is not None:
            out += lines.trace_lines(tags, trace)
    return out


def event_record(row: EventRow, index: int) -> EventRecord:
    """A stored event (its JSON as the dashboards got it); ``index`` keeps same-instant events apart."""
    data = _event_decoder.decode(row.data)
    lap = data.get("lap")
    return EventRecord(
        t=row.t,
        lap=lap if isinstance(lap, int) else None,
        kind=row.kind,
        severity=str(data.get("severity") or "info"),
        message=str(data.get("message") or ""),
        corner=data.get("corner") if isinstance(data.get("corner"), str) else None,
        lap_dist_m=_num(data.get("lap_dist_m")),
        priority=int(data.get("priority", 50)),
        index=index,
    )


def event_lines(
    rows: Sequence[tuple[int, EventRow]], after_id: int, keys: dict[str | None, SessionKey | None]
) -> list[str]:
    """``events`` points of the rows with id past ``after_id``; earlier rows are context only.

    Events of one rig and kind at the same instant are numbered in id order (their order in
    the engine's output), the number added to the timestamp in ns: each keeps its own point.
    The rows before ``after_id`` carry on that numbering across batches.
    """
    seen: dict[tuple[str, float, str], int] = {}
    out = []
    for event_id, row in rows:
        same = (row.rig, row.t, row.kind)
        index = seen.get(same, 0)
        seen[same] = index + 1
        if event_id > after_id:
            tags = session_tags(row.rig, row.session_id, keys.get(row.session_id))
            out.append(lines.event_line(tags, event_record(row, index)))
    return out


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
