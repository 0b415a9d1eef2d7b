"""Demo game: a simulated Mercedes-AMG GT3 lapping Spa-Francorchamps, with optional injected mistakes."""

from simcoach_agent.games.demo import spa as SPA  # noqa: N812 - the track, named like the constant it is
from simcoach_agent.games.demo.mistakes import KINDS, Mistake, MistakeRecord, parse_mistakes
from simcoach_agent.games.demo.sim import DemoCar
from simcoach_agent.games.demo.spa import CORNERS, TRACK_LENGTH_M, Corner, corner_at

__all__ = [
    "CORNERS",
    "KINDS",
    "SPA",
    "TRACK_LENGTH_M",
    "Corner",
    "DemoCar",
    "Mistake",
    "MistakeRecord",
    "corner_at",
    "parse_mistakes",
]
