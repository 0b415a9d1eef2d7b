"""Message pacing: advice once on the approach, rules paced and not repeated, the important first."""

from __future__ import annotations

from simcoach.coaching.events import Event, Severity
from simcoach.coaching.feedback import Finding
from simcoach.coaching.scheduler import ADVICE_STALE_S, MIN_GAP_S, RULE_COOLDOWN_S, STALE_S, Scheduler


def finding(corner: str, kind: str = "late_brake", lap: int = 3, lost: float = 0.3) -> Finding:
    return Finding(lap, corner, kind, "info", f"{corner}: {kind}: lost {lost:.2f} s", lost, {"analysed_lap": lap})


def rule_event(
    t: float, kind: str = "tyre_temp_hot", severity: Severity = "info", priority: int = 50, corner: str | None = None
) -> Event:
    return Event(
        t=t,
        rig="r",
        lap=1,
        lap_dist_m=0.0,
        corner=corner,
        kind=kind,
        severity=severity,
        message=kind,
        priority=priority,
    )


def test_advice_is_given_once_at_its_corner():
    s = Scheduler()
    s.add_advice(4, finding("Pouhon"), t=10.0)
    assert s.take_advice(3, t=100.0) is None  # another corner's approach
    said = s.take_advice(4, t=100.0)
    assert said is not None and said.corner == "Pouhon"
    assert s.take_advice(4, t=101.0) is None


def test_advice_not_given_in_time_goes_stale():
    s = Scheduler()
    s.add_advice(4, finding("Pouhon"), t=10.0)
    assert s.take_advice(4, t=10.0 + ADVICE_STALE_S + 1) is None


def test_three_pieces_of_advice_a_lap_the_costliest():
    s = Scheduler()
    for k, lost in enumerate([0.1, 0.5, 0.2, 0.4]):
        s.add_advice(k, finding(f"T{k}", lost=lost), t=1.0)
    assert s.pending_advice == 3
    assert s.take_advice(0, t=2.0) is None  # the cheapest was dropped
    # One already said counts against the lap too.
    assert s.take_advice(1, t=3.0) is not None
    s.add_advice(9, finding("T9", lost=0.05), t=4.0)
    assert s.take_advice(9, t=5.0) is None


def test_the_same_advice_waits_two_laps_unless_it_got_worse():
    s = Scheduler()
    s.add_advice(0, finding("La Source", lap=3, lost=0.3), t=1.0)
    assert s.take_advice(0, t=2.0) is not None
    s.add_advice(0, finding("La Source", lap=4, lost=0.35), t=3.0)
    assert s.take_advice(0, t=4.0) is None
    s.add_advice(0, finding("La Source", lap=5, lost=0.5), t=5.0)  # worse by half: said
    assert s.take_advice(0, t=6.0) is not None
    s.add_advice(0, finding("La Source", lap=6, kind="early_brake"), t=7.0)  # another mistake: said
    assert s.take_advice(0, t=8.0) is not None
    s.add_advice(0, finding("La Source", lap=8, lost=0.4), t=9.0)  # three laps after: said
    assert s.take_advice(0, t=10.0) is not None


def test_advice_follows_corner_names_when_the_reference_changes():
    s = Scheduler()
    s.add_advice(4, finding("Pouhon"), t=1.0)
    s.add_advice(5, finding("Fagnes", lap=3), t=1.0)
    s.renumber(["La Source", "Pouhon", "Stavelot"])
    assert s.take_advice(1, t=2.0) is not None
    assert s.pending_advice == 0  # Fagnes is not a corner any more


def test_rule_events_are_paced_and_not_repeated():
    s = Scheduler()
    s.offer(rule_event(0.0, "tyre_temp_hot"))
    s.offer(rule_event(0.0, "brake_temp_hot"))
    assert s.due(0.0) is not None
    assert s.due(0.5) is None  # a moment between two messages
    assert s.due(MIN_GAP_S) is not None
    assert s.due(10.0) is None
    s.offer(rule_event(20.0, "tyre_temp_hot"))  # the same again within the cooldown
    assert s.due(25.0) is None
    s.offer(rule_event(RULE_COOLDOWN_S + 1, "tyre_temp_hot"))
    assert s.due(RULE_COOLDOWN_S + 1) is not None


def test_the_most_important_first_critical_does_not_wait_and_old_news_is_dropped():
    s = Scheduler()
    s.offer(rule_event(0.0, "fuel_tight", priority=60))
    s.offer(rule_event(0.0, "tyre_pressure_low", priority=20))
    first = s.due(0.0)
    assert first is not None and first.kind == "tyre_pressure_low"
    s.offer(rule_event(0.1, "brake_temp_critical", severity="critical", priority=5))
    urgent = s.due(0.2)
    assert urgent is not None and urgent.kind == "brake_temp_critical"
    assert s.due(STALE_S + 5) is None  # fuel_tight waited too long: the state has moved on


def test_pedal_rules_give_way_to_corner_feedback_once_there_is_a_reference():
    s = Scheduler()
    s.offer(rule_event(0.0, "coasting", corner="Pouhon"), corners_covered=True)
    s.offer(rule_event(0.0, "throttle_brake_overlap", corner="Pouhon"), corners_covered=True)
    assert s.due(0.0) is None
    s.offer(rule_event(1.0, "coasting", corner="Pouhon"), corners_covered=False)  # no reference yet
    assert s.due(5.0) is not None
    s.offer(rule_event(6.0, "wheelspin", corner="Pouhon"), corners_covered=True)
    assert s.due(10.0) is not None
