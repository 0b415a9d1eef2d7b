"""What a rule may know about a rig beyond the two frames it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from simcoach_agent.telemetry import SessionInfo

# Where the car is in its session: rules pick the phases they apply to.
Phase = Literal["pit", "out_lap", "flying", "in_lap"]
ALL_PHASES: frozenset[Phase] = frozenset({"pit", "out_lap", "flying", "in_lap"})
ON_TRACK: frozenset[Phase] = frozenset({"out_lap", "flying", "in_lap"})


@dataclass(slots=True)
class RigContext:
    """Kept by the engine per rig and handed to every rule with each frame."""

    rig: str
    session: SessionInfo | None = None
    phase: Phase = "out_lap"
    # The corner the car is in now (name, or "Turn N"), from the reference lap's corners.
    corner: str | None = None
    # The corner the car reaches next, for advice timed on the straight before it.
    next_corner: str | None = None
    # Completed lap times of this session, oldest first (valid and invalid).
    lap_times_s: list[float] = field(default_factory=list)
    # The lap in progress (the game's counter) and how far round it the car is, metres from the line.
    lap: int | None = None
    lap_dist_m: float | None = None
    # Live delta to the reference lap at this distance, s (negative: gaining); None without a reference.
    delta_s: float | None = None
    # Tyres on the car, where known: rules then use the wet windows. No frame channel says it yet.
    tyre_compound: Literal["dry", "wet"] | None = None
