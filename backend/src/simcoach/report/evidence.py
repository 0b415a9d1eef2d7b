"""The evidence packet: everything the report's model may see of a session, as numbered, citable items.

The model is shown this packet and nothing else (never raw frames), so every claim it makes can be traced
back to an item by its id and checked (report/grounding.py). Whoever builds a packet owes it two things:

- every number worth saying is in an item's ``numbers`` (named with its unit: ``time_lost_s``, ``brake_m``,
  ``min_speed_kmh``), including the differences a coach would state ("12 m later" needs ``brake_later_m``):
  the grounding check accepts a stated number only if a cited item holds it;
- ids are stable across rebuilds of the same session ("corner:La Source:lap3", "lap:3", "event:17"), so a
  report, its dropped observations and a later rebuild all speak of the same things.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EvidenceItem(BaseModel):
    """One measured fact about the session, where it happened and the numbers behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Stable across rebuilds: the model cites it, the grounding check looks it up.
    id: str = Field(min_length=1, max_length=200)
    # What sort of fact: "corner_time_lost", "corner_inconsistent", "rule_event", "lap", "tyres", "brakes", "fuel".
    kind: str = Field(min_length=1, max_length=64)
    # None when the fact spans laps (a corner's consistency) or the whole session (fuel use).
    lap: int | None = None
    corner: str | None = None
    lap_dist_m: float | None = None
    # Seconds since the session began: where a reviewer finds it on the session's timeline.
    session_time_s: float | None = None
    # Plain words, for the model and for a person reading the dropped list.
    summary: str
    # Every measured number, named with its unit as a suffix (time_lost_s, brake_m, ref_brake_m, min_speed_kmh).
    numbers: dict[str, float] = Field(default_factory=dict)
    # 1 = most worth reviewing; None when not ranked.
    rank: int | None = None


class LapSummary(BaseModel):
    """One lap of the session in brief (its numbers are citable only through a ``lap:N`` item)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lap: int
    time_s: float | None = None
    valid: bool = True
    # When the lap began, in seconds since the session began.
    session_time_s: float | None = None


class SessionSummary(BaseModel):
    """What the session was: who drove what, where, and how many laps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    game: str
    track: str
    car: str | None = None
    driver: str | None = None
    laps: int = Field(ge=0)
    best_lap: int | None = None
    best_lap_s: float | None = None
    duration_s: float | None = None


class EvidencePacket(BaseModel):
    """The whole of what the model is told about one session."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session: SessionSummary
    laps: list[LapSummary] = Field(default_factory=list)
    items: list[EvidenceItem] = Field(default_factory=list)
    # Item ids, most worth reviewing first.
    ranked: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids_unique_and_ranked_known(self) -> EvidencePacket:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"evidence id {item.id!r} is used by more than one item")
            seen.add(item.id)
        unknown = [rid for rid in self.ranked if rid not in seen]
        if unknown:
            raise ValueError(f"ranked names ids that are no item: {', '.join(map(repr, unknown))}")
        return self

    def item(self, evidence_id: str) -> EvidenceItem | None:
        """The item with this id, or None."""
        return self._by_id.get(evidence_id)

    def laps_present(self) -> set[int]:
        """Every lap the packet speaks of, in its lap table or its items."""
        return {lap.lap for lap in self.laps} | {item.lap for item in self.items if item.lap is not None}

    def corners_present(self) -> set[str]:
        """Every corner named by an item."""
        return {item.corner for item in self.items if item.corner is not None}

    def names(self) -> set[str]:
        """Names that may hold digits and are no measurement: corners, track, car, game, driver, session id."""
        session = self.session
        named = {session.id, session.game, session.track, session.car, session.driver}
        return {name for name in named | self.corners_present() if name}

    def shown(self, max_items: int | None) -> EvidencePacket:
        """The packet cut to ``max_items`` items for a model with a small context (None: all of it).

        Kept first: the ranked items in their order, then the laps, then what holds for the whole session
        (tyres, brakes, fuel), then the rest in the packet's order.
        """
        if max_items is None or len(self.items) <= max_items:
            return self
        rank = {item_id: n for n, item_id in enumerate(self.ranked)}

        def order(pair: tuple[int, EvidenceItem]) -> tuple[int, int]:
            n, item = pair
            if item.id in rank:
                return (0, rank[item.id])
            if item.kind == "lap":
                return (1, n)
            if item.lap is None and item.corner is None:
                return (2, n)
            return (3, n)

        kept = {item.id for _, item in sorted(enumerate(self.items), key=order)[:max_items]}
        # A new packet, not model_copy: a copy would carry this one's cached index of ids.
        return EvidencePacket(
            session=self.session,
            laps=self.laps,
            items=[item for item in self.items if item.id in kept],
            ranked=[item_id for item_id in self.ranked if item_id in kept],
        )

    def for_model(self) -> str:
        """The packet as the model is shown it: compact JSON, unset fields left out, ranked order kept."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @cached_property
    def _by_id(self) -> dict[str, EvidenceItem]:
        # Built once: the packet is frozen, so its items never change.
        return {item.id: item for item in self.items}
