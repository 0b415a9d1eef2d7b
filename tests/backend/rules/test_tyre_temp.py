"""Tyre core temperature window: edges, hold, hysteresis, cooldown, phases and wheels told together."""

from __future__ import annotations

from simcoach.coaching.rules import TyreTempRule
from tests.backend.rules.drive import GT3, Drive

HOT = GT3.p("tyre_temp_hold_s")
COOLDOWN = GT3.p("tyre_temp_cooldown_s")


def temps(fl: float = 80.0, fr: float = 80.0, rl: float = 80.0, rr: float = 80.0) -> tuple[float, ...]:
    return (fl, fr, rl, rr)


def test_gt3_window_is_70_to_90_with_critical_over_100() -> None:
    window = GT3.tyre_temp("dry")
    assert window is not None
    edges = (window.cold_below, window.optimal, window.hot_above, window.critical_above)
    assert edges == (70.0, (70.0, 90.0), 90.0, 100.0)


def test_just_inside_the_hot_edge_is_silent_and_just_outside_fires_once_naming_the_wheel() -> None:
    inside = Drive(TyreTempRule(GT3), tyre_temp_c=temps(fl=89.9))
    assert inside.hold(300) == []

    outside = Drive(TyreTempRule(GT3), tyre_temp_c=temps(fl=90.5))
    events = outside.hold(300)
    assert [e.kind for e in events] == ["tyre_temp_hot"]
    e = events[0]
    assert e.message.startswith("Front left tyre hot: 90.5 °C (window 70-90 °C)")
    assert e.severity == "warning"
    assert e.evidence["fl_temp_c"] == 90.5 and e.evidence["window_hi_c"] == 90.0
    assert "fr_temp_c" not in e.evidence


def test_hot_must_hold_for_the_hold_time() -> None:
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(rr=95.0))
    assert drive.hold(HOT - 1.0) == []
    assert drive.kinds() == []
    drive.hold(2.0)
    assert drive.kinds() == ["tyre_temp_hot"]


def test_a_spike_above_the_edge_is_averaged_away() -> None:
    # Core temperatures swing with corners: 5 s at 96 °C inside a lap at 86 °C stays under 90 on average.
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(rl=86.0))
    drive.hold(60)
    for _ in range(5):
        drive.hold(5, tyre_temp_c=temps(rl=96.0))
        drive.hold(25, tyre_temp_c=temps(rl=86.0))
    assert drive.kinds() == []


def test_hovering_at_the_edge_fires_once_and_re_arms_only_after_clearing_by_the_margin() -> None:
    margin = GT3.tyre_temp("dry").margin  # type: ignore[union-attr]
    rule = TyreTempRule(GT3)
    drive = Drive(rule, hz=20.0, tyre_temp_c=temps(fr=92.0))
    drive.hold(20)
    assert drive.kinds() == ["tyre_temp_hot"]
    # Back and forth across the edge for 40 minutes, far past the cooldown, never clearing by the margin.
    seen = []
    for _ in range(20):
        drive.hold(60, tyre_temp_c=temps(fr=90.0 - margin + 0.5))
        seen.append(rule.avg[1])  # type: ignore[index]
        drive.hold(60, tyre_temp_c=temps(fr=92.0))
        seen.append(rule.avg[1])  # type: ignore[index]
    assert min(seen) > 90.0 - margin and max(seen) > 91.0  # the averaged value did cross the edge each time
    assert drive.kinds() == ["tyre_temp_hot"]
    # Clear by the margin, then hot again: a second warning.
    drive.hold(150, tyre_temp_c=temps(fr=90.0 - margin - 1.0))
    drive.hold(120, tyre_temp_c=temps(fr=92.0))
    assert drive.kinds() == ["tyre_temp_hot", "tyre_temp_hot"]


def test_cooldown_holds_back_a_re_armed_warning() -> None:
    drive = Drive(TyreTempRule(GT3), hz=20.0, tyre_temp_c=temps(fl=95.0))
    drive.hold(12)
    assert drive.kinds() == ["tyre_temp_hot"]
    drive.hold(30, tyre_temp_c=temps(fl=70.0))  # well back inside: re-armed
    drive.hold(30, tyre_temp_c=temps(fl=95.0))  # hot again, ~72 s after the first warning
    assert drive.kinds() == ["tyre_temp_hot"]
    drive.hold(COOLDOWN)
    assert drive.kinds() == ["tyre_temp_hot", "tyre_temp_hot"]


def test_wheels_crossing_together_are_one_message() -> None:
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(rl=93.0, rr=92.0))
    events = drive.hold(30)
    assert len(events) == 1
    assert events[0].message.startswith("Rear tyres hot: RL 93 °C, RR 92 °C (window 70-90 °C)")
    assert {"rl_temp_c", "rr_temp_c"} <= set(events[0].evidence)


def test_critical_reacts_on_the_raw_reading() -> None:
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(fl=85.0))
    drive.hold(60)
    events = drive.hold(3.5, tyre_temp_c=temps(fl=101.0))
    assert [(e.kind, e.severity) for e in events] == [("tyre_temp_critical", "critical")]
    assert "Front left tyre overheating: 101 °C" in events[0].message


def test_cold_waits_for_the_warm_up_lap_and_a_flying_lap() -> None:
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(60.0, 62.0, 64.0, 66.0))
    drive.hold(60)  # the first lap seen: tyres come up to temperature
    assert drive.kinds() == []
    drive.set(lap=3)
    events = drive.hold(15)
    assert [e.kind for e in events] == ["tyre_temp_cold"]
    assert events[0].message.startswith("All tyres cold: FL 60 °C, FR 62 °C, RL 64 °C, RR 66 °C")

    out_lap = Drive(TyreTempRule(GT3), phase="out_lap", tyre_temp_c=temps(60.0, 60.0, 60.0, 60.0))
    out_lap.hold(30)
    out_lap.set(lap=3)
    out_lap.hold(30)
    assert out_lap.kinds() == []


def test_just_inside_the_cold_edge_is_silent() -> None:
    drive = Drive(TyreTempRule(GT3), tyre_temp_c=temps(70.0, 70.1, 75.0, 80.0))
    drive.hold(20)
    drive.set(lap=3)
    drive.hold(60)
    assert drive.kinds() == []
    drive.hold(20, tyre_temp_c=temps(69.5, 70.1, 75.0, 80.0))
    assert drive.kinds() == ["tyre_temp_cold"]


def test_no_tyre_warnings_in_the_pit_lane() -> None:
    rule = TyreTempRule(GT3)
    assert "pit" not in rule.phases
    drive = Drive(rule, phase="pit", tyre_temp_c=temps(120.0, 120.0, 40.0, 40.0))
    drive.hold(60)
    assert drive.kinds() == []
    # Even when called in the pits regardless, it stays quiet.
    for _ in range(300):
        drive.t += 0.2
        assert rule.evaluate(drive.prev, drive.prev, drive.ctx) == []  # type: ignore[arg-type]


def test_wet_compound_has_no_temperature_window_so_no_warnings() -> None:
    drive = Drive(TyreTempRule(GT3, compound="wet"), tyre_temp_c=temps(55.0, 55.0, 55.0, 55.0))
    drive.hold(20)
    drive.set(lap=3)
    drive.hold(60)
    assert drive.kinds() == []


def test_reset_forgets_a_fired_warning() -> None:
    rule = TyreTempRule(GT3)
    drive = Drive(rule, tyre_temp_c=temps(fl=95.0))
    drive.hold(15)
    rule.reset()
    drive.hold(15)
    assert drive.kinds() == ["tyre_temp_hot", "tyre_temp_hot"]
