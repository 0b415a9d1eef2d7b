"""A finished lap as the coaching engine reports it to dashboards and hands it to the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from simcoach.coaching.reference import RefKey
from simcoach.coaching.trace import LapTrace
from simcoach.storage.records import LapRow


@dataclass(slots=True)
class LapRecord:
    """A lap as the engine reports it (the ``lap`` message) and keeps it."""

    id: int
    rig: str
    session_id: str
    key: RefKey
    lap: int | None
    time_s: float
    valid: bool
    complete: bool
    out_lap: bool
    in_lap: bool
    sectors: list[float]
    delta_to_reference_s: float | None
    is_best: bool
    is_reference: bool
    t_end: float
    fuel_used_l: float | None = None
    corners: list[dict[str, object]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.complete and self.valid and not self.out_lap and not self.in_lap

    def message(self) -> dict[str, object]:
        """The dashboard's ``lap`` message."""
        return {
            "type": "lap",
            "rig": self.rig,
            "id": self.id,
            "lap": self.lap,
            "time_s": round(self.time_s, 3),
            "valid": self.valid,
            "complete": self.complete,
            "out_lap": self.out_lap,
            "in_lap": self.in_lap,
            "sectors": [round(s, 3) for s in self.sectors],
            "delta_to_reference_s": None if self.delta_to_reference_s is None else round(self.delta_to_reference_s, 3),
            "is_best": self.is_best,
            "is_reference": self.is_reference,
        }

    def summary(self) -> dict[str, object]:
        """The lap with its per-corner numbers (``GET /api/laps/{id}``, ``replay --laps-json``)."""
        return {
            **self.message(),
            "session_id": self.session_id,
            "t": self.t_end,
            "fuel_used_l": self.fuel_used_l,
            "corners": self.corners,
        }

    def row(self, trace: LapTrace | None) -> LapRow:
        """What the store keeps of it (the trace packed here, on the event loop: a few hundred µs a lap)."""
        return LapRow(
            id=self.id,
            session_id=self.session_id,
            rig=self.rig,
            lap=self.lap,
            t_end=self.t_end,
            time_s=self.time_s,
            clean=self.clean and trace is not None,
            complete=self.complete,
            key=self.key,
            record=self.summary(),
            trace=trace.to_bytes() if trace is not None else None,
        )
