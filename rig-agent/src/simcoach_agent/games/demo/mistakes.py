"""Driver mistakes to inject ('late_brake@La Source:3'), and the ground-truth record of each one made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from simcoach_agent.games.demo.spa import CORNER_NAMES, find_corner

MistakeKind = Literal["late_brake", "early_brake", "coasting", "overlap", "early_throttle", "low_min_speed"]
KINDS: Final[tuple[str, ...]] = get_args(MistakeKind)
# A flat-out corner has no braking zone to get wrong; only a lift can go wrong there.
LIFT_KINDS: Final = ("coasting", "low_min_speed")


@dataclass(frozen=True, slots=True)
class Mistake:
    """A mistake the demo driver makes at a corner: on lap `lap`, or on every lap from lap 2 if None."""

    kind: MistakeKind
    corner: str
    lap: int | None = None

    def applies_to(self, lap: int) -> bool:
        # Lap 1 stays clean so that a reference lap exists to compare against.
        return lap == self.lap if self.lap is not None else lap >= 2

    def __str__(self) -> str:
        return f"{self.kind}@{self.corner}" + (f":{self.lap}" if self.lap is not None else "")


@dataclass(frozen=True, slots=True)
class MistakeRecord:
    """What the driver actually did, written once the car has left the corner.

    ``magnitude`` is in ``unit``: metres later/earlier for brake points, seconds
    for coasting and overlap, metres early for early_throttle, km/h for
    low_min_speed. ``time_lost_s`` compares with the same lap driven cleanly.
    """

    lap: int
    corner: str
    kind: MistakeKind
    magnitude: float
    unit: str
    at_m: float  # lap distance where the mistake starts
    until_m: float  # where the car is back on the clean trace
    time_lost_s: float
    min_speed_kmh: float  # in the corner, with the mistake
    clean_min_speed_kmh: float  # in the corner, as the clean lap would have been


def parse_mistakes(spec: str) -> list[Mistake]:
    """Parse 'kind@Corner[:lap],...' e.g. 'late_brake@La Source,coasting@Pouhon:3'.

    Raises ValueError naming what is wrong and listing what is valid.
    """
    mistakes: list[Mistake] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        kind, at, where = item.partition("@")
        if not at or not where.strip():
            raise ValueError(f"mistake {item!r} is not 'kind@Corner' or 'kind@Corner:lap'")
        kind = kind.strip()
        if kind not in KINDS:
            raise ValueError(f"unknown mistake kind {kind!r} in {item!r}; valid kinds: {', '.join(KINDS)}")
        name, colon, lap_text = where.partition(":")
        try:
            corner = find_corner(name)
        except KeyError:
            raise ValueError(
                f"unknown corner {name.strip()!r} in {item!r}; valid corners: {', '.join(CORNER_NAMES)}"
            ) from None
        lap: int | None = None
        if colon:
            try:
                lap = int(lap_text)
            except ValueError:
                lap = 0
            if lap < 1:
                raise ValueError(f"lap in {item!r} must be a whole number from 1, got {lap_text.strip()!r}")
        if corner.flat_out and kind not in LIFT_KINDS:
            raise ValueError(
                f"{kind} is not possible at {corner.name} in {item!r}: a GT3 takes it flat out, "
                f"with no braking; use one of: {', '.join(LIFT_KINDS)}"
            )
        mistakes.append(Mistake(cast(MistakeKind, kind), corner.name, lap))
    return mistakes
