"""The demo GT3 at Spa: believable laps, consistent channels, and mistakes that show where they happen."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from functools import cache

import msgspec
import numpy as np
import pytest

from simcoach_agent.games.demo import (
    CORNERS,
    SPA,
    TRACK_LENGTH_M,
    DemoCar,
    Mistake,
    MistakeRecord,
    corner_at,
    parse_mistakes,
)
from simcoach_agent.telemetry.frame import Frame

DT = 1 / 30  # coarser than the agent's 60 Hz to keep the file fast; the model is the same


@cache
def drive(seed: int, spec: str = "", laps: int = 3) -> tuple[DemoCar, tuple[Frame, ...]]:
    """Frames of a whole run of `laps` laps (cached: several tests read the same run)."""
    sim = DemoCar(seed=seed, mistakes=parse_mistakes(spec))
    frames = []
    seq = 0
    while sim.laps_completed < laps:
        sim.step(DT)
        frames.append(sim.frame("rig-1", seq, 1.7e9 + seq * DT))
        seq += 1
    return sim, tuple(frames)


def lap_frames(seed: int, lap: int, spec: str = "") -> list[Frame]:
    return [f for f in drive(seed, spec)[1] if f.lap == lap]


def between(frames: list[Frame], lo: float, hi: float) -> list[Frame]:
    return [f for f in frames if lo <= f.lap_dist_m <= hi]


def min_speed(frames: list[Frame], corner: str) -> float:
    c = SPA.find_corner(corner)
    return min(f.speed_kmh for f in between(frames, c.entry_m, c.exit_m))


def brake_point(frames: list[Frame], corner: str) -> float:
    """Where the brake first passes 50 % in the 400 m before the corner's apex."""
    c = SPA.find_corner(corner)
    return next(f.lap_dist_m for f in between(frames, c.apex_m - 400, c.apex_m) if f.brake > 0.5)


def longest_run(frames: list[Frame], pred: Callable[[Frame], bool]) -> float:
    """Longest stretch (s) of consecutive frames for which pred holds."""
    best = run = 0
    for f in frames:
        run = run + 1 if pred(f) else 0
        best = max(best, run)
    return best * DT


# --- lap times and speeds ----------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_laps_take_a_gt3_two_minutes_seventeen_to_twenty_two(seed):
    sim, _ = drive(seed)
    assert len(sim.lap_times) == 3
    for lap_time in sim.lap_times:
        assert 137.0 <= lap_time <= 142.0
    # A human, not a robot: laps differ by tenths, not by nothing and not by seconds.
    assert 0.1 < max(sim.lap_times) - min(sim.lap_times) < 2.0


def test_frames_report_the_lap_times_the_simulation_counted():
    sim, frames = drive(1)
    first_of_lap2 = next(f for f in frames if f.lap == 2)
    assert first_of_lap2.last_lap_s == sim.lap_times[0]
    assert frames[-1].lap == 4  # the run stops on the first frame after the third lap
    assert (frames[-1].last_lap_s, frames[-1].best_lap_s) == (sim.lap_times[-1], min(sim.lap_times))
    assert all(f.last_lap_s is None and f.best_lap_s is None for f in frames if f.lap == 1)
    # The lap clock restarts at the line.
    assert first_of_lap2.lap_time_s < 0.1


def test_corner_speeds_are_ordered_as_at_spa():
    lap = lap_frames(1, 3)
    slow = {name: min_speed(lap, name) for name in ("La Source", "Bus Stop")}
    for name, speed in slow.items():
        assert speed < 90, name
        for faster in ("Les Combes", "Malmedy", "Bruxelles", "Pouhon", "Fagnes", "Stavelot"):
            assert speed < min_speed(lap, faster) - 15, (name, faster)
    assert slow["La Source"] > 60 and slow["Bus Stop"] > 60
    assert min_speed(lap, "Rivage") < min_speed(lap, "Les Combes") < min_speed(lap, "Pouhon")
    assert min_speed(lap, "Pouhon") > 170
    assert min_speed(lap, "Eau Rouge") > 230 and min_speed(lap, "Raidillon") > 230
    assert min_speed(lap, "Blanchimont") > 240


