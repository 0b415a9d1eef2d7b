"""RaceRoom mapper: units, "not available" markers, clamps, game states, versions, session, garbage."""

from __future__ import annotations

import math
import random

import msgspec
import pytest

from simcoach_agent.games.base import RawSample
from simcoach_agent.games.r3e.mapper import R3EMapper
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import encode
from tests.rig_agent.games.r3e_page import HEAD_SIZE, Page, driving_page

_decoder = msgspec.msgpack.Decoder(Frame)


def sample(page: Page, t_mono: float = 1.0) -> RawSample:
    return RawSample(t_mono, (("r3e", bytes(page.buf[:HEAD_SIZE])),))


def valid(frame: Frame) -> Frame:
    """The frame as the backend would take it: every bound checked."""
    return _decoder.decode(encode(frame))


def mapped(page: Page, mapper: R3EMapper | None = None) -> Frame | None:
    """Map a page the way the agent sees it: a first sample, then one a physics tick later."""
    mapper = mapper or R3EMapper()
    ticks = page.get("player.game_simulation_ticks")
    mapper.map(sample(page.set("player.game_simulation_ticks", ticks - 1)), "rig-a", 1, 100.0)
    return mapper.map(sample(page.set("player.game_simulation_ticks", ticks)), "rig-a", 2, 100.1)


def test_units_are_converted_at_the_boundary():
    frame = mapped(driving_page())
    assert frame is not None
    valid(frame)
    assert (frame.rig, frame.seq, frame.t) == ("rig-a", 2, 100.1)
    assert frame.speed_kmh == pytest.approx(180.0)  # 50 m/s
    assert frame.rpm == pytest.approx(700.0 * 60 / (2 * math.pi))
    assert frame.max_rpm == pytest.approx(800.0 * 60 / (2 * math.pi))
    assert frame.gear == 4
    assert (frame.throttle, frame.brake, frame.clutch, frame.steering) == (0.75, 0.25, 0.0, -0.5)
    assert frame.g_lat == pytest.approx(1.0)  # +X is left in the game
    assert frame.g_lon == pytest.approx(-0.5)  # +Z is back: braking
    assert frame.g_vert == pytest.approx(1.0)
    assert frame.tyre_temp_c == pytest.approx((80.0, 81.0, 66.0, 67.0))
    assert frame.tyre_temp_outer_c == (70.0, 71.0, 60.0, 61.0)
    assert frame.tyre_temp_middle_c == (80.0, 81.0, 66.0, 67.0)
    assert frame.tyre_temp_inner_c == (90.0, 91.0, 72.0, 73.0)
    assert frame.tyre_pressure_psi == pytest.approx((25.0, 26.0, 24.0, 23.0), abs=1e-3)
    assert frame.tyre_wear == (0.0, 0.25, 0.5, 0.75)  # the game gives tread left, 1.0 = new
    assert frame.brake_temp_c == (420.0, 410.0, 300.0, 290.0)
    assert (frame.oil_temp_c, frame.water_temp_c) == (104.5, 88.0)
    assert (frame.fuel_l, frame.fuel_capacity_l) == (42.5, 110.0)
    assert frame.lap == 5  # completed_laps 4: on the fifth
    assert (frame.lap_time_s, frame.last_lap_s, frame.best_lap_s) == (23.5, 93.25, 92.5)
    assert (frame.lap_dist_m, frame.track_pos) == (1064.75, 0.25)
    assert (frame.lap_valid, frame.in_pit, frame.position) == (True, False, 3)
    assert (frame.pos_x, frame.pos_y, frame.pos_z) == (120.5, 3.25, -840.0)
    assert (frame.abs_active, frame.tc_active) == (True, False)  # 5 = intervening, 1 = merely on
    assert frame.ride_height_mm == pytest.approx((51.0, 52.0, 71.0, 72.0))
    assert frame.wheel_slip is None


def test_not_available_markers_become_null_never_zero():
    page = driving_page()
    page.set("throttle", -1.0).set("brake", -1.0).set("clutch", -1.0).set("gear", -2)
    page.set("max_engine_rps", 0.0)
    page.set("tire_temp[1].current_temp", -1.0, -1.0, -1.0).set("brake_temp[2].current_temp", -1.0)
    page.set("tire_pressure", -1.0, -1.0, -1.0, -1.0).set("tire_wear", -1.0, -1.0, -1.0, -1.0)
    page.set("lap_time_best_self", -1.0).set("lap_time_previous_self", -1.0).set("lap_time_current_self", -1.0)
    page.set("completed_laps", -1).set("current_lap_valid", -1).set("in_pitlane", -1).set("position", -1)
    page.set("fuel_capacity", 0.0).set("engine_oil_temp", -1.0)
    page.set("aid_settings.abs", -1).set("aid_settings.tc", -1)
    frame = valid(mapped(page))
    for channel in (
        "throttle", "brake", "clutch", "gear", "max_rpm", "tyre_temp_c", "tyre_temp_inner_c", "tyre_temp_middle_c",
        "tyre_temp_outer_c", "brake_temp_c", "tyre_pressure_psi", "tyre_wear", "best_lap_s", "last_lap_s",
        "lap_time_s", "lap", "lap_valid", "in_pit", "position", "fuel_l", "fuel_capacity_l", "oil_temp_c",
        "abs_active", "tc_active",
    ):  # fmt: skip
        assert getattr(frame, channel) is None, channel
    assert frame.water_temp_c == 88.0
    assert frame.speed_kmh == pytest.approx(180.0)


