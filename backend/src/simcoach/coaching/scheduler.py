"""When the driver is told what: corner advice on the next approach, rule events paced, nothing twice.

Two kinds of message meet here:

- *corner advice* (a ``Finding``), made when a corner has been measured and
  held until the car is on the straight before that corner again, on the next
  lap: at most ``MAX_ADVICE_PER_LAP`` from one lap (the costliest), and the
  same kind at the same corner is not said again for ``REPEAT_LAPS`` laps
  unless it cost half as much again;
- *rule events* (tyres, brakes, fuel, technique), passed on at once but paced:
  ``MIN_GAP_S`` between two messages (critical ones do not wait), the same kind
  at the same corner not again within ``RULE_COOLDOWN_S`` (``CRITICAL_COOLDOWN_S``
  for critical ones), the most important first (lowest ``priority``), and
  dropped when they have waited ``STALE_S`` (the state they describe has moved on).

Once a reference lap exists, pedal technique at a corner is the corner
analysis's to say (against the driver's best, with its cost, on the next
approach): a rule's event of a kind in ``COVERED_BY_CORNERS`` at a known
corner is then dropped rather than said mid-corner and again a lap later.

Time is the rig's frame time, so a replay at full speed schedules exactly as live.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Final

from simcoach.coaching.events import Event
from simcoach.coaching.feedback import Finding

MAX_ADVICE_PER_LAP: Final = 3
REPEAT_LAPS: Final = 2
REPEAT_IF_WORSE: Final = 1.5
ADVICE_STALE_S: Final = 400.0  # advice not given within this (pits, a long stop) is dropped
MIN_GAP_S: Final = 2.0
RULE_COOLDOWN_S: Final = 60.0
CRITICAL_COOLDOWN_S: Final = 20.0
STALE_S: Final = 15.0
# Rule kinds that corner feedback reports too (its own kind in the comment).
COVERED_BY_CORNERS: Final = frozenset({"coasting", "throttle_brake_overlap"})  # coasting, overlap


@dataclass(slots=True)
class _Advice:
    finding: Finding
    corner_index: int
    made_t: float
    made_lap: int | None


@dataclass(order=True, slots=True)
class _Queued:
    priority: int
    order: int
    event: Event = field(compare=False)


class Scheduler:
    """One rig's message pacing; ``due`` is O(1) on the frames where nothing is waiting."""

    def __init__(self) -> None:
        self._advice: dict[int, _Advice] = {}
        self._said: dict[tuple[str, str], tuple[int | None, float]] = {}
        self._said_of_lap: dict[int | None, int] = {}  # advice already said, by the lap it is about
        self._rule_last: dict[tuple[str, str | None], float] = {}
        self._queue: list[_Queued] = []
        self._order = itertools.count()
        self._last_said_t = -1e18
        self.suppressed = 0

    # --- corner advice ------------------------------------------------------

    def add_advice(self, corner_index: int, finding: Finding, t: float) -> None:
        """A corner's finding, to be said on the next approach to it."""
        said = self._said.get((finding.corner, finding.kind))
        if said is not None:
            said_lap, said_loss = said
            recent = said_lap is not None and finding.lap is not None and finding.lap - said_lap <= REPEAT_LAPS
            if recent and finding.time_delta_s < REPEAT_IF_WORSE * max(said_loss, 0.0):
                self.suppressed += 1
                return
        self._advice[corner_index] = _Advice(finding, corner_index, t, finding.lap)
        same_lap = [a for a in self._advice.values() if a.made_lap == finding.lap]
        if len(same_lap) + self._said_of_lap.get(finding.lap, 0) > MAX_ADVICE_PER_LAP:
            cheapest = min(same_lap, key=lambda a: a.finding.time_delta_s)
            del self._advice[cheapest.corner_index]
            self.suppressed += 1

    def take_advice(self, corner_index: int, t: float) -> Finding | None:
        """The advice for this corner if any (the car is on its approach); it is said once."""
        advice = self._advice.pop(corner_index, None)
        if advice is None:
            return None
        if t - advice.made_t > ADVICE_STALE_S:
            self.suppressed += 1
            return None
        f = advice.finding
        self._said[(f.corner, f.kind)] = (f.lap, f.time_delta_s)
        self._said_of_lap[f.lap] = self._said_of_lap.get(f.lap, 0) + 1
        self._last_said_t = t
        return f

    def renumber(self, names: list[str]) -> None:
        """The reference's corners changed: pending advice goes to the corner of the same name, or is dropped."""
        index = {name: k for k, name in enumerate(names)}
        moved: dict[int, _Advice] = {}
        for advice in self._advice.values():
            k = index.get(advice.finding.corner)
            if k is None:
                self.suppressed += 1
                continue
            advice.corner_index = k
            moved[k] = advice
        self._advice = moved

    def clear_advice(self) -> None:
        """Forget advice measured against a reference that is no longer the one (the user picked another)."""
        self._advice.clear()

    @property
    def pending_advice(self) -> int:
        return len(self._advice)

    # --- rule events ----------------------------------------------------------

    def offer(self, event: Event, corners_covered: bool = False) -> None:
        """A rule's event: queued unless the same thing was said too recently.

        ``corners_covered``: corner feedback is running (there is a reference), so
        what it reports at a corner is not said twice.
        """
        if corners_covered and event.corner is not None and event.kind in COVERED_BY_CORNERS:
            self.suppressed += 1
            return
        key = (event.kind, event.corner)
        last = self._rule_last.get(key)
        cooldown = CRITICAL_COOLDOWN_S if event.severity == "critical" else RULE_COOLDOWN_S
        if last is not None and event.t - last < cooldown:
            self.suppressed += 1
            return
        if any(q.event.kind == event.kind and q.event.corner == event.corner for q in self._queue):
            self.suppressed += 1
            return
        self._rule_last[key] = event.t
        heapq.heappush(self._queue, _Queued(event.priority, next(self._order), event))

    def due(self, t: float) -> Event | None:
        """The rule event to say now, if one is waiting and the driver has had a moment since the last."""
        queue = self._queue
        if not queue:
            return None
        while queue and t - queue[0].event.t > STALE_S:
            heapq.heappop(queue)
            self.suppressed += 1
        if not queue:
            return None
        head = queue[0].event
        if head.severity != "critical" and t - self._last_said_t < MIN_GAP_S:
            return None
        heapq.heappop(queue)
        self._last_said_t = t
        return head

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]
