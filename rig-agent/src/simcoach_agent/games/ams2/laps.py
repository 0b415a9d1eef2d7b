"""Last and best lap times from the timings packets, for games that send no time-stats packets.

Real Project CARS 2 captures carry no eTimeStats packet at all, yet every timings packet
gives the player's lap counter (``sCurrentLap``) and the time into the current lap
(``sCurrentTime``). When the counter goes from n to n + 1, lap n took the last time seen in
it plus the time between that packet and the first one of lap n + 1, less the time already
run in the new lap. That interval is taken from the two packets before (the game sends
timings at a steady rate); the estimate is within one packet interval even when it is not.
"""

from __future__ import annotations

import math
from typing import Final

# A lap time beyond this is not a lap (the frame contract's bound too).
MAX_LAP_S: Final = 1e6


def _time(value: float) -> float | None:
    return value if math.isfinite(value) and 0.0 <= value <= MAX_LAP_S else None


class LapClock:
    """Follows one participant's lap counter and lap time; ``last`` and ``best`` in seconds, None until known."""

    def __init__(self) -> None:
        self.last: float | None = None
        self.best: float | None = None
        self._lap: int | None = None
        self._time: float | None = None
        self._step: float | None = None
        self._invalid = False

    def reset(self) -> None:
        """A new session, a restart, another participant: nothing of the laps before counts."""
        self.last = self.best = None
        self._lap = None
        self._time = self._step = None
        self._invalid = False

    def update(self, lap: int, current: float, invalidated: bool) -> None:
        """One timings packet: ``lap`` the lap counter (first lap 1), ``current`` s into it (-1 unset)."""
        now = _time(current)
        if self._lap is None or lap < self._lap:
            if self._lap is not None:
                self.reset()  # the counter went back: a restarted session
            self._start(lap, now, invalidated)
            return
        if lap == self._lap:
            if now is not None:
                if self._time is not None and now < self._time:
                    # The lap clock went back without a new lap: a restart on the same lap number.
                    self.reset()
                    self._start(lap, now, invalidated)
                    return
                if self._time is not None and now > self._time:
                    self._step = now - self._time
                self._time = now
            self._invalid = self._invalid or invalidated
            return
        if lap == self._lap + 1 and self._time is not None:
            lap_time = self._time
            step = self._step
            if step is not None and now is not None and now <= step:
                lap_time += step - now
            self.last = _time(lap_time)
            if self.last is not None and not self._invalid and (self.best is None or self.last < self.best):
                self.best = self.last
        else:
            # Laps were missed (lost packets, a jump), or the lap was never timed (an out lap from the
            # garage has no running time): the lap just finished has no known time.
            self.last = None
        self._start(lap, now, invalidated)

    def _start(self, lap: int, now: float | None, invalidated: bool) -> None:
        self._lap = lap
        self._time = now
        self._step = None
        self._invalid = invalidated
