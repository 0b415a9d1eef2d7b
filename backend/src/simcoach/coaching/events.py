"""A coaching event: what the engine tells a driver, with the measured evidence behind it."""

from __future__ import annotations

from typing import Literal

import msgspec

Severity = Literal["info", "warning", "critical"]
Evidence = dict[str, float | int | str | bool | None]


class Event(msgspec.Struct, tag="event", tag_field="type", kw_only=True):
    """One message for the driver.

    ``kind`` names what was found (e.g. ``late_brake``, ``tyre_pressure_high``);
    ``corner`` is the corner's name, or ``"Turn N"`` where the track is not
    known, never a guessed name; ``evidence`` holds the numbers measured, with
    units in the key names (``brake_point_delta_m``, ``pressure_psi``).
    """

    t: float
    rig: str
    lap: int | None
    lap_dist_m: float | None
    corner: str | None
    kind: str
    severity: Severity
    message: str
    evidence: Evidence = msgspec.field(default_factory=dict)
    # Lower is more important when several events compete for the driver's attention.
    priority: int = 50