def test_top_speed_comes_at_the_end_of_a_long_straight():
    lap = lap_frames(1, 3)
    top = max(lap, key=lambda f: f.speed_kmh)
    assert 255 <= top.speed_kmh <= 290
    kemmel_end = max(f.speed_kmh for f in between(lap, 1800, 2250))
    bus_stop_approach = max(f.speed_kmh for f in between(lap, 6200, 6600))
    assert top.speed_kmh == max(kemmel_end, bus_stop_approach)


# --- inputs consistent with the speed trace ---------------------------------


@pytest.mark.parametrize("corner", ["La Source", "Les Combes", "Bus Stop"])
def test_the_driver_brakes_hard_in_the_150_m_before_a_slow_corner(corner):
    c = SPA.find_corner(corner)
    approach = between(lap_frames(1, 3), c.entry_m - 150, c.entry_m)
    assert max(f.brake for f in approach) > 0.5


@pytest.mark.parametrize("corner", [c.name for c in CORNERS if c.flat_out])
def test_flat_out_corners_have_no_braking(corner):
    c = SPA.find_corner(corner)
    # Blanchimont follows a long straight: nothing before it either. Others may
    # follow another corner's braking zone, so only the corner itself counts.
    lo = c.entry_m - 150 if corner == "Blanchimont" else c.entry_m
    assert max(f.brake for f in between(lap_frames(1, 3), lo, c.exit_m)) < 0.1


def test_pedals_follow_the_acceleration():
    lap = lap_frames(2, 3)
    hard_braking = [f for f in lap if f.g_lon < -1.0]
    accelerating = [f for f in lap if f.g_lon > 0.5]
    assert hard_braking and accelerating
    assert all(f.brake > 0.4 and f.throttle == 0.0 for f in hard_braking)
    assert all(f.throttle > 0.5 and f.brake == 0.0 for f in accelerating)
    # A clean lap has neither pedal overlap nor long coasting.
    assert not [f for f in lap if f.brake > 0.1 and f.throttle > 0.1]
    assert longest_run(lap, lambda f: f.brake < 0.05 and f.throttle < 0.05) < 0.3
    assert all(f.clutch == 0.0 for f in lap)


def test_mid_corner_is_partial_throttle_and_exits_are_full_throttle():
    lap = lap_frames(1, 3)
    pouhon = SPA.find_corner("Pouhon")
    mid = between(lap, pouhon.apex_m - 50, pouhon.apex_m + 50)
    assert all(0.05 < f.throttle < 0.6 and f.brake == 0.0 for f in mid)
    exit_ = between(lap, 350, 500)  # down from La Source towards Eau Rouge
    assert all(f.throttle > 0.9 for f in exit_)


def test_gears_and_revs_match_the_speed():
    lap = lap_frames(1, 3)
    assert {f.gear for f in lap} == {1, 2, 3, 4, 5, 6}
    assert 6800 < max(f.rpm for f in lap) <= 7500
    assert all(f.max_rpm == 7500 for f in lap)
    # In one gear, revs are proportional to speed.
    for gear in (2, 4, 6):
        ratios = [f.rpm / f.speed_kmh for f in lap if f.gear == gear and f.rpm > 2000]
        assert max(ratios) - min(ratios) < 0.01 * max(ratios)
    # Higher gears for higher speeds.
    mean_speed = [np.mean([f.speed_kmh for f in lap if f.gear == g]) for g in range(1, 7)]
    assert mean_speed == sorted(mean_speed)


def test_g_forces_and_steering_point_the_right_way():
    lap = lap_frames(1, 3)
    la_source = between(lap, 250, 290)  # a right-hand hairpin
    assert all(f.steering > 0.15 and f.g_lat > 1.0 for f in la_source)
    pouhon = SPA.find_corner("Pouhon")  # a long, fast left
    mid = between(lap, pouhon.apex_m - 50, pouhon.apex_m + 50)
    assert all(f.steering < -0.05 and f.g_lat < -1.5 for f in mid)
    assert max(abs(f.g_lat) for f in lap) < 3.0
    # Braking into La Source, and the compression at the bottom of Eau Rouge.
    assert min(f.g_lon for f in between(lap, 100, 250)) < -1.5
    assert max(f.g_vert for f in between(lap, 880, 980)) > 1.5
    assert 0.9 < np.mean([f.g_vert for f in lap]) < 1.1


