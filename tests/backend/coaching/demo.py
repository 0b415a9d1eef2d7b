"""Demo laps for the coaching tests: DemoCar driven in-process at 60 Hz, cached for the whole test session."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from simcoach.coaching.engine import CoachEngine, Outgoing, RulesFactory
from simcoach.coaching.events import Event
from simcoach.coaching.lap_record import LapRecord
from simcoach.storage.store import Store
from simcoach_agent.games.demo import DemoCar, MistakeRecord, parse_mistakes
from simcoach_agent.telemetry import Frame, SessionInfo

DT = 1 / 60
T0 = 1_700_000_000.0
RIG = "r"
SPA_M = 7004.0


@functools.cache
def demo_run(
    seed: int = 1, mistakes: str = "", laps: int = 3, t0: float = T0
) -> tuple[tuple[Frame, ...], tuple[MistakeRecord, ...], tuple[float, ...], SessionInfo]:
    """Frames of ``laps`` whole laps plus the frame that starts the next (so the last lap ends), the
    mistakes made, the lap times, and the session."""
    car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver="Demo Driver")
    frames: list[Frame] = []
    n = 0
    while True:
        car.step(DT)
        n += 1
        frames.append(car.frame(RIG, n, t0 + n * DT))
        if car.laps_completed >= laps:
            break
    return tuple(frames), tuple(car.mistake_log), tuple(car.lap_times), car.session_info()


def no_rules(_session: SessionInfo) -> list[Any]:
    return []


def engine(store: Store | None = None, rules: RulesFactory | None = no_rules) -> CoachEngine:
    """An engine over a store in memory (or ``store``); its writes wait for ``eng.writer.flush_now()``."""
    return CoachEngine(store if store is not None else Store(None).open(), rules_factory=rules)


def drive(
    eng: CoachEngine, frames: Iterable[Frame], session: SessionInfo | None = None, t: float = T0
) -> list[Outgoing]:
    """Feed frames (after the session, if given) and return everything the engine said."""
    if session is not None:
        eng.set_session(RIG, session, t)
    said: list[Outgoing] = []
    for frame in frames:
        out = eng.on_frame(frame)
        if out:
            said.extend(out)
    return said


def events_of(said: Sequence[Outgoing]) -> list[Event]:
    return [s for s in said if isinstance(s, Event)]


def laps_of(said: Sequence[Outgoing]) -> list[LapRecord]:
    return [s for s in said if isinstance(s, LapRecord)]


def replace(frame: Frame, **changes: Any) -> Frame:
    return msgspec.structs.replace(frame, **changes)


def untimed(frames: Iterable[Frame]) -> list[Frame]:
    """The frames of a game that gives no lap timing: the tracker has to measure."""
    return [replace(f, lap_time_s=None, last_lap_s=None, best_lap_s=None) for f in frames]


def renumber(frames: Iterable[Frame], t_start: float, seq_start: int = 1) -> list[Frame]:
    """Frames one after another at 60 Hz from t_start, whatever their original times."""
    return [replace(f, seq=seq_start + i, t=t_start + i * DT) for i, f in enumerate(frames)]


def lap_frames(frames: Sequence[Frame], lap: int) -> list[Frame]:
    return [f for f in frames if f.lap == lap]
