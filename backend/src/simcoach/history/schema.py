"""The InfluxDB schema simcoach writes: measurement, tag and field names, their units, and the per-lap records.

Names are a contract with the provisioned Grafana dashboards and docs/storage.md.
Tags hold only what identifies a session (and a lap, a corner, an event kind),
never a measured value, so the number of series grows with sessions, not with
frames. The per-lap records are what an exporter fills from the embedded store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from simcoach_agent.telemetry import Frame

TELEMETRY: Final = "telemetry"
LAPS: Final = "laps"
CORNERS: Final = "corners"
EVENTS: Final = "events"
LAP_TRACE: Final = "lap_trace"
MEASUREMENTS: Final = (TELEMETRY, LAPS, CORNERS, EVENTS, LAP_TRACE)

# Every point carries these, in this (sorted) order: InfluxDB sorts tags itself otherwise, per point.
SESSION_TAGS: Final = ("car", "driver", "game", "rig", "session", "track")
# A tag value the session does not know (InfluxDB refuses an empty tag value; a missing tag would not match).
UNKNOWN: Final = "unknown"
# lap_trace resolution: one point every this many metres of a finished lap.
TRACE_STEP_M: Final = 5.0
WHEEL_SUFFIXES: Final = ("fl", "fr", "rl", "rr")

# Frame attributes that are not channels: rig is a tag, t the timestamp; seq is kept as a field
# so a point can be matched with the stored frame it came from.
NOT_CHANNELS: Final = ("rig", "t")

# Units of the telemetry fields, by frame attribute (four-wheel channels: each of its four fields).
TELEMETRY_UNITS: Final[dict[str, str]] = {
    "seq": "integer, strictly increasing per rig",
    "speed_kmh": "km/h",
    "rpm": "rpm",
    "max_rpm": "rpm",
    "gear": "integer: -1 reverse, 0 neutral",
    "throttle": "0..1",
    "brake": "0..1",
    "clutch": "0..1",
    "steering": "-1 full left .. 1 full right",
    "g_lat": "g, positive to the right",
    "g_lon": "g, positive accelerating",
    "g_vert": "g, 1 at rest",
    "tyre_temp_c": "°C",
    "tyre_pressure_psi": "psi",
    "tyre_wear": "0..1",
    "brake_temp_c": "°C",
    "oil_temp_c": "°C",
    "water_temp_c": "°C",
    "fuel_l": "litres",
    "fuel_capacity_l": "litres",
    "lap": "integer, first lap 1",
    "lap_time_s": "s",
    "last_lap_s": "s",
    "best_lap_s": "s",
    "lap_dist_m": "m from the start line",
    "track_pos": "0..1 of the lap",
    "lap_valid": "boolean",
    "in_pit": "boolean",
    "position": "integer",
    "pos_x": "m, game world",
    "pos_y": "m, game world",
    "pos_z": "m, game world",
    "abs_active": "boolean",
    "tc_active": "boolean",
    "wheel_slip": "game's slip ratio",
    "tyre_temp_inner_c": "°C",
    "tyre_temp_middle_c": "°C",
    "tyre_temp_outer_c": "°C",
    "ride_height_mm": "mm",
    "session_time_left_s": "s",
}
_missing = set(Frame.__struct_fields__) - set(NOT_CHANNELS) - set(TELEMETRY_UNITS)
assert not _missing, f"channels without a documented unit: {sorted(_missing)}"


@dataclass(frozen=True, slots=True)
class SessionTags:
    """What identifies a session in every point; None where the game did not say."""

    rig: str
    session: str
    game: str
    driver: str | None = None
    track: str | None = None
    car: str | None = None

    def values(self) -> dict[str, str]:
        """Tag name to value, in SESSION_TAGS order, UNKNOWN for what is missing or empty."""
        raw = {
            "car": self.car,
            "driver": self.driver,
            "game": self.game,
            "rig": self.rig,
            "session": self.session,
            "track": self.track,
        }
        return {k: raw[k] or UNKNOWN for k in SESSION_TAGS}


@dataclass(frozen=True, slots=True)
class LapRecord:
    """One finished lap (``laps``), at ``t_end`` (Unix s, rig clock)."""

    lap: int
    t_end: float
    time_s: float
    sectors_s: tuple[float, ...] = ()
    valid: bool = True
    complete: bool = True
    out_lap: bool = False
    in_lap: bool = False
    delta_to_reference_s: float | None = None
    is_best: bool = False
    is_reference: bool = False
    fuel_used_l: float | None = None

    @property
    def clean(self) -> bool:
        """Fit to be a reference: complete, valid, neither an out-lap nor an in-lap."""
        return self.complete and self.valid and not self.out_lap and not self.in_lap


@dataclass(frozen=True, slots=True)
class CornerRecord:
    """One corner of one lap (``corners``), at ``t``: Unix s when the car entered the corner's segment."""

    lap: int
    t: float
    number: int  # 1-based in lap order
    corner: str  # the track file's name or "Turn N"
    brake_point_m: float | None
    min_speed_kmh: float | None
    min_speed_m: float | None
    exit_speed_kmh: float | None
    time_lost_s: float | None  # against the reference; positive: lost
    from_m: float | None = None
    to_m: float | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One coaching event (``events``), at ``t`` (Unix s).

    ``index`` tells apart events of the same kind at the same instant (their order
    in the engine's output), so each keeps its own timestamp and none overwrites another.
    """

    t: float
    lap: int | None
    kind: str
    severity: str
    message: str
    corner: str | None = None
    lap_dist_m: float | None = None
    priority: int = 50
    index: int = 0


@dataclass(frozen=True, slots=True)
class TracePoint:
    """A finished lap at one distance: ``time_s`` since the line; channels None where the game is silent."""

    lap_dist_m: float
    time_s: float
    speed_kmh: float | None = None
    throttle: float | None = None
    brake: float | None = None
    steering: float | None = None
    gear: int | None = None
    g_lat: float | None = None
    g_lon: float | None = None


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """A finished lap every TRACE_STEP_M metres (``lap_trace``); each point at ``t_start + time_s``."""

    lap: int
    t_start: float  # Unix s at the line
    points: tuple[TracePoint, ...]