def test_track_position_comes_from_distance_when_the_fraction_is_missing():
    page = driving_page().set("lap_distance_fraction", -1.0).set("lap_distance", 2129.5)
    assert valid(mapped(page)).track_pos == pytest.approx(0.5)
    page.set("layout_length", 0.0)
    assert valid(mapped(page)).track_pos is None


def test_values_the_game_may_overshoot_are_clamped():
    page = driving_page()
    page.set("throttle", 1.02).set("brake", -0.01).set("steer_input_raw", 1.3)
    page.set("tire_wear", 1.01, 0.5, 0.5, -0.02).set("lap_distance_fraction", 1.0001)
    page.set("local_acceleration.x", -400.0).set("car_speed", -5.0)  # a crash; reversing
    frame = valid(mapped(page))
    assert (frame.throttle, frame.brake, frame.steering) == (1.0, 0.0, 1.0)
    assert frame.tyre_wear == (0.0, 0.5, 0.5, 1.0)
    assert frame.track_pos == 1.0
    assert frame.g_lat == 20.0
    assert frame.speed_kmh == pytest.approx(18.0)


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("game_paused", 1, "paused"),
        ("game_in_menus", 1, "in menu"),
        ("game_in_replay", 1, "replay"),
        ("game_player_in_garage", 1, "in garage"),
        ("control_type", 1, "AI driving"),
        ("control_type", 3, "replay"),
        ("control_type", -1, "waiting for the car"),
    ],
)
def test_no_frame_while_not_driving(field, value, status):
    mapper = R3EMapper()
    assert mapped(driving_page().set(field, value), mapper) is None
    assert mapper.status() == status
    assert mapper.session() is not None  # what is loaded is still known
    assert mapped(driving_page(2000).set(field, 0), mapper) is not None
    assert mapper.status() == "driving"


def test_the_garage_flag_is_a_reserved_field_before_3_5():
    page = driving_page().set("version_minor", 4).set("game_player_in_garage", 1)
    assert mapped(page) is not None


def test_unchanged_physics_ticks_give_no_frame_and_say_so_when_it_lasts():
    mapper = R3EMapper()
    page = driving_page(500)
    assert mapper.map(sample(page), "rig-a", 1, 1.0) is None  # first sight: wait for the game to move
    assert mapper.map(sample(page.set("player.game_simulation_ticks", 501)), "rig-a", 1, 1.0) is not None
    for _ in range(40):
        assert mapper.map(sample(page), "rig-a", 2, 1.0) is None
    assert "ticks not advancing" in mapper.status()
    assert mapper.map(sample(page.set("player.game_simulation_ticks", 505)), "rig-a", 2, 1.0) is not None
    assert mapper.status() == "driving"


def test_another_major_version_is_refused_with_both_versions_named():
    mapper = R3EMapper()
    assert mapped(driving_page().set("version_major", 2).set("version_minor", 14), mapper) is None
    assert mapper.status() == "shared memory layout 2.14, this agent implements 3.5"
    assert mapper.session() is None


def test_a_newer_minor_version_is_read_with_a_warning():
    mapper = R3EMapper()
    frame = mapped(driving_page().set("version_minor", 7), mapper)
    assert frame is not None and frame.speed_kmh == pytest.approx(180.0)
    assert mapper.status() == "driving (RaceRoom shares layout 3.7, newer than 3.5: new fields ignored)"


def test_session_names_track_layout_car_class_driver_and_type():
    mapper = R3EMapper()
    assert mapper.session() is None
    mapped(driving_page(), mapper)
    session = mapper.session()
    assert session is not None
    assert session.game == "r3e"
    assert session.track == "Circuit Zandvoort - Grand Prix"
    assert session.track_length_m == 4259.0
    assert (session.car, session.car_class) == ("model 4523", "class 1703")
    assert session.driver == "Lars Testman"
    assert session.session_type == "practice"
    mapped(driving_page().set("session_type", 2), mapper)
    assert mapper.session().session_type == "race"
    mapped(driving_page().set("game_mode", 1), mapper)
    assert mapper.session().session_type == "hotlap"
    mapped(driving_page().set("session_type", -1).set("layout_name", "\0" * 64), mapper)
    session = mapper.session()
    assert (session.session_type, session.track) == (None, "Circuit Zandvoort")


def test_names_in_utf8_and_broken_utf8_are_decoded():
    mapper = R3EMapper()
    page = driving_page().set("player_name", "Jürgen Ünlü").set("track_name", "Nürburgring")
    page.set("layout_name", b"Nordschleife \xff")
    mapped(page, mapper)
    session = mapper.session()
    assert session.driver == "Jürgen Ünlü"
    assert session.track == "Nürburgring - Nordschleife \ufffd"


def test_a_short_page_gives_no_frame_and_a_reason():
    mapper = R3EMapper()
    assert mapper.map(RawSample(1.0, (("r3e", b"\x03\0\0\0"),)), "rig-a", 1, 1.0) is None
    assert mapper.status() == f"page too short (4 of {HEAD_SIZE} bytes)"
    assert mapper.map(RawSample(1.0, ()), "rig-a", 1, 1.0) is None


def test_garbage_never_raises_nor_makes_an_invalid_frame():
    rng = random.Random(7)
    mapper = R3EMapper()
    made = 0
    for i in range(400):
        page = Page()
        page.buf[:HEAD_SIZE] = rng.randbytes(HEAD_SIZE)
        page.set("version_major", 3).set("version_minor", 5).set("player.game_simulation_ticks", i)
        for flag in ("game_paused", "game_in_menus", "game_in_replay", "game_player_in_garage", "control_type"):
            page.set(flag, 0)
        frame = mapper.map(sample(page), "rig-a", i, 1.0)
        if frame is not None:
            valid(frame)
            made += 1
        mapper.session()
    assert made == 399