def test_speed_integrates_to_the_distance_travelled():
    lap = lap_frames(3, 2)
    for a, b in itertools.pairwise(lap):
        moved = b.lap_dist_m - a.lap_dist_m
        assert moved == pytest.approx((a.speed_kmh + b.speed_kmh) / 2 / 3.6 * DT, rel=0.05, abs=0.05)


def test_lap_distance_position_and_track_position_agree():
    line = SPA.outline()
    for f in lap_frames(1, 2)[::50]:
        assert 0 <= f.lap_dist_m < TRACK_LENGTH_M
        assert f.track_pos == pytest.approx(f.lap_dist_m / TRACK_LENGTH_M)
        i = int(f.lap_dist_m)
        assert math.hypot(f.pos_x - line.x[i], f.pos_y - line.y[i]) < 1.5
        assert f.pos_z == pytest.approx(line.z[i], abs=0.5)
        assert (f.lap_valid, f.in_pit, f.position) == (True, False, 1)


# --- fuel, tyres, brakes, fluids --------------------------------------------


def test_fuel_burns_about_three_litres_a_lap():
    _, frames = drive(1)
    assert frames[0].fuel_capacity_l == 120
    assert 99 < frames[0].fuel_l <= 100
    for lap in (1, 2, 3):
        fuel = [f.fuel_l for f in frames if f.lap == lap]
        assert 2.8 <= fuel[0] - fuel[-1] <= 3.2
        assert all(a >= b for a, b in itertools.pairwise(fuel))


def test_tyres_start_cold_come_up_to_temperature_and_pressures_follow():
    _, frames = drive(1)
    first, lap3 = frames[0], lap_frames(1, 3)
    assert all(t < 60 for t in first.tyre_temp_c)
    for f in lap3:
        assert all(65 <= t <= 100 for t in f.tyre_temp_c)
    hot = lap3[-1]
    assert all(21.5 < p < 24.5 for p in first.tyre_pressure_psi)
    assert all(26.0 <= p <= 27.8 for p in hot.tyre_pressure_psi)
    # Pressure follows temperature, tyre by tyre.
    for w in range(4):
        pairs = sorted((f.tyre_temp_c[w], f.tyre_pressure_psi[w]) for f in frames[::100])
        pressures = [p for _, p in pairs]
        assert pressures == sorted(pressures)
    # Tread temperatures spread across the tyre, around the core temperature.
    assert hot.tyre_temp_inner_c and hot.tyre_temp_middle_c and hot.tyre_temp_outer_c
    for w in range(4):
        assert abs(hot.tyre_temp_middle_c[w] - hot.tyre_temp_c[w]) < 15


def test_tyres_wear_a_fraction_of_a_percent_a_lap():
    _, frames = drive(1)
    ends = {lap: [f for f in frames if f.lap == lap][-1] for lap in (1, 2, 3)}
    assert frames[0].tyre_wear == pytest.approx((0, 0, 0, 0), abs=1e-4)
    for w in range(4):
        per_lap = ends[3].tyre_wear[w] - ends[2].tyre_wear[w]
        assert 0.003 <= per_lap <= 0.008


def test_brakes_heat_in_braking_zones_and_cool_on_the_kemmel():
    lap = lap_frames(1, 3)
    peak = max(max(f.brake_temp_c[:2]) for f in lap)
    assert 400 <= peak <= 800
    after_la_source = between(lap, 300, 320)[0].brake_temp_c[0]
    end_of_kemmel = between(lap, 2080, 2100)[0].brake_temp_c[0]
    assert after_la_source > 450
    assert end_of_kemmel < after_la_source - 150
    assert 150 < end_of_kemmel < 350
    # Front discs work harder than rear ones.
    assert np.mean([f.brake_temp_c[0] for f in lap]) > np.mean([f.brake_temp_c[2] for f in lap])


def test_oil_and_water_settle_from_a_cooler_start():
    _, frames = drive(1)
    assert frames[0].oil_temp_c < 80 and frames[0].water_temp_c < 70
    settled = lap_frames(1, 3)
    assert all(95 <= f.oil_temp_c <= 115 for f in settled)
    assert all(80 <= f.water_temp_c <= 98 for f in settled)


