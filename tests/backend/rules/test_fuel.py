"""Fuel per clean lap, refuelling, laps of fuel, fuel to add to finish (lap- and time-limited) and the tight warning."""

from __future__ import annotations

import pytest

from simcoach.coaching.rules import FuelRule
from simcoach_agent.telemetry import SessionInfo
from tests.backend.rules.drive import GT3, Drive

LAP_S = 20.0
LENGTH_M = 5000.0


def burn(drive: Drive, litres: float, seconds: float = LAP_S) -> None:
    """One lap burning ``litres`` evenly, from the line to the line."""
    n = round(seconds / drive.dt)
    start = drive.channels["fuel_l"]
    for i in range(n):
        drive.frame(fuel_l=start - litres * i / n, lap_dist_m=LENGTH_M * i / n, track_pos=i / n)
    drive.channels["fuel_l"] = start - litres
    drive.channels["lap"] += 1


def fuel_drive(fuel: float = 60.0, session: SessionInfo | None = None) -> tuple[Drive, FuelRule]:
    rule = FuelRule(GT3)
    drive = Drive(rule, hz=20.0, session=session, fuel_l=fuel, lap=1, lap_dist_m=0.0)
    drive.hold(0.5, lap_dist_m=0.0)  # the car just crossed the line
    return drive, rule


def race(laps: int | None = None) -> SessionInfo:
    return SessionInfo(game="demo", track_length_m=LENGTH_M, session_laps=laps, session_type="race")


def test_per_lap_is_the_average_of_the_last_clean_laps() -> None:
    drive, rule = fuel_drive()
    assert rule.live() == {"fuel_per_lap_l": None, "laps_of_fuel": None, "fuel_to_finish_l": None}
    drive.ctx.phase = "out_lap"
    burn(drive, 1.5)  # out-lap: not counted
    drive.ctx.phase = "flying"
    for used in (3.0, 3.2, 2.8):
        burn(drive, used)
    drive.hold(0.5)
    assert rule.fuel_per_lap_l == pytest.approx(3.0)
    live = rule.live()
    assert live["fuel_per_lap_l"] == pytest.approx(3.0)
    assert live["laps_of_fuel"] == pytest.approx(drive.channels["fuel_l"] / 3.0, abs=0.01)
    assert live["fuel_to_finish_l"] is None  # practice: no finish
    drive.ctx.phase = "in_lap"
    burn(drive, 1.0)  # in-lap: not counted either
    drive.hold(0.5)
    assert rule.fuel_per_lap_l == pytest.approx(3.0)


def test_the_average_keeps_the_last_five_laps() -> None:
    drive, rule = fuel_drive(100.0)
    for used in (5.0, 3.0, 3.0, 3.0, 3.0, 3.0):
        burn(drive, used)
    drive.hold(0.5)
    assert rule.fuel_per_lap_l == pytest.approx(3.0)


def test_a_lap_with_a_pit_stop_is_not_clean() -> None:
    drive, rule = fuel_drive()
    burn(drive, 3.0)
    drive.hold(5, in_pit=True)
    burn(drive, 0.5)  # rest of that lap
    drive.set(in_pit=False)
    burn(drive, 3.0)
    drive.hold(0.5)
    assert rule.used == pytest.approx([3.0, 3.0])


def test_refuelling_starts_the_average_afresh() -> None:
    drive, rule = fuel_drive(20.0)
    burn(drive, 3.0)
    burn(drive, 3.0)
    drive.hold(0.5)
    assert rule.fuel_per_lap_l == pytest.approx(3.0)
    drive.ctx.phase = "pit"
    drive.hold(2.0, in_pit=True, fuel_l=14.0)
    for litres in range(15, 41):  # refuelled a litre at a time, 0.1 l a frame
        for tenth in range(10):
            drive.frame(fuel_l=litres - 1 + tenth / 10)
    drive.hold(2.0, fuel_l=40.0)
    assert rule.fuel_per_lap_l is None and rule.live()["fuel_per_lap_l"] is None
    drive.ctx.phase = "out_lap"
    drive.set(in_pit=False)
    burn(drive, 2.0)
    drive.ctx.phase = "flying"
    burn(drive, 3.5)
    drive.hold(0.5)
    assert rule.fuel_per_lap_l == pytest.approx(3.5)


