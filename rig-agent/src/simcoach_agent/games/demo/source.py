"""The demo car as a telemetry source for the agent."""

from __future__ import annotations

from simcoach_agent.games.base import TelemetrySource
from simcoach_agent.games.demo import DemoCar, parse_mistakes
from simcoach_agent.telemetry import Frame, SessionInfo


class DemoSource(TelemetrySource):
    """Steps the simulated Mercedes-AMG GT3 by one sample period per frame."""

    game = "demo"

    def __init__(self, rate_hz: float = 60.0, seed: int = 1, mistakes: str = "", driver: str = "Demo Driver") -> None:
        self.period = 1.0 / rate_hz
        self.car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver=driver)

    def open(self) -> None:
        """Nothing to attach to: the demo is always running."""

    def sample(self, rig: str, seq: int, t: float) -> Frame | None:
        self.car.step(self.period)
        return self.car.frame(rig, seq, t)

    def session(self) -> SessionInfo | None:
        return self.car.session_info()

    def laps_completed(self) -> int | None:
        return self.car.laps_completed
