"""A hand-made evidence packet of a four-lap session at Spa, and answers about it, for the report's tests."""

from __future__ import annotations

from typing import Any

from simcoach.report.evidence import EvidenceItem, EvidencePacket, LapSummary, SessionSummary

LAP_TIMES = {1: 141.872, 2: 139.455, 3: 139.902, 4: 138.311}
LAP_STARTS = {1: 0.0, 2: 141.872, 3: 281.327, 4: 421.229}


def spa_packet() -> EvidencePacket:
    laps = [LapSummary(lap=lap, time_s=time_s, session_time_s=LAP_STARTS[lap]) for lap, time_s in LAP_TIMES.items()]
    items = [
        EvidenceItem(
            id=f"lap:{lap}",
            kind="lap",
            lap=lap,
            session_time_s=LAP_STARTS[lap],
            summary=f"Lap {lap}",
            numbers={"lap_time_s": time_s, "gap_to_best_s": round(time_s - LAP_TIMES[4], 3)},
        )
        for lap, time_s in LAP_TIMES.items()
    ]
    items += [
        EvidenceItem(
            id="corner:La Source:lap2",
            kind="corner_time_lost",
            lap=2,
            corner="La Source",
            lap_dist_m=310.0,
            session_time_s=163.4,
            summary="Braked later than on the best lap and ran wide at the exit",
            numbers={
                "time_lost_s": 0.42,
                "brake_m": 112.0,
                "ref_brake_m": 100.0,
                "brake_later_m": 12.0,
                "min_speed_kmh": 78.5,
                "ref_min_speed_kmh": 84.1,
            },
            rank=1,
        ),
        EvidenceItem(
            id="corner:Pouhon:lap3",
            kind="corner_time_lost",
            lap=3,
            corner="Pouhon",
            lap_dist_m=3480.0,
            session_time_s=352.9,
            summary="Neither throttle nor brake for a while before the turn-in",
            numbers={"time_lost_s": 0.61, "coast_s": 0.8, "min_speed_kmh": 152.3, "ref_min_speed_kmh": 161.0},
            rank=2,
        ),
        EvidenceItem(
            id="event:17",
            kind="rule_event",
            lap=3,
            corner="Pouhon",
            lap_dist_m=3455.0,
            session_time_s=352.4,
            summary="Coasting warning",
            numbers={"coast_s": 0.8},
        ),
        EvidenceItem(
            id="consistency:Bus Stop",
            kind="corner_inconsistent",
            corner="Bus Stop",
            lap_dist_m=6790.0,
            summary="Time through the corner varied from lap to lap",
            numbers={"spread_s": 0.35, "laps_count": 4},
            rank=3,
        ),
    ]
    return EvidencePacket(
        session=SessionSummary(
            id="20261202-demo-1",
            game="demo",
            track="Spa-Francorchamps",
            car="Porsche 911 GT3 R",
            driver="Sam",
            laps=4,
            best_lap=4,
            best_lap_s=138.311,
            duration_s=559.54,
        ),
        laps=laps,
        items=items,
        ranked=["corner:La Source:lap2", "corner:Pouhon:lap3", "consistency:Bus Stop"],
    )


def observation(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lap": 2,
        "corner": "La Source",
        "session_time_s": 163.4,
        "what_happened": "You braked 12 m later than on your best lap (112 m against 100 m) and lost 0.42 s.",
        "what_to_try": "Brake at the 100 m board and aim for 84 km/h at the apex.",
        "evidence_ids": ["corner:La Source:lap2"],
    }
    base.update(fields)
    return base


POUHON = {
    "lap": 3,
    "corner": "Pouhon",
    "session_time_s": 352.9,
    "what_happened": "You coasted for 0.8 s before turning in and lost 0.6 s.",
    "what_to_try": "Stay on the throttle until you turn in; carry 161 km/h through the apex.",
    "evidence_ids": ["corner:Pouhon:lap3", "event:17"],
}


def good_answer() -> dict[str, Any]:
    return {
        "observations": [observation(), dict(POUHON)],
        "priorities": ["Brake at the reference point into La Source", "Keep the throttle on into Pouhon"],
        "uncertainty": ["Only 4 laps: the Bus Stop spread of 0.35 s may be traffic"],
    }