def test_traction_control_and_abs_work_now_and_then():
    _, frames = drive(1)
    share_abs = np.mean([f.abs_active for f in frames])
    share_tc = np.mean([f.tc_active for f in frames])
    assert 0 < share_abs < 0.1 and 0 < share_tc < 0.1
    assert all(f.wheel_slip is not None and all(0 <= s < 0.5 for s in f.wheel_slip) for f in frames[::25])


# --- determinism and the frame contract -------------------------------------


def test_same_seed_gives_identical_frames_and_other_seeds_differ():
    def run(seed: int) -> list[bytes]:
        sim = DemoCar(seed=seed, mistakes=parse_mistakes("late_brake@La Source:1"))
        out = []
        for seq in range(900):
            sim.step(1 / 60 if seq % 3 else 1 / 45)
            out.append(msgspec.msgpack.encode(sim.frame("rig-1", seq, 1.7e9 + seq)))
        return out

    assert run(11) == run(11)
    assert run(11) != run(12)
    assert drive(1)[0].lap_times != drive(2)[0].lap_times


def test_every_frame_passes_the_frame_contract():
    _, frames = drive(4, "late_brake@La Source,coasting@Pouhon,overlap@Bus Stop,low_min_speed@Blanchimont")
    decoder = msgspec.msgpack.Decoder(Frame)
    for f in frames:
        assert decoder.decode(msgspec.msgpack.encode(f)) == f
    silent = [name for name, value in msgspec.structs.asdict(frames[-1]).items() if value is None]
    # The demo fills every channel it can; its practice session has no time limit.
    assert silent == ["ride_height_mm", "session_time_left_s"]


def test_session_info_names_the_car_track_and_driver():
    info = DemoCar(seed=1, driver="Ayrton").session_info()
    assert (info.game, info.track, info.track_length_m) == ("demo", "Spa-Francorchamps", 7004.0)
    assert (info.car, info.car_class, info.driver, info.session_type) == (
        "Mercedes-AMG GT3",
        "GT3",
        "Ayrton",
        "practice",
    )


def test_a_step_and_a_frame_cost_well_under_100_microseconds():
    sim = DemoCar(seed=9)
    n = 3000
    start = time.perf_counter()
    for seq in range(n):
        sim.step(1 / 60)
        sim.frame("rig-1", seq, 1.7e9)
    # Far below the budget on any machine; a generous bound keeps the test steady on slow CI.
    assert (time.perf_counter() - start) / n < 400e-6


# --- injected mistakes ----------------------------------------------------------


def compare(spec: str, seed: int = 5) -> tuple[list[Frame], list[Frame], DemoCar]:
    """Lap 2 driven clean and with the mistake, same seed; and the simulation that made it."""
    sim, _ = drive(seed, spec)
    return lap_frames(seed, 2), lap_frames(seed, 2, spec), sim


def the_record(sim: DemoCar, kind: str, corner: str) -> MistakeRecord:
    records = [r for r in sim.mistake_log if r.kind == kind and r.corner == corner]
    assert [r.lap for r in records] == [2, 3]  # every lap from the second, none on lap 1
    return records[0]


def test_late_braking_brakes_later_enters_faster_and_runs_wide():
    clean, mistake, sim = compare("late_brake@La Source")
    record = the_record(sim, "late_brake", "La Source")
    assert 15 <= record.magnitude <= 30 and record.unit == "m later"
    assert brake_point(mistake, "La Source") - brake_point(clean, "La Source") > 10
    at = brake_point(mistake, "La Source") + 20

    def speed_at(frames: list[Frame]) -> float:
        return between(frames, at, at + 5)[0].speed_kmh

    assert speed_at(mistake) > speed_at(clean) + 10
    assert min_speed(mistake, "La Source") < min_speed(clean, "La Source") - 3
    assert any(f.abs_active for f in between(mistake, at - 20, at + 40))
    assert record.time_lost_s > 0.05
    assert sim.lap_times[1] > drive(5)[0].lap_times[1]


def test_early_braking_brakes_earlier_and_loses_time():
    clean, mistake, sim = compare("early_brake@Les Combes")
    record = the_record(sim, "early_brake", "Les Combes")
    assert 20 <= record.magnitude <= 40
    assert brake_point(clean, "Les Combes") - brake_point(mistake, "Les Combes") > 15
    assert record.time_lost_s > 0.1
    assert sim.lap_times[1] > drive(5)[0].lap_times[1] + 0.1


