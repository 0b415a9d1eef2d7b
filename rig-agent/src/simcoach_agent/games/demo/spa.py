"""Spa-Francorchamps (7004 m GP layout) as data: named corners, straights, and a closed x/y/z outline."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

TRACK_LENGTH_M: Final = 7004.0
TRACK_NAME: Final = "Spa-Francorchamps"
N_POINTS: Final = int(TRACK_LENGTH_M)  # outline samples, one a metre: s = 0, 1, ..., 7003

Direction = Literal["left", "right"]
FloatArray = npt.NDArray[np.float64]

# Sources and assumptions. Distances are from the start/finish line on the pit
# straight (between the Bus Stop and La Source), measured along the lap. Corner
# positions and how far each one turns were read off a public OpenStreetMap-
# derived centre line of the circuit (TUM FTM racetrack-database, used only as a
# reference for measurements, not shipped) and rounded; the angles were then
# nudged by at most 1.3 degrees so that the loop closes. The radii are not the
# centre-line radii: they are racing-line radii, chosen so that a GT3 car on
# slicks takes each corner at the speed real GT3 onboard laps show (La Source
# ~70 km/h, Pouhon ~185 km/h, Eau Rouge and Blanchimont flat). The racing line
# cuts corners, so its turns are longer and gentler than the kerb-to-kerb ones.


@dataclass(frozen=True, slots=True)
class Arc:
    """One constant-direction turn of the racing line: curvature rises, holds at 1/radius, falls."""

    start_m: float
    end_m: float
    angle_deg: float  # how far the heading turns, always positive
    radius_m: float  # tightest racing-line radius, held on the plateau
    direction: Direction

    @property
    def plateau_m(self) -> float:
        """Length at constant radius; the ramps share the rest so that the arc turns exactly angle_deg."""
        return 2.0 * math.radians(self.angle_deg) * self.radius_m - (self.end_m - self.start_m)

    @property
    def ramp_m(self) -> float:
        return (self.end_m - self.start_m - self.plateau_m) / 2.0


@dataclass(frozen=True, slots=True)
class Corner:
    """A named corner: where the driver turns in, the apex, the exit, and its tightest radius."""

    name: str
    turns: str  # turn numbers as circuit maps usually give them, for people reading other data
    entry_m: float
    apex_m: float
    exit_m: float
    radius_m: float
    direction: Direction  # direction at the apex (chicanes turn both ways)
    flat_out: bool  # a GT3 takes it without braking; only lift mistakes make sense there
    arcs: tuple[Arc, ...]


@dataclass(frozen=True, slots=True)
class Straight:
    """A named stretch between corners; gentle bends on it are taken flat."""

    name: str
    start_m: float
    end_m: float
    arcs: tuple[Arc, ...] = ()


def _arc(start: float, end: float, angle: float, radius: float, direction: Direction) -> Arc:
    return Arc(start, end, angle, radius, direction)


def _corner(name: str, turns: str, *arcs: Arc, flat_out: bool = False) -> Corner:
    tightest = min(arcs, key=lambda a: a.radius_m)
    return Corner(
        name=name,
        turns=turns,
        entry_m=arcs[0].start_m,
        apex_m=(tightest.start_m + tightest.end_m) / 2.0,
        exit_m=arcs[-1].end_m,
        radius_m=tightest.radius_m,
        direction=tightest.direction,
        flat_out=flat_out,
        arcs=arcs,
    )


CORNERS: Final[tuple[Corner, ...]] = (
    _corner("La Source", "T1", _arc(235, 315, 145.2, 23.0, "right")),
    # Eau Rouge is the left-hander at the bottom of the valley, Raidillon the
    # climbing right and the left over the crest; a GT3 takes all of it flat.
    _corner("Eau Rouge", "T2", _arc(875, 985, 20.4, 220.0, "left"), flat_out=True),
    _corner(
        "Raidillon",
        "T3-T4",
        _arc(985, 1235, 55.9, 250.0, "right"),
        _arc(1235, 1375, 25.4, 260.0, "left"),
        flat_out=True,
    ),
    _corner(
        "Les Combes",
        "T5-T6",
        _arc(2255, 2355, 77.3, 72.0, "right"),
        _arc(2357, 2447, 77.7, 64.0, "left"),
    ),
    _corner("Malmedy", "T7", _arc(2480, 2600, 69.2, 85.0, "right")),
    _corner("Rivage", "T8", _arc(2870, 3040, 184.8, 35.0, "right")),
    # The left after Rivage is often left unnamed; "Bruxelles" is the name some guides use.
    _corner("Bruxelles", "T9", _arc(3135, 3245, 78.1, 68.0, "left")),
    # Pouhon is a double-apex left; the racing line makes it one long arc.
    _corner("Pouhon", "T10-T11", _arc(3635, 4045, 147.6, 139.0, "left")),
    _corner(
        "Fagnes",
        "T12-T13",
        _arc(4335, 4485, 99.2, 84.0, "right"),
        _arc(4487, 4617, 91.1, 78.0, "left"),
    ),
    _corner("Stavelot", "T14 (Campus)", _arc(4770, 4910, 94.2, 80.0, "right")),
    _corner("Paul Frere", "T15", _arc(4970, 5170, 75.6, 145.0, "right"), flat_out=True),
    _corner(
        "Blanchimont",
        "T16-T17",
        _arc(5660, 5900, 38.8, 320.0, "left"),
        _arc(5985, 6265, 43.7, 300.0, "left"),
        flat_out=True,
    ),
    _corner(
        "Bus Stop",
        "T18-T19",
        _arc(6600, 6665, 104.7, 28.0, "right"),
        _arc(6668, 6740, 130.4, 25.0, "left"),
    ),
)

STRAIGHTS: Final[tuple[Straight, ...]] = (
    Straight("Pit straight", 0, 235),
    # The run down from La Source past the old pits bends gently right.
    Straight("La Source descent", 315, 875, (_arc(380, 710, 25.0, 600.0, "right"),)),
    Straight("Kemmel straight", 1375, 2255, (_arc(1440, 1640, 16.4, 500.0, "right"),)),
    Straight("Les Combes exit", 2447, 2480),
    Straight("Malmedy run", 2600, 2870),
    Straight("Rivage run", 3040, 3135),
    Straight("Pouhon approach", 3245, 3635, (_arc(3250, 3460, 8.8, 1200.0, "right"),)),
    Straight("Fagnes approach", 4045, 4335),
    Straight("Stavelot approach", 4617, 4770),
    Straight("Stavelot exit", 4910, 4970),
    Straight(
        "Blanchimont approach",
        5170,
        5660,
        (_arc(5175, 5405, 25.3, 450.0, "right"), _arc(5415, 5555, 18.2, 380.0, "right")),
    ),
    Straight("Bus Stop approach", 6265, 6600, (_arc(6300, 6500, 16.5, 600.0, "right"),)),
    Straight("Pit straight", 6740, TRACK_LENGTH_M),
)

CORNER_NAMES: Final = tuple(c.name for c in CORNERS)

# Height above the start line (m) at a few places, smoothed into a profile. The
# circuit spans ~100 m: lowest at Stavelot, highest at Les Combes; Eau Rouge is
# the bottom of a ~40 m dip climbed again by Raidillon (~17 % at its steepest).
_ELEVATION_KNOTS: Final = (
    (0, 0.0),
    (262, 2.0),
    (600, -18.0),
    (930, -38.0),
    (1000, -33.0),
    (1100, -20.0),
    (1200, -9.0),
    (1300, -2.0),
    (1400, 3.0),
    (1500, 7.0),
    (2300, 40.0),
    (2540, 35.0),
    (2950, 15.0),
    (3200, 0.0),
    (3640, -15.0),
    (4045, -35.0),
    (4400, -45.0),
    (4840, -60.0),
    (5060, -55.0),
    (5700, -35.0),
    (6100, -18.0),
    (6650, -5.0),
    (TRACK_LENGTH_M, 0.0),
)
# Heading at the line: the pit straight runs north-north-west towards La Source.
_START_HEADING_DEG: Final = 122.0


class Outline(NamedTuple):
    """The lap, one sample a metre: position (m, x east, y north, z up), heading, curvature."""

    x: FloatArray
    y: FloatArray
    z: FloatArray
    heading: FloatArray  # radians, counter-clockwise from +x
    curvature: FloatArray  # 1/m, positive turning right, like steering and g_lat in frames


def _arc_curvature(arc: Arc, s: FloatArray) -> FloatArray:
    """Plateau of 1/radius with half-cosine ramps: continuous curvature, so steering has no jumps."""
    ramp, plateau = arc.ramp_m, arc.plateau_m
    u = s - arc.start_m
    k = np.zeros_like(s)
    rising = (u >= 0) & (u < ramp)
    k[rising] = 0.5 * (1.0 - np.cos(math.pi * u[rising] / ramp))
    k[(u >= ramp) & (u <= ramp + plateau)] = 1.0
    falling = (u > ramp + plateau) & (u <= ramp * 2 + plateau)
    k[falling] = 0.5 * (1.0 + np.cos(math.pi * (u[falling] - ramp - plateau) / ramp))
    sign = 1.0 if arc.direction == "right" else -1.0
    # The cosine ramp covers half its length, like a linear ramp, so the area
    # (the heading change) is ramp + plateau times 1/radius, as designed.
    return sign * k / arc.radius_m


def all_arcs() -> tuple[Arc, ...]:
    """Every turn of the racing line, corners' and straights' bends alike, in lap order."""
    arcs = [a for c in CORNERS for a in c.arcs] + [a for st in STRAIGHTS for a in st.arcs]
    return tuple(sorted(arcs, key=lambda a: a.start_m))


@lru_cache(maxsize=1)
def outline() -> Outline:
    """The racing line as a closed loop (cached; the arrays are read-only)."""
    s = np.arange(N_POINTS, dtype=np.float64)
    k = np.zeros(N_POINTS)
    for arc in all_arcs():
        k += _arc_curvature(arc, s)
    # A clockwise lap turns -2*pi in all. The measured angles miss that by a
    # degree or two; spread the difference over the corners in proportion to
    # how hard they turn, so straights stay straight.
    excess = float(np.sum(k)) - 2.0 * math.pi
    k -= excess * np.abs(k) / float(np.sum(np.abs(k)))
    heading = math.radians(_START_HEADING_DEG) - (np.cumsum(k) - k / 2.0)
    # Integrate positions with midpoint headings so the loop closes to within rounding.
    dx, dy = np.cos(heading), np.sin(heading)
    x = np.concatenate(([0.0], np.cumsum(dx)[:-1]))
    y = np.concatenate(([0.0], np.cumsum(dy)[:-1]))
    # What is left of the gap between the last point + one step and the start is
    # spread linearly along the lap: a few metres over 7 km are invisible.
    gap_x = x[-1] + dx[-1] - 0.0
    gap_y = y[-1] + dy[-1] - 0.0
    x -= gap_x * s / TRACK_LENGTH_M
    y -= gap_y * s / TRACK_LENGTH_M
    z = _elevation(s)
    for arr in (x, y, z, heading, k):
        arr.setflags(write=False)
    return Outline(x, y, z, heading, k)


def _elevation(s: FloatArray) -> FloatArray:
    knots_s = np.array([p[0] for p in _ELEVATION_KNOTS], dtype=np.float64)
    knots_z = np.array([p[1] for p in _ELEVATION_KNOTS], dtype=np.float64)
    z = np.interp(s, knots_s, knots_z)
    # Smooth the corners of the linear interpolation (wrapping round the lap) so
    # the vertical curvature, which sets g_vert, is finite and believable.
    width = 81
    kernel = np.hanning(width)
    kernel /= kernel.sum()
    padded = np.concatenate((z[-width:], z, z[:width]))
    for _ in range(2):
        padded = np.convolve(padded, kernel, mode="same")
    result: FloatArray = padded[width:-width]
    return result


def corner_at(dist_m: float) -> Corner | None:
    """The corner whose entry..exit contains dist_m (wrapped onto the lap), or None on a straight."""
    d = dist_m % TRACK_LENGTH_M
    for corner in CORNERS:
        if corner.entry_m <= d <= corner.exit_m:
            return corner
    return None


def segment_at(dist_m: float) -> str:
    """The name of the corner or straight at dist_m: 'La Source', 'Kemmel straight', ..."""
    corner = corner_at(dist_m)
    if corner is not None:
        return corner.name
    d = dist_m % TRACK_LENGTH_M
    for straight in STRAIGHTS:
        if straight.start_m <= d <= straight.end_m:
            return straight.name
    raise AssertionError(f"{d} m is neither a corner nor a straight")  # the tables tile the lap


def find_corner(name: str) -> Corner:
    """The corner called name (case and spacing ignored, 'Campus' and accents accepted)."""
    wanted = _normal(name)
    for corner in CORNERS:
        if _normal(corner.name) == wanted:
            return corner
    if wanted in _ALIASES:
        return find_corner(_ALIASES[wanted])
    raise KeyError(name)


def _normal(name: str) -> str:
    return " ".join(name.replace("è", "e").replace("È", "E").lower().split())


_ALIASES: Final = {"campus": "Stavelot", "busstop": "Bus Stop", "raidillon de l'eau rouge": "Raidillon"}
