"""Brake disc window (hot, critical, cold into heavy stops) and fade measured against the driver's usual."""

from __future__ import annotations

from simcoach.coaching.rules import BrakeFadeRule, BrakeTempRule
from tests.backend.rules.drive import GT3, Drive


def discs(fl: float = 400.0, fr: float = 400.0, rl: float = 300.0, rr: float = 300.0) -> tuple[float, ...]:
    return (fl, fr, rl, rr)


def stop(drive: Drive, speed: float = 200.0, **channels: object) -> None:
    """A straight at full throttle, then a heavy stop."""
    drive.hold(3.0, throttle=1.0, brake=0.0, speed_kmh=speed, g_lon=0.2, **channels)
    drive.hold(1.5, throttle=0.0, brake=0.9, g_lon=-1.8)
    drive.hold(0.5, throttle=0.3, brake=0.0, g_lon=0.0)


def test_gt3_iron_disc_window() -> None:
    w = GT3.brake_temp_c
    assert w is not None and w.material == "cast iron"
    assert (w.cold_below, w.optimal, w.hot_above, w.critical_above) == (150.0, (150.0, 700.0), 700.0, 900.0)


def test_over_the_working_maximum_fires_just_outside_not_just_inside() -> None:
    inside = Drive(BrakeTempRule(GT3), brake_temp_c=discs(fr=699.0))
    inside.hold(30)
    assert inside.kinds() == []
    outside = Drive(BrakeTempRule(GT3), brake_temp_c=discs(fr=705.0))
    events = outside.hold(30)
    assert [(e.kind, e.severity) for e in events] == [("brake_temp_hot", "warning")]
    assert events[0].message == "Front right brake over the working maximum: 705 °C (window 150-700 °C)"
    assert events[0].evidence["fr_brake_temp_c"] == 705


def test_a_peak_shorter_than_the_hold_is_silent() -> None:
    drive = Drive(BrakeTempRule(GT3))
    for _ in range(10):
        drive.hold(0.3, brake_temp_c=discs(720.0, 720.0))
        drive.hold(5.0, brake_temp_c=discs(500.0, 500.0))
    assert drive.kinds() == []


def test_hot_hysteresis_and_cooldown() -> None:
    drive = Drive(BrakeTempRule(GT3), hz=20.0, brake_temp_c=discs(fl=710.0))
    drive.hold(2)
    assert drive.kinds() == ["brake_temp_hot"]
    for _ in range(30):  # 5 minutes across the edge, never below 650 (700 - margin 50)
        drive.hold(5, brake_temp_c=discs(fl=660.0))
        drive.hold(5, brake_temp_c=discs(fl=710.0))
    assert drive.kinds() == ["brake_temp_hot"]
    drive.hold(5, brake_temp_c=discs(fl=600.0))
    drive.hold(2, brake_temp_c=discs(fl=710.0))
    assert drive.kinds() == ["brake_temp_hot", "brake_temp_hot"]


def test_critical_is_one_message_not_two() -> None:
    drive = Drive(BrakeTempRule(GT3), brake_temp_c=discs(920.0, 910.0))
    drive.hold(3)
    assert [(e.kind, e.severity) for e in drive.events] == [("brake_temp_critical", "critical")]
    assert drive.events[0].message.startswith("Front brakes critical: FL 920 °C, FR 910 °C (over 900 °C)")


def test_cold_fronts_into_two_heavy_stops_in_a_row() -> None:
    drive = Drive(BrakeTempRule(GT3), brake_temp_c=discs(140.0, 145.0, 90.0, 90.0))
    stop(drive)
    stop(drive)  # the first lap seen is the warm-up lap: brakes come up to temperature
    assert drive.kinds() == []
    drive.set(lap=3)
    drive.ctx.next_corner = "La Source"
    stop(drive)
    assert drive.kinds() == []  # one cold stop can follow a long straight
    stop(drive)
    assert drive.kinds() == ["brake_temp_cold"]
    e = drive.events[0]
    assert e.message.startswith("Front brakes cold into La Source: FL 140 °C, FR 145 °C (window 150-700 °C)")
    assert e.corner == "La Source" and e.evidence["stops"] == 2
    for _ in range(5):
        stop(drive)
    assert drive.kinds() == ["brake_temp_cold"]  # not re-armed


