"""A corner judged against the driver's own laps there: a shift beyond the driver's spread counts even where the
clock barely shows it; a driver whose laps vary that much at the corner is not told about it."""

from __future__ import annotations

import dataclasses

from simcoach.coaching.feedback import CornerHistory, CornerMetrics, CornerResult, Finding, judge, usual

BASE = CornerMetrics(
    corner="Pouhon",
    brake_m=3620.0,
    release_m=3690.0,
    min_speed_kmh=182.0,
    min_speed_m=3700.0,
    pickup_m=3760.0,
    exit_speed_kmh=190.0,
    start_speed_kmh=219.0,
    coasting_s=0.0,
    overlap_s=0.0,
    tc_s=0.0,
    lift_s=0.0,
)


def laps(brakes: list[float], pickups: list[float] | None = None) -> list[CornerMetrics]:
    pickups = pickups or [BASE.pickup_m or 0.0] * len(brakes)
    return [dataclasses.replace(BASE, brake_m=b, pickup_m=p) for b, p in zip(brakes, pickups, strict=True)]


def judged(m: CornerMetrics, delta: float, history: list[CornerMetrics]) -> Finding | None:
    return judge(6, m, BASE, delta, entry_m=3656.0, usual=usual(history))


def test_usual_is_the_median_and_one_odd_lap_moves_neither_it_nor_the_spread():
    u = usual(laps([3620.0, 3622.0, 3618.0, 3621.0, 3560.0]))
    assert u is not None
    assert u.brake_m == 3620.0
    assert u.brake_spread_m < 3.0
    assert usual(laps([3620.0, 3622.0])) is None  # too few laps: the reference alone


def test_braking_20_m_early_is_found_against_a_regular_driver_though_the_clock_shows_a_hundredth():
    early = dataclasses.replace(BASE, brake_m=3600.0)
    regular = laps([3620.0, 3622.0, 3618.0, 3621.0])
    finding = judged(early, 0.01, regular)
    assert finding is not None and finding.kind == "early_brake"
    assert "20 m earlier than your best" in finding.message
    assert finding.message.endswith("lost 0.01 s")  # what the clock says, however little
    assert finding.evidence["usual_brake_point_m"] == 3620.5
    # The reference alone needs the clock to show the loss.
    assert judged(early, 0.01, []) is None
    # Nor when the corner clearly gained.
    assert judged(early, -0.1, regular) is None


def test_a_driver_whose_braking_point_varies_that_much_is_not_told():
    early = dataclasses.replace(BASE, brake_m=3600.0)
    assert judged(early, 0.01, laps([3620.0, 3610.0, 3630.0, 3605.0, 3635.0])) is None


def test_a_far_early_pick_up_that_had_to_lift_is_found_whatever_the_clock_says():
    history = laps([3620.0] * 4, [3760.0, 3758.0, 3761.0, 3760.0])
    early = dataclasses.replace(BASE, pickup_m=3680.0, lift_s=0.6)  # before the slowest point, at 3700
    finding = judged(early, -0.08, history)
    assert finding is not None and finding.kind == "early_throttle"
    assert "you had to lift" in finding.message and finding.message.endswith("gained 0.08 s")
    # Within the driver's own variation of the pick-up (13 m): nothing, and nothing without a lift.
    assert judged(dataclasses.replace(early, pickup_m=3747.0), -0.08, history) is None
    assert judged(dataclasses.replace(early, lift_s=0.0), -0.08, history) is None


def test_history_keeps_only_corners_judged_without_a_finding():
    history = CornerHistory()
    clean = CornerResult(BASE, 0.0, 3500.0, 4000.0, True, None)
    said = judged(dataclasses.replace(BASE, brake_m=3560.0), 0.3, [])
    assert said is not None
    history.add(clean)
    history.add(CornerResult(dataclasses.replace(BASE, brake_m=3560.0), 0.3, 3500.0, 4000.0, True, said))
    history.add(CornerResult(BASE, 0.0, 3500.0, 4000.0, False, None))  # paying for the corner before
    history.add(None)
    assert list(history.of("Pouhon")) == [BASE]
    assert history.of("Fagnes") == ()
