"""The evidence packet of a stored session, and the deterministic ranking of what is worth reviewing.

Everything here is measured by the code before any model is asked: the
session analysis (every corner of every lap against the reference, judged by
the live coach's rules), the coaching events, and tyres, brakes and fuel from
the frames. Each fact becomes an item with a stable id:

- ``lap:N``                  a lap's time, sectors and delta to the session's best;
- ``corner:NAME:lapN``       a corner of a lap that lost time (``kind`` is what the coach's rules call the
                             mistake: ``late_brake``, ``coasting``... or ``corner_time_lost`` when no rule names it);
- ``consistency:NAME``       a corner's spread across the clean laps;
- ``events:KIND[:CORNER]``   coaching events of one kind (at one corner), with how often they came;
- ``tyres``, ``brakes``, ``fuel``  the session's summaries.

The ranking (``ranked``) orders the moments by the time at stake, so the
report reads the same with or without a model:

- a corner of a lap: the time it lost (at least ``MIN_LOSS_S``);
- a corner's inconsistency: its spread of time lost across clean laps (at least ``MIN_SPREAD_S``);
- a repeated event: ``EVENT_WEIGHT_S`` for each time it came (at least twice).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any, Final

from simcoach.analysis.condition import LapCondition
from simcoach.analysis.session import CornerLap, CornerTable, LapRow, SessionAnalysis
from simcoach.report.evidence import EvidenceItem, EvidencePacket, LapSummary, SessionSummary
from simcoach_agent.telemetry import WHEELS

MIN_LOSS_S: Final = 0.1  # a corner of a lap losing less is not a moment worth reviewing
MIN_SPREAD_S: Final = 0.1
EVENT_WEIGHT_S: Final = 0.05
MAX_RANKED: Final = 10
# Kinds of coaching event already told by the corner items (the engine's corner advice).
CORNER_KINDS: Final = frozenset(
    {"late_brake", "early_brake", "coasting", "overlap", "early_throttle", "low_min_speed", "late_throttle"}
)


def _put(numbers: dict[str, float], name: str, value: float | None, digits: int) -> None:
    if value is not None:
        numbers[name] = round(float(value), digits)


def _lap_start(lap: LapRow) -> float:
    return lap.t_end - lap.time_s


def _session_time(analysis: SessionAnalysis, lap: LapRow, dist_m: float) -> float | None:
    """Seconds since the session began when the car was at ``dist_m`` on ``lap``."""
    if lap.trace is None:
        return None
    return round(_lap_start(lap) + lap.trace.time_at(dist_m) - analysis.session.started, 1)


def _lap_item(analysis: SessionAnalysis, lap: LapRow, best: LapRow | None) -> EvidenceItem:
    numbers: dict[str, float] = {"time_s": round(lap.time_s, 3)}
    if best is not None:
        _put(numbers, "delta_to_best_s", lap.time_s - best.time_s, 3)
    if analysis.reference is not None:
        _put(numbers, "delta_to_reference_s", lap.time_s - analysis.reference.time_s, 3)
    for i, s in enumerate(lap.sectors, start=1):
        _put(numbers, f"sector_{i}_s", s, 3)
    _put(numbers, "fuel_used_l", lap.fuel_used_l, 2)
    state = (
        "clean"
        if lap.clean
        else ", ".join(
            w
            for w, on in (
                ("invalid", not lap.valid),
                ("incomplete", not lap.complete),
                ("out lap", lap.out_lap),
                ("in lap", lap.in_lap),
            )
            if on
        )
    )
    words = f"Lap {lap.lap}: {_clock(lap.time_s)} ({state})"
    if best is not None and lap.id != best.id:
        words += f", {lap.time_s - best.time_s:+.3f} s to the session's best"
    elif best is not None:
        words += ", the session's best"
    return EvidenceItem(
        id=f"lap:{lap.lap}",
        kind="lap",
        lap=lap.lap,
        lap_dist_m=0.0,
        session_time_s=round(_lap_start(lap) - analysis.session.started, 1),
        summary=words,
        numbers=numbers,
    )


def _corner_numbers(table: CornerTable, c: CornerLap) -> dict[str, float]:
    m, ref = c.metrics, table.reference
    n: dict[str, float] = {"time_lost_s": round(c.time_lost_s, 3)}
    _put(n, "brake_m", m.brake_m, 0)
    _put(n, "min_speed_kmh", m.min_speed_kmh, 1)
    _put(n, "exit_speed_kmh", m.exit_speed_kmh, 1)
    _put(n, "pickup_m", m.pickup_m, 0)
    _put(n, "coasting_s", m.coasting_s, 2)
    if ref is not None:
        _put(n, "ref_brake_m", ref.brake_m, 0)
        _put(n, "ref_min_speed_kmh", ref.min_speed_kmh, 1)
        _put(n, "ref_exit_speed_kmh", ref.exit_speed_kmh, 1)
        _put(n, "ref_pickup_m", ref.pickup_m, 0)
        _put(n, "ref_coasting_s", ref.coasting_s, 2)
        if m.brake_m is not None and ref.brake_m is not None:
            n["brake_later_m"] = round(m.brake_m - ref.brake_m, 0)
        n["min_speed_delta_kmh"] = round(m.min_speed_kmh - ref.min_speed_kmh, 1)
        n["exit_speed_delta_kmh"] = round(m.exit_speed_kmh - ref.exit_speed_kmh, 1)
        if m.pickup_m is not None and ref.pickup_m is not None:
            n["pickup_later_m"] = round(m.pickup_m - ref.pickup_m, 0)
    return n


def _corner_item(analysis: SessionAnalysis, table: CornerTable, c: CornerLap) -> EvidenceItem:
    lap = analysis.lap(c.lap_id)
    assert lap is not None
    where = c.metrics.brake_m if c.metrics.brake_m is not None else table.entry_m
    finding = c.finding
    words = f"{table.name}, lap {c.lap}: {c.time_lost_s:.2f} s lost to the reference"
    if finding is not None:
        words += f"; the coach's rules: {finding.message}"
    return EvidenceItem(
        id=f"corner:{table.name}:lap{c.lap}",
        kind=finding.kind if finding is not None else "corner_time_lost",
        lap=c.lap,
        corner=table.name,
        lap_dist_m=round(where, 0),
        session_time_s=_session_time(analysis, lap, where),
        summary=words,
        numbers=_corner_numbers(table, c),
    )


def _consistency_item(table: CornerTable) -> EvidenceItem | None:
    lost = table.values("time_lost_s")
    spread = table.spread("time_lost_s")
    if spread is None:
        return None
    n: dict[str, float] = {"laps": float(len(lost)), "time_lost_spread_s": round(spread, 3)}
    _put(n, "mean_time_lost_s", statistics.fmean(lost), 3)
    _put(n, "worst_time_lost_s", max(lost), 3)
    _put(n, "best_time_lost_s", min(lost), 3)
    _put(n, "brake_spread_m", table.spread("brake_m"), 1)
    _put(n, "min_speed_spread_kmh", table.spread("min_speed_kmh"), 1)
    _put(n, "exit_speed_spread_kmh", table.spread("exit_speed_kmh"), 1)
    return EvidenceItem(
        id=f"consistency:{table.name}",
        kind="corner_inconsistent",
        corner=table.name,
        lap_dist_m=round(table.from_m, 0),
        summary=(
            f"{table.name} over {len(lost)} clean laps: time lost to the reference varies by "
            f"{spread:.2f} s (standard deviation), from {min(lost):.2f} to {max(lost):.2f} s"
        ),
        numbers=n,
    )


def _event_items(analysis: SessionAnalysis) -> list[EvidenceItem]:
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for e in analysis.events:
        kind = str(e.get("kind") or "event")
        groups[(kind, e.get("corner"))].append(e)
    out: list[EvidenceItem] = []
    for (kind, corner), events in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "")):
        first = events[0]
        laps = sorted({int(e["lap"]) for e in events if e.get("lap") is not None})
        n: dict[str, float] = {"count": float(len(events))}
        for k, v in (first.get("evidence") or {}).items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                n[f"first_{k}"] = float(v)
        t = first.get("t")
        out.append(
            EvidenceItem(
                id=f"events:{kind}" + (f":{corner}" if corner else ""),
                kind="rule_event",
                lap=laps[0] if len(laps) == 1 else None,
                corner=corner,
                lap_dist_m=first.get("lap_dist_m"),
                session_time_s=None if t is None else round(float(t) - analysis.session.started, 1),
                summary=(
                    f"The coach said '{kind}' {len(events)} time(s)"
                    + (f" at {corner}" if corner else "")
                    + (f" on laps {', '.join(map(str, laps))}" if laps else "")
                    + f"; first: {first.get('message', '')}"
                ),
                numbers=n,
            )
        )
    return out


def _wheel_numbers(numbers: dict[str, float], name: str, values: Any, digits: int) -> None:
    if values is None:
        return
    for w, v in zip(WHEELS, values, strict=True):
        numbers[f"{name}_{w.lower()}"] = round(float(v), digits)


def _condition_items(conditions: list[LapCondition], analysis: SessionAnalysis) -> list[EvidenceItem]:
    laps = {lap.lap: lap for lap in analysis.laps if lap.complete}
    done = [c for c in conditions if c.lap in laps]
    out: list[EvidenceItem] = []
    temps = [c for c in done if c.tyre_temp_max_c is not None]
    if temps:
        n: dict[str, float] = {}
        _wheel_numbers(n, "tyre_temp_max_c", [max(c.tyre_temp_max_c[i] for c in temps) for i in range(4)], 1)  # type: ignore[index]
        _wheel_numbers(n, "tyre_temp_mean_last_lap_c", temps[-1].tyre_temp_mean_c, 1)
        _wheel_numbers(n, "tyre_pressure_mean_last_lap_psi", temps[-1].tyre_pressure_mean_psi, 2)
        _wheel_numbers(n, "tyre_wear_end", temps[-1].tyre_wear_end, 4)
        hottest = max(range(4), key=lambda i: n[f"tyre_temp_max_c_{WHEELS[i].lower()}"])
        out.append(
            EvidenceItem(
                id="tyres",
                kind="tyres",
                summary=(
                    f"Tyres over {len(temps)} laps: hottest {WHEELS[hottest]} at "
                    f"{n[f'tyre_temp_max_c_{WHEELS[hottest].lower()}']:.1f} °C"
                ),
                numbers=n,
            )
        )
    brakes = [c for c in done if c.brake_temp_max_c is not None]
    if brakes:
        n = {}
        _wheel_numbers(n, "brake_temp_max_c", [max(c.brake_temp_max_c[i] for c in brakes) for i in range(4)], 0)  # type: ignore[index]
        out.append(
            EvidenceItem(
                id="brakes",
                kind="brakes",
                summary=f"Brakes over {len(brakes)} laps: peak {max(n.values()):.0f} °C",
                numbers=n,
            )
        )
    used = [lap.fuel_used_l for lap in analysis.laps if lap.clean and lap.fuel_used_l is not None]
    if used:
        n = {"fuel_per_lap_l": round(statistics.fmean(used), 2), "laps": float(len(used))}
        last = next((c.fuel_end_l for c in reversed(conditions) if c.fuel_end_l is not None), None)
        _put(n, "fuel_left_l", last, 1)
        out.append(
            EvidenceItem(
                id="fuel",
                kind="fuel",
                summary=f"Fuel: {n['fuel_per_lap_l']:.2f} l a lap over {len(used)} clean laps",
                numbers=n,
            )
        )
    return out


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60.0)
    return f"{int(m)}:{s:06.3f}"


def build_packet(analysis: SessionAnalysis, conditions: list[LapCondition] | None = None) -> EvidencePacket:
    """Every measured fact of the session as citable items, and the moments ranked (no model involved)."""
    best = analysis.best
    row = analysis.session
    laps = [lap for lap in analysis.laps if lap.lap is not None]
    items: list[EvidenceItem] = [_lap_item(analysis, lap, best) for lap in laps]
    at_stake: dict[str, float] = {}
    ref_id = analysis.reference.lap_id if analysis.reference is not None else None
    for table in analysis.corners:
        for c in table.laps:
            if c.lap is None or c.lap_id == ref_id or c.time_lost_s < MIN_LOSS_S:
                continue
            item = _corner_item(analysis, table, c)
            items.append(item)
            at_stake[item.id] = c.time_lost_s
        spread = _consistency_item(table)
        if spread is not None:
            items.append(spread)
            if spread.numbers["time_lost_spread_s"] >= MIN_SPREAD_S:
                at_stake[spread.id] = spread.numbers["time_lost_spread_s"]
    for item in _event_items(analysis):
        items.append(item)
        count = item.numbers["count"]
        told_by_corner = any(item.id == f"events:{k}:{item.corner}" for k in CORNER_KINDS)
        if count >= 2 and not told_by_corner:
            at_stake[item.id] = EVENT_WEIGHT_S * count
    items += _condition_items(conditions or [], analysis)
    ranked = sorted(at_stake, key=lambda i: (-at_stake[i], i))[:MAX_RANKED]
    rank = {item_id: k for k, item_id in enumerate(ranked, start=1)}
    items = [item.model_copy(update={"rank": rank.get(item.id)}) for item in items]
    info = analysis.info
    return EvidencePacket(
        session=SessionSummary(
            id=row.id,
            game=row.key.game or "unknown",
            track=row.key.track or "unknown",
            car=row.key.car or None,
            driver=row.key.driver or None,
            laps=len(laps),
            best_lap=best.lap if best is not None else None,
            best_lap_s=round(best.time_s, 3) if best is not None else None,
            duration_s=round(row.last_t - row.started, 1) if info is not None or row.last_t else None,
        ),
        laps=[
            LapSummary(
                lap=lap.lap,
                time_s=round(lap.time_s, 3),
                valid=lap.valid,
                session_time_s=round(_lap_start(lap) - row.started, 1),
            )
            for lap in laps
        ],
        items=items,
        ranked=ranked,
    )