def test_fuel_to_finish_from_the_session_laps() -> None:
    drive, rule = fuel_drive(60.0, session=race(laps=10))
    for _ in range(4):
        burn(drive, 3.0)
    # Lap 5 just started: laps 5..10 to go, 6 laps, 18 l; 48 l in the tank.
    drive.hold(0.5, lap_dist_m=0.0)
    assert rule.laps_left == pytest.approx(6.0)
    assert rule.live()["fuel_to_finish_l"] == 0.0
    assert rule.live()["laps_of_fuel"] == pytest.approx(16.0)
    # Half way round lap 5 with 10 l: 5.5 laps, 16.5 l, 6.5 l to add.
    drive.hold(0.5, lap_dist_m=2500.0, fuel_l=10.0)
    assert rule.laps_left == pytest.approx(5.5)
    assert rule.live()["fuel_to_finish_l"] == pytest.approx(6.5)


def test_fuel_to_finish_from_the_time_left() -> None:
    drive, rule = fuel_drive(60.0, session=race())
    for _ in range(3):
        burn(drive, 3.0)
    # Laps take 20 s. 50 s left at the line: this lap, then two more started before the clock stops.
    drive.hold(0.2, lap_dist_m=0.0, session_time_left_s=50.0)
    assert rule.laps_left == pytest.approx(3.0)
    drive.hold(0.2, lap_dist_m=LENGTH_M / 2, session_time_left_s=9.0, fuel_l=1.0)
    assert rule.laps_left == pytest.approx(0.5)  # the clock stops during this lap: finish it
    assert rule.live()["fuel_to_finish_l"] == pytest.approx(0.5)
    drive.hold(0.2, lap_dist_m=LENGTH_M / 2, session_time_left_s=11.0)
    assert rule.laps_left == pytest.approx(1.5)


def test_tight_fuel_warns_once_then_critical_when_short() -> None:
    drive, _ = fuel_drive(40.0, session=race(laps=12))
    for _ in range(3):
        burn(drive, 3.0)  # lap 4 starts with 31 l: 9 laps to go need 27 l, 1.3 laps spare
    drive.hold(10, lap_dist_m=0.0)
    assert drive.kinds() == []
    drive.hold(10, fuel_l=29.0)  # 0.67 laps spare
    assert [(e.kind, e.severity) for e in drive.events] == [("fuel_tight", "warning")]
    e = drive.events[0]
    assert e.message == "Fuel tight: 29.0 l for 9.0 laps at 3.00 l/lap, 0.7 laps spare: save fuel"
    assert e.evidence["spare_laps"] == pytest.approx(0.67, abs=0.01)
    drive.hold(60)
    assert len(drive.events) == 1  # not every tick
    drive.hold(10, fuel_l=26.0)
    assert [(e.kind, e.severity) for e in drive.events][-1] == ("fuel_tight", "critical")
    assert drive.events[-1].message.startswith("Not enough fuel to finish: 1.0 l short")
    assert drive.events[-1].evidence["fuel_to_add_l"] == 1.0


def test_enough_fuel_and_no_finish_are_silent() -> None:
    drive, _ = fuel_drive(100.0, session=race(laps=12))
    for _ in range(11):
        burn(drive, 3.0)
    drive.hold(10)
    practice, _ = fuel_drive(5.0)
    burn(practice, 3.0)
    burn(practice, 1.5)
    practice.hold(10)
    assert drive.kinds() == [] and practice.kinds() == []


def test_no_fuel_warning_in_the_pits() -> None:
    drive, _ = fuel_drive(100.0, session=race(laps=30))
    for _ in range(3):
        burn(drive, 3.0)
    drive.ctx.phase = "pit"
    drive.hold(10, in_pit=True, fuel_l=30.0)  # short of the 81 l needed, but in the pits
    assert drive.kinds() == []
    drive.ctx.phase = "out_lap"
    drive.hold(10, in_pit=False)
    assert drive.kinds() == ["fuel_tight"]
