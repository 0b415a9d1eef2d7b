"""The one telemetry frame and session message every part of simcoach speaks.

Names and units here are a contract: storage, Grafana queries, the dashboard and
users' own scripts depend on them. A value the game does not provide is ``None``
(null on the wire), never a made-up zero. Four-wheel values are in the order
FL, FR, RL, RR.

Every float carries bounds. Besides catching nonsense, a bound is how NaN and
infinity are refused inside the C decoder: both fail any comparison.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

PROTOCOL_VERSION: Final = 1
WHEELS: Final = ("FL", "FR", "RL", "RR")

_BIG = 1e7


def _num(lo: float = -_BIG, hi: float = _BIG, desc: str = "") -> msgspec.Meta:
    return msgspec.Meta(ge=lo, le=hi, description=desc)


Real = Annotated[float, _num()]
Unit = Annotated[float, _num(0.0, 1.0)]
Signed = Annotated[float, _num(-1.0, 1.0)]
Celsius = Annotated[float, _num(-100.0, 3000.0)]
Wheels = tuple[Real, Real, Real, Real]
UnitWheels = tuple[Unit, Unit, Unit, Unit]
CelsiusWheels = tuple[Celsius, Celsius, Celsius, Celsius]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, msgspec.Meta(max_length=200)]


class Frame(msgspec.Struct, tag="frame", tag_field="type", kw_only=True):
    """One sample of one car.

    Channels have no default on purpose: a frame on the wire must name every
    channel, null where the game is silent, so a missing key is an error and not
    a silent gap. Optional extras at the end default to null.
    """

    rig: Name
    # At most 2**63 - 1: what the store's 64-bit integer holds (JSON could carry any size).
    seq: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1, description="strictly increasing per rig")]
    t: Annotated[float, _num(0.0, 1e11, "Unix seconds, rig clock")]

    speed_kmh: Annotated[float, _num(0.0, 1000.0, "km/h")] | None
    rpm: Annotated[float, _num(0.0, 30000.0, "revolutions per minute")] | None
    max_rpm: Annotated[float, _num(0.0, 30000.0, "rev limit, rpm")] | None
    gear: Annotated[int, msgspec.Meta(ge=-1, le=12, description="-1 reverse, 0 neutral, 1..n")] | None
    throttle: Unit | None
    brake: Unit | None
    clutch: Unit | None
    steering: Annotated[float, _num(-1.0, 1.0, "-1 full left .. 1 full right")] | None
    g_lat: Annotated[float, _num(-20.0, 20.0, "g, positive accelerating to the right (right-hand corner)")] | None
    g_lon: Annotated[float, _num(-20.0, 20.0, "g, positive accelerating")] | None
    g_vert: Annotated[float, _num(-20.0, 20.0, "g, 1 at rest")] | None

    tyre_temp_c: CelsiusWheels | None
    tyre_pressure_psi: tuple[Real, Real, Real, Real] | None
    tyre_wear: UnitWheels | None
    brake_temp_c: CelsiusWheels | None

    oil_temp_c: Celsius | None
    water_temp_c: Celsius | None
    fuel_l: Annotated[float, _num(0.0, 1000.0, "litres")] | None
    fuel_capacity_l: Annotated[float, _num(0.0, 1000.0, "litres")] | None

    lap: Annotated[int, msgspec.Meta(ge=0, le=100000, description="current lap, first lap 1")] | None
    lap_time_s: Annotated[float, _num(0.0, 1e6, "current lap so far, s")] | None
    last_lap_s: Annotated[float, _num(0.0, 1e6, "s")] | None
    best_lap_s: Annotated[float, _num(0.0, 1e6, "s")] | None
    lap_dist_m: Annotated[float, _num(-1e5, 1e6, "metres from the start line")] | None
    track_pos: Unit | None
    lap_valid: bool | None
    in_pit: bool | None
    position: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None

    pos_x: Real | None
    pos_y: Real | None
    pos_z: Real | None

    # Optional game-specific extras.
    abs_active: bool | None = None
    tc_active: bool | None = None
    wheel_slip: Wheels | None = None
    tyre_temp_inner_c: CelsiusWheels | None = None
    tyre_temp_middle_c: CelsiusWheels | None = None
    tyre_temp_outer_c: CelsiusWheels | None = None
    ride_height_mm: Wheels | None = None
    session_time_left_s: Annotated[float, _num(0.0, 1e6, "s left in a timed session")] | None = None


class SessionInfo(msgspec.Struct, tag="session", tag_field="type", kw_only=True):
    """What is being driven: sent at the start and whenever it changes."""

    game: Text
    track: Text | None = None
    track_length_m: Annotated[float, _num(0.0, 1e5, "metres")] | None = None
    car: Text | None = None
    car_class: Text | None = None
    driver: Text | None = None
    session_type: Text | None = None
    session_laps: Annotated[int, msgspec.Meta(ge=1, le=100000, description="laps of a lap-limited race")] | None = None
    # Filled by the backend when it relays the message to dashboards.
    rig: Name | None = None


FRAME_FIELDS: Final = Frame.__struct_fields__


def blank_frame(rig: str, seq: int, t: float) -> Frame:
    """A frame with every channel null, for mappers that fill what their game gives."""
    return Frame(rig=rig, seq=seq, t=t, **dict.fromkeys(_CHANNELS))


_CHANNELS: Final = tuple(f for f in FRAME_FIELDS if f not in ("rig", "seq", "t"))
