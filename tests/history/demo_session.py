"""A demo session in memory, as InfluxDB points: frames from the demo car, laps, corners and events from the engine.

The per-lap records are built the simple way a test can check: laps, corners and
events from the backend's coaching engine run over the frames (as ``simcoach
replay`` does), lap traces resampled every 5 m straight from each lap's frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.events import Event
from simcoach.coaching.lap_record import LapRecord as CoachLap
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
from simcoach.settings import Settings
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame, SessionInfo

RIG = "rig-h"
T0 = 1_800_000_000.0  # Unix s of the first frame: a fixed instant, so the points are the same every run
RATE_HZ = 60.0
MISTAKES = "late_brake@La Source:3,coasting@Pouhon:3"


@dataclass
class DemoSession:
    tags: SessionTags
    info: SessionInfo
    frames: list[Frame]
    laps: list[LapRecord] = field(default_factory=list)
    corners: list[CornerRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    traces: list[TraceRecord] = field(default_factory=list)

    def telemetry_body(self, start: int = 0, stop: int | None = None) -> bytes:
        return lines.TelemetryEncoder(self.tags).lines(self.frames[start:stop])

    def lap_body(self) -> bytes:
        """Every per-lap point (laps, corners, events, lap_trace) as one /write body."""
        out = [lines.lap_line(self.tags, lap) for lap in self.laps]
        out += [lines.corner_line(self.tags, c) for c in self.corners]
        out += [lines.event_line(self.tags, e) for e in self.events]
        for trace in self.traces:
            out += lines.trace_lines(self.tags, trace)
        return "".join(line + "\n" for line in out).encode()


def demo_frames(
    laps: int, seed: int = 3, mistakes: str = MISTAKES, max_frames: int | None = None
) -> tuple[SessionInfo, list[Frame]]:
    """The demo car at 60 Hz from T0 until it has finished ``laps`` laps (or given ``max_frames``)."""
    source = DemoSource(rate_hz=RATE_HZ, seed=seed, mistakes=mistakes)
    frames: list[Frame] = []
    seq = 0
    while (source.laps_completed() or 0) < laps and (max_frames is None or len(frames) < max_frames):
        seq += 1
        frame = source.sample(RIG, seq, T0 + seq / RATE_HZ)
        if frame is not None:
            frames.append(frame)
    info = source.session()
    assert info is not None
    return info, frames


def trace_of(frames: list[Frame], lap: int, t_start: float) -> TraceRecord:
    """One lap's frames resampled every TRACE_STEP_M metres: linear for floats, the gear last engaged."""
    mine = [f for f in frames if f.lap == lap and f.lap_dist_m is not None]
    dist = np.array([f.lap_dist_m for f in mine], dtype=np.float64)
    keep = np.concatenate([[True], np.diff(dist) > 0])  # strictly increasing for interpolation
    mine = [f for f, k in zip(mine, keep, strict=True) if k]
    dist = dist[keep]
    grid = np.arange(0.0, dist[-1], TRACE_STEP_M)
    grid = grid[grid >= dist[0]]

    def col(name: str) -> np.ndarray:
        return np.interp(grid, dist, np.array([getattr(f, name) for f in mine], dtype=np.float64))

    elapsed = np.interp(grid, dist, np.array([f.t - t_start for f in mine], dtype=np.float64))
    chans = {name: col(name) for name in ("speed_kmh", "throttle", "brake", "steering", "g_lat", "g_lon")}
    gears = [mine[i].gear for i in np.searchsorted(dist, grid, side="right") - 1]
    points = tuple(
        TracePoint(
            lap_dist_m=float(d),
            time_s=float(elapsed[i]),
            gear=gears[i],
            **{name: float(values[i]) for name, values in chans.items()},
        )
        for i, d in enumerate(grid)
    )
    return TraceRecord(lap=lap, t_start=t_start, points=points)


def build(
    laps: int = 3, seed: int = 3, session_id: str = "demo-session-1", max_frames: int | None = None
) -> DemoSession:
    info, frames = demo_frames(laps, seed, max_frames=max_frames)
    tags = SessionTags(rig=RIG, session=session_id, game=info.game, driver=info.driver, track=info.track, car=info.car)
    session = DemoSession(tags, info, frames)
    engine = CoachEngine(Store(None).open(), tracks=TrackLibrary(Settings().tracks_dir))
    engine.set_session(RIG, info, frames[0].t)
    finished: list[CoachLap] = []
    for frame in frames:
        index = 0
        for item in engine.on_frame(frame) or []:
            if isinstance(item, CoachLap):
                finished.append(item)
            elif isinstance(item, Event):
                session.events.append(
                    EventRecord(
                        t=item.t,
                        lap=item.lap,
                        kind=item.kind,
                        severity=item.severity,
                        message=item.message,
                        corner=item.corner,
                        lap_dist_m=item.lap_dist_m,
                        priority=item.priority,
                        index=index,
                    )
                )
                index += 1
    for lap in finished:
        assert lap.lap is not None
        t_start = lap.t_end - lap.time_s
        session.laps.append(
            LapRecord(
                lap=lap.lap,
                t_end=lap.t_end,
                time_s=lap.time_s,
                sectors_s=tuple(lap.sectors),
                valid=lap.valid,
                complete=lap.complete,
                out_lap=lap.out_lap,
                in_lap=lap.in_lap,
                delta_to_reference_s=lap.delta_to_reference_s,
                is_best=lap.is_best,
                is_reference=lap.is_reference,
                fuel_used_l=lap.fuel_used_l,
            )
        )
        trace = trace_of(frames, lap.lap, t_start)
        session.traces.append(trace)
        dists = np.array([p.lap_dist_m for p in trace.points])
        times = np.array([p.time_s for p in trace.points])
        for number, c in enumerate(lap.corners, start=1):
            start_m = c.get("from_m")
            at = t_start + float(np.interp(float(start_m), dists, times)) if isinstance(start_m, float) else t_start
            session.corners.append(
                CornerRecord(
                    lap=lap.lap,
                    t=at,
                    number=number,
                    corner=str(c["corner"]),
                    brake_point_m=_num(c.get("brake_m")),
                    min_speed_kmh=_num(c.get("min_speed_kmh")),
                    min_speed_m=_num(c.get("min_speed_m")),
                    exit_speed_kmh=_num(c.get("exit_speed_kmh")),
                    time_lost_s=_num(c.get("time_delta_s")),
                    from_m=_num(c.get("from_m")),
                    to_m=_num(c.get("to_m")),
                )
            )
    return session


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