def test_coasting_rolls_on_neither_pedal_into_the_corner():
    clean, mistake, sim = compare("coasting@Rivage")
    record = the_record(sim, "coasting", "Rivage")
    assert 0.6 <= record.magnitude <= 1.2 and record.unit == "s"
    c = SPA.find_corner("Rivage")

    def coasting(f: Frame) -> bool:
        return f.brake < 0.05 and f.throttle < 0.05

    assert longest_run(between(clean, c.entry_m - 300, c.exit_m), coasting) < 0.2
    assert longest_run(between(mistake, c.entry_m - 300, c.exit_m), coasting) >= 0.55
    assert min_speed(mistake, "Rivage") < min_speed(clean, "Rivage")


def test_coasting_at_a_flat_out_corner_is_a_lift():
    clean, mistake, sim = compare("coasting@Blanchimont")
    the_record(sim, "coasting", "Blanchimont")
    c = SPA.find_corner("Blanchimont")
    assert longest_run(between(mistake, c.entry_m - 50, c.exit_m), lambda f: f.throttle < 0.05) >= 0.55
    assert min_speed(mistake, "Blanchimont") < min_speed(clean, "Blanchimont") - 3


def test_overlap_keeps_throttle_on_while_braking():
    clean, mistake, sim = compare("overlap@Bus Stop")
    record = the_record(sim, "overlap", "Bus Stop")
    assert 0.3 <= record.magnitude <= 0.8
    c = SPA.find_corner("Bus Stop")

    def both(f: Frame) -> bool:
        return f.brake > 0.1 and f.throttle > 0.1

    assert longest_run(between(clean, c.entry_m - 400, c.exit_m), both) == 0
    assert longest_run(between(mistake, c.entry_m - 400, c.exit_m), both) >= 0.25


def test_early_throttle_triggers_traction_control_a_lift_and_a_slower_exit():
    clean, mistake, sim = compare("early_throttle@Rivage")
    record = the_record(sim, "early_throttle", "Rivage")
    assert 15 <= record.magnitude <= 30
    c = SPA.find_corner("Rivage")

    def before_apex(frames: list[Frame]) -> list[Frame]:
        return between(frames, c.entry_m, record.at_m + record.magnitude)

    def exit_speed(frames: list[Frame]) -> float:
        return between(frames, c.exit_m + 50, c.exit_m + 55)[0].speed_kmh

    assert not any(f.tc_active for f in before_apex(clean))
    assert any(f.tc_active and f.throttle > 0.3 for f in before_apex(mistake))
    # The forced lift after the early throttle, then less speed on the way out.
    window = between(mistake, record.at_m + record.magnitude, c.exit_m)
    assert any(f.throttle <= 0.05 for f in window)
    assert exit_speed(mistake) < exit_speed(clean) - 1
    assert record.time_lost_s > 0.05


@pytest.mark.parametrize("corner", ["Stavelot", "La Source", "Blanchimont"])
def test_a_low_minimum_speed_is_6_to_12_kmh_down(corner):
    spec = f"low_min_speed@{corner}"
    clean, mistake, sim = compare(spec)
    record = the_record(sim, "low_min_speed", corner)
    assert 6 <= record.magnitude <= 12 and record.unit == "km/h"
    drop = min_speed(clean, corner) - min_speed(mistake, corner)
    assert drop == pytest.approx(record.magnitude, abs=1.5)
    assert record.min_speed_kmh == pytest.approx(record.clean_min_speed_kmh - record.magnitude, abs=0.1)
    assert record.time_lost_s > 0.05


def test_a_lap_selector_makes_the_mistake_on_that_lap_only():
    sim, _ = drive(6, "late_brake@La Source:3")
    assert [(r.lap, r.corner, r.kind) for r in sim.mistake_log] == [(3, "La Source", "late_brake")]
    # The laps before are the same as without the mistake.
    assert sim.lap_times[:2] == drive(6)[0].lap_times[:2]


def test_a_mistake_is_logged_only_once_the_car_has_left_the_corner():
    sim = DemoCar(seed=2, mistakes=parse_mistakes("early_brake@Pouhon:1"))
    while sim.frame("rig-1", 0, 0.0).lap_dist_m < SPA.find_corner("Pouhon").entry_m:
        sim.step(0.1)
    assert sim.mistake_log == []
    while sim.laps_completed < 1:
        sim.step(0.1)
    assert [(r.lap, r.corner) for r in sim.mistake_log] == [(1, "Pouhon")]


