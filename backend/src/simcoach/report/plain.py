"""The ranked moments in plain words, with what to try: the report as it reads with no model at all.

Each sentence is made from one evidence item's own numbers, so the no-key
report states nothing the code did not measure, and cites the item it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

from simcoach.report.evidence import EvidenceItem, EvidencePacket


@dataclass(frozen=True, slots=True)
class Moment:
    """One ranked moment: where, what happened, what to try, and the item it comes from."""

    rank: int
    evidence_id: str
    kind: str
    lap: int | None
    corner: str | None
    lap_dist_m: float | None
    session_time_s: float | None
    what_happened: str
    what_to_try: str


def _n(item: EvidenceItem, name: str) -> float | None:
    return item.numbers.get(name)


def _try_corner(item: EvidenceItem) -> str:
    kind = item.kind
    brake_later = _n(item, "brake_later_m")
    ref_brake = _n(item, "ref_brake_m")
    dv = _n(item, "min_speed_delta_kmh")
    ref_min = _n(item, "ref_min_speed_kmh")
    exit_dv = _n(item, "exit_speed_delta_kmh")
    pickup_later = _n(item, "pickup_later_m")
    if kind == "late_brake" and brake_later is not None and ref_brake is not None:
        return (
            f"Brake at about {ref_brake:.0f} m, as on the reference ({brake_later:.0f} m earlier than this lap), "
            "and carry the speed through the apex instead of into it."
        )
    if kind == "early_brake" and brake_later is not None and ref_brake is not None:
        return f"Brake later: the reference brakes at {ref_brake:.0f} m, {-brake_later:.0f} m after this lap did."
    if kind == "coasting":
        return (
            f"Go from the brake to the throttle without coasting: this lap coasted {_n(item, 'coasting_s') or 0:.2f} s "
            f"here, the reference {_n(item, 'ref_coasting_s') or 0:.2f} s."
        )
    if kind == "overlap":
        return "Release the brake fully before picking up the throttle: both pedals were pressed together here."
    if kind == "early_throttle":
        return "Wait for the car to rotate before the throttle: picking it up early forced a lift on the way out."
    if kind == "low_min_speed" and dv is not None and ref_min is not None:
        return f"Carry more speed to the apex: {ref_min:.1f} km/h on the reference, {-dv:.1f} km/h more than this lap."
    if pickup_later is not None and pickup_later > 5:
        return f"Pick up the throttle earlier: {pickup_later:.0f} m later than the reference on this lap."
    if dv is not None and dv < -2 and (exit_dv is None or dv <= exit_dv):
        return f"Carry more speed through the corner: {-dv:.1f} km/h slower at the apex than the reference."
    if exit_dv is not None and exit_dv < -2:
        return f"Work on the exit: {-exit_dv:.1f} km/h slower out of the corner than the reference."
    return "Compare this corner with the reference lap on the sessions page: the loss is spread over the corner."


def _happened(item: EvidenceItem) -> str:
    if item.kind == "corner_inconsistent":
        spread = _n(item, "time_lost_spread_s") or 0.0
        worst, best = _n(item, "worst_time_lost_s"), _n(item, "best_time_lost_s")
        words = f"{item.corner} is the least regular corner: the time lost varies by {spread:.2f} s from lap to lap"
        if worst is not None and best is not None:
            words += f" ({best:.2f} s to {worst:.2f} s)"
        return words + "."
    if item.kind == "rule_event":
        return item.summary + "."
    lost = _n(item, "time_lost_s") or 0.0
    words = f"{item.corner}, lap {item.lap}: {lost:.2f} s lost to the reference"
    brake_later = _n(item, "brake_later_m")
    if item.kind == "late_brake" and brake_later is not None:
        words += f", braking {brake_later:.0f} m later"
    elif item.kind == "early_brake" and brake_later is not None:
        words += f", braking {-brake_later:.0f} m earlier"
    elif item.kind == "coasting":
        words += f", coasting {_n(item, 'coasting_s') or 0:.2f} s"
    dv = _n(item, "min_speed_delta_kmh")
    if dv is not None and abs(dv) >= 1:
        words += f", {abs(dv):.1f} km/h {'slower' if dv < 0 else 'faster'} at the apex"
    return words + "."


def _try(item: EvidenceItem) -> str:
    if item.kind == "corner_inconsistent":
        brake = _n(item, "brake_spread_m")
        words = "Pick one braking marker and one line and repeat them"
        if brake is not None:
            words += f" (your braking point varies by {brake:.1f} m)"
        return words + "; the best of your laps here shows what is possible."
    if item.kind == "rule_event":
        return "Read the coach's message on the sessions page for each time it came, and work on the habit."
    return _try_corner(item)


def moments(packet: EvidencePacket) -> list[Moment]:
    """The packet's ranked moments in order, in plain words."""
    out: list[Moment] = []
    for rank, evidence_id in enumerate(packet.ranked, start=1):
        item = packet.item(evidence_id)
        assert item is not None  # the packet checks its ranked ids
        out.append(
            Moment(
                rank=rank,
                evidence_id=item.id,
                kind=item.kind,
                lap=item.lap,
                corner=item.corner,
                lap_dist_m=item.lap_dist_m,
                session_time_s=item.session_time_s,
                what_happened=_happened(item),
                what_to_try=_try(item),
            )
        )
    return out


def priorities(packet: EvidencePacket, top: int = 3) -> list[str]:
    """What to work on next session without a model: the corners that cost most over the session."""
    by_corner: dict[str, float] = {}
    for item in packet.items:
        if item.corner is not None and item.kind not in ("corner_inconsistent", "rule_event"):
            by_corner[item.corner] = by_corner.get(item.corner, 0.0) + (item.numbers.get("time_lost_s") or 0.0)
    worst = sorted(by_corner.items(), key=lambda kv: -kv[1])[:top]
    return [f"{corner}: {lost:.2f} s lost over the session's laps" for corner, lost in worst if lost > 0]
