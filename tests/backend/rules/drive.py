"""A scripted driver for rule tests: frames from blank_frame, fed to rules the way the engine does."""

from __future__ import annotations

from typing import Any

import msgspec

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event
from simcoach.coaching.rules import Rule
from simcoach.coaching.thresholds import Thresholds, thresholds_for
from simcoach_agent.telemetry import Frame, SessionInfo, blank_frame

GT3: Thresholds = thresholds_for("GT3")[0]
DEFAULT: Thresholds = thresholds_for(None)[0]

# A car on a straight at speed with everything in its window.
CRUISING: dict[str, Any] = {
    "speed_kmh": 200.0,
    "rpm": 6000.0,
    "max_rpm": 7500.0,
    "gear": 4,
    "throttle": 1.0,
    "brake": 0.0,
    "clutch": 0.0,
    "steering": 0.0,
    "g_lat": 0.0,
    "g_lon": 0.2,
    "g_vert": 1.0,
    "tyre_temp_c": (80.0, 80.0, 80.0, 80.0),
    "tyre_pressure_psi": (26.5, 26.5, 26.5, 26.5),
    "tyre_wear": (0.0, 0.0, 0.0, 0.0),
    "brake_temp_c": (400.0, 400.0, 300.0, 300.0),
    "oil_temp_c": 100.0,
    "water_temp_c": 85.0,
    "fuel_l": 60.0,
    "fuel_capacity_l": 120.0,
    "lap": 2,
    "lap_time_s": 10.0,
    "lap_dist_m": 1000.0,
    "track_pos": 0.2,
    "lap_valid": True,
    "in_pit": False,
    "position": 1,
}


class Drive:
    """Feeds frames at ``hz`` to rules, skipping rules whose phases exclude the context's, like the engine."""

    def __init__(
        self,
        *rules: Rule,
        phase: Phase = "flying",
        session: SessionInfo | None = None,
        hz: float = 50.0,
        **channels: Any,
    ) -> None:
        self.rules = list(rules)
        self.ctx = RigContext(rig="test", session=session, phase=phase)
        self.dt = 1.0 / hz
        self.t = 1_700_000_000.0
        self.seq = 0
        self.prev: Frame | None = None
        self.channels: dict[str, Any] = {**CRUISING, **channels}
        self.events: list[Event] = []

    def set(self, **channels: Any) -> None:
        self.channels.update(channels)

    def frame(self, **channels: Any) -> list[Event]:
        """One frame with the current channels (and these, for this frame only)."""
        self.seq += 1
        values = {**self.channels, **channels}
        frame = msgspec.structs.replace(blank_frame("test", self.seq, self.t), **values)
        out: list[Event] = []
        for rule in self.rules:
            if self.ctx.phase in rule.phases:
                out += rule.evaluate(self.prev, frame, self.ctx)
        self.prev = frame
        self.t += self.dt
        self.events += out
        return out

    def hold(self, seconds: float, **channels: Any) -> list[Event]:
        """Frames for ``seconds`` with these channels set from now on."""
        self.channels.update(channels)
        out: list[Event] = []
        for _ in range(round(seconds / self.dt)):
            out += self.frame()
        return out

    def lap(self, seconds: float, length_m: float = 5000.0, **channels: Any) -> list[Event]:
        """A whole lap of ``seconds`` (lap_dist_m running 0..length), then the next lap number starts."""
        self.channels.update(channels)
        out: list[Event] = []
        n = round(seconds / self.dt)
        for i in range(n):
            out += self.frame(lap_dist_m=length_m * i / n, track_pos=i / n, lap_time_s=i * self.dt)
        self.channels["lap"] = self.channels["lap"] + 1
        return out

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]