def test_cold_rears_just_inside_fronts_and_slow_stops_are_silent() -> None:
    drive = Drive(BrakeTempRule(GT3), lap=3, brake_temp_c=discs(150.0, 151.0, 90.0, 90.0))
    drive.hold(1)
    drive.set(lap=4)
    for _ in range(4):
        stop(drive)
    drive.set(brake_temp_c=discs(120.0, 120.0))
    for _ in range(4):
        stop(drive, speed=90.0)
    assert drive.kinds() == []


def test_fade_fires_when_hot_discs_give_less_deceleration_for_the_same_pedal() -> None:
    drive = Drive(BrakeFadeRule(GT3), speed_kmh=200.0)
    for _ in range(3):  # the usual: 1.6 g from 80 % pedal with the discs in their window
        drive.hold(2.0, brake=0.0, throttle=1.0, g_lon=0.2, brake_temp_c=discs(500.0, 500.0))
        drive.hold(1.0, brake=0.8, throttle=0.0, g_lon=-1.6)
    drive.hold(2.0, brake=0.0, throttle=1.0, g_lon=0.2, brake_temp_c=discs(760.0, 750.0))
    events = drive.hold(1.0, brake=0.8, throttle=0.0, g_lon=-1.2)
    assert [(e.kind, e.severity) for e in events] == [("brake_fade", "warning")]
    ev = events[0].evidence
    assert (ev["decel_per_pedal_g"], ev["usual_decel_per_pedal_g"], ev["drop_pct"]) == (1.5, 2.0, 25.0)
    assert ev["brake_temp_c"] == 760
    assert "1.50 g per full pedal at 200 km/h, usually 2.00 g (25% less), discs at 760 °C" in events[0].message


def test_hot_discs_that_still_stop_the_car_are_not_fade() -> None:
    drive = Drive(BrakeFadeRule(GT3), speed_kmh=200.0)
    for _ in range(3):
        drive.hold(2.0, brake=0.0, throttle=1.0, g_lon=0.2, brake_temp_c=discs(500.0, 500.0))
        drive.hold(1.0, brake=0.8, throttle=0.0, g_lon=-1.6)
    drive.hold(2.0, brake=0.0, brake_temp_c=discs(760.0, 750.0))
    drive.hold(1.0, brake=0.8, g_lon=-1.5)  # 6 % less: scatter
    # And no verdict without a usual figure for this speed.
    drive.hold(1.0, brake=0.8, g_lon=-0.5, speed_kmh=100.0)
    assert drive.kinds() == []


def test_fade_learns_nothing_from_readings_no_car_could_give() -> None:
    drive = Drive(BrakeFadeRule(GT3), speed_kmh=200.0)
    for _ in range(3):  # the usual: 1.6 g from 80 % pedal, with a kerb or a bad sample in every stop
        drive.hold(2.0, brake=0.0, throttle=1.0, g_lon=0.2, brake_temp_c=discs(500.0, 500.0))
        drive.hold(0.5, brake=0.8, throttle=0.0, g_lon=-1.6)
        drive.hold(0.1, g_lon=-11.9)
        drive.hold(0.4, g_lon=-1.6)
    drive.hold(2.0, brake=0.0, throttle=1.0, g_lon=0.2, brake_temp_c=discs(760.0, 750.0))
    # Hot discs that still stop the car as usual: with the spikes learnt, the usual would read far higher.
    drive.hold(1.0, brake=0.8, throttle=0.0, g_lon=-1.55)
    assert drive.kinds() == []
    # A spike while the discs are hot is not fade either way, and real fade is still seen.
    drive.hold(0.2, g_lon=-11.9)
    events = drive.hold(1.0, brake=0.8, g_lon=-1.2)
    assert [e.kind for e in events] == ["brake_fade"]
    assert events[0].evidence["usual_decel_per_pedal_g"] == 2.0