# --- parsing mistakes ---------------------------------------------------------


def test_parse_mistakes_reads_kinds_corners_and_laps():
    assert parse_mistakes("") == []
    assert parse_mistakes("late_brake@La Source, coasting@pouhon:3 ,overlap@Bus Stop") == [
        Mistake("late_brake", "La Source"),
        Mistake("coasting", "Pouhon", 3),
        Mistake("overlap", "Bus Stop"),
    ]
    assert parse_mistakes("low_min_speed@Campus")[0].corner == "Stavelot"
    assert parse_mistakes("low_min_speed@Paul Frère")[0].corner == "Paul Frere"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("late_braking@La Source", ["late_braking", "late_brake, early_brake"]),
        ("late_brake@Eau Blanche", ["Eau Blanche", "La Source", "Bus Stop"]),
        ("late_brake@Kemmel straight", ["Kemmel straight", "valid corners"]),
        ("late_brake@Blanchimont", ["flat out", "coasting, low_min_speed"]),
        ("late_brake@La Source:0", ["lap"]),
        ("late_brake@La Source:two", ["lap"]),
        ("late_brake", ["kind@Corner"]),
    ],
)
def test_parse_mistakes_says_what_is_wrong(spec, says):
    with pytest.raises(ValueError) as error:
        parse_mistakes(spec)
    for words in says:
        assert words in str(error.value)


# --- the track ---------------------------------------------------------------


def test_corners_are_in_lap_order_at_their_places():
    names = [c.name for c in CORNERS]
    assert names[0] == "La Source" and names[-1] == "Bus Stop"
    assert {"Eau Rouge", "Raidillon", "Les Combes", "Pouhon", "Stavelot", "Blanchimont"} <= set(names)
    entries = [c.entry_m for c in CORNERS]
    assert entries == sorted(entries)
    for c in CORNERS:
        assert 0 < c.entry_m < c.apex_m < c.exit_m < TRACK_LENGTH_M
        assert c.direction in ("left", "right") and c.radius_m > 10
    assert SPA.find_corner("La Source").apex_m < 400  # just after the line
    assert SPA.find_corner("Bus Stop").entry_m > 6500  # just before it
    assert SPA.find_corner("La Source").direction == "right"
    assert SPA.find_corner("Pouhon").direction == "left"
    assert corner_at(SPA.find_corner("Rivage").apex_m).name == "Rivage"
    assert corner_at(1800) is None and SPA.segment_at(1800) == "Kemmel straight"
    assert corner_at(TRACK_LENGTH_M + SPA.find_corner("La Source").apex_m).name == "La Source"


def test_the_outline_closes_and_has_the_size_and_turn_of_spa():
    line = SPA.outline()
    assert len(line.x) == int(TRACK_LENGTH_M)
    steps = np.hypot(np.diff(line.x), np.diff(line.y))
    assert np.allclose(steps, 1.0, atol=0.01)  # one sample a metre
    next_x = line.x[-1] + math.cos(line.heading[-1])
    next_y = line.y[-1] + math.sin(line.heading[-1])
    assert math.hypot(next_x - line.x[0], next_y - line.y[0]) < 2.0  # one more metre gets back to the line
    width, height = np.ptp(line.x), np.ptp(line.y)
    assert 1000 < width < 1700 and 1700 < height < 2400
    # Clockwise: the shoelace area is negative and the heading turns one full turn right.
    area = 0.5 * np.sum(line.x * np.roll(line.y, -1) - np.roll(line.x, -1) * line.y)
    assert area < -1.0e6
    assert np.sum(line.curvature) == pytest.approx(2 * math.pi)
    # The Kemmel runs away from La Source; Les Combes is the top of the hill, Stavelot the bottom.
    la_source = np.array([line.x[270], line.y[270]])
    away = [np.hypot(*(np.array([line.x[s], line.y[s]]) - la_source)) for s in range(1400, 2250, 100)]
    assert away == sorted(away)
    assert line.z[2300] == pytest.approx(line.z.max(), abs=5)
    assert line.z[4850] == pytest.approx(line.z.min(), abs=5)
    assert 80 < np.ptp(line.z) < 120
