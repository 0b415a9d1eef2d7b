"""ACC/AC mapper: units and conventions into the frame, what each game leaves null, states, session, bad pages."""

from __future__ import annotations

import logging
import math

import msgspec
import pytest

from simcoach_agent.games.acc.mapper import AccMapper
from simcoach_agent.games.base import RawSample
from simcoach_agent.telemetry import Frame
from tests.rig_agent.games import acc_pages as pages

INT_MAX = 2**31 - 1


class Pages:
    """The three pages of one game, changed field by field, handed to a mapper as raw samples."""

    def __init__(self, game: str = "acc", layout: str | None = None, **static: object) -> None:
        self.game = game
        self.physics = pages.physics_page(game, packetId=1)
        self.graphics = pages.graphics_page(game)
        self.static = pages.static_page(layout or game, **static)
        self.t = 100.0

    def set(self, **fields: object) -> Pages:
        graphics_table = pages.AC_GRAPHICS if self.game == "ac" else pages.ACC_GRAPHICS
        for name, value in fields.items():
            if name in pages.PHYSICS and pages.PHYSICS[name][0] < len(self.physics):
                pages.put(self.physics, pages.PHYSICS, **{name: value})
            else:
                pages.put(self.graphics, graphics_table, **{name: value})
        return self

    def raw(self, dt: float = 1 / 60) -> RawSample:
        self.t += dt
        return RawSample(
            self.t,
            (("physics", bytes(self.physics)), ("graphics", bytes(self.graphics)), ("static", bytes(self.static))),
        )

    def step(self, mapper: AccMapper, **fields: object) -> Frame | None:
        """The game's next physics step with these fields changed."""
        packet = pages.get(self.physics, pages.PHYSICS, "packetId")
        self.set(packetId=packet + 1, **fields)
        return mapper.map(self.raw(), "rig-a", packet, 1.7e9)


def driving(game: str = "acc", layout: str | None = None, **fields: object) -> tuple[Pages, AccMapper, Frame]:
    """A mapper past its first look at the pages, and the frame of the next step."""
    p = Pages(game, layout)
    mapper = AccMapper(game)
    assert mapper.map(p.raw(), "rig-a", 0, 1.7e9) is None  # first sight: not yet known to be alive
    frame = p.step(mapper, **fields)
    assert frame is not None, mapper.status()
    return p, mapper, frame


def test_acc_units_and_conventions():
    _, mapper, f = driving(
        speedKmh=180.0,
        rpms=6500,
        gear=4,
        gas=0.5,
        brake=0.25,
        clutch=1.0,
        steerAngle=-0.75,
        accG=(-0.5, 0.25, -1.5),
        tyreCoreTemperature=(80.0, 81.0, 82.0, 83.0),
        wheelsPressure=(27.5, 27.25, 26.5, 26.75),
        brakeTemp=(450.0, 451.0, 320.0, 321.0),
        fuel=42.5,
        waterTemp=95.0,
        wheelSlip=(0.1, 0.2, 0.3, 0.4),
        abs=0.8,
        tc=0.0,
        completedLaps=3,
        iCurrentTime=12_345,
        iLastTime=95_123,
        iBestTime=94_000,
        normalizedCarPosition=0.75,
        isValidLap=1,
        isInPitLane=1,
        position=4,
    )
    assert mapper.status() == "driving"
    assert f.speed_kmh == 180.0  # ACC gives km/h already
    assert (f.rpm, f.max_rpm, f.gear) == (6500.0, 7250.0, 3)  # gear 4 in the page is third
    assert (f.throttle, f.brake, f.clutch, f.steering) == (0.5, 0.25, 0.0, -0.75)
    assert (f.g_lat, f.g_lon, f.g_vert) == (0.5, -1.5, 1.25)  # x left -> lateral right; gravity added
    assert f.tyre_temp_c == (80.0, 81.0, 82.0, 83.0)
    assert f.tyre_pressure_psi == (27.5, 27.25, 26.5, 26.75)
    assert f.brake_temp_c == (450.0, 451.0, 320.0, 321.0)
    assert (f.fuel_l, f.fuel_capacity_l, f.water_temp_c, f.oil_temp_c) == (42.5, 132.0, 95.0, None)
    assert f.lap == 4  # three completed: the fourth lap
    assert (f.lap_time_s, f.last_lap_s, f.best_lap_s) == (12.345, 95.123, 94.0)
    assert f.track_pos == 0.75
    assert f.lap_dist_m is None  # ACC leaves the spline length 0
    assert (f.lap_valid, f.in_pit, f.position) == (True, True, 4)
    assert (f.abs_active, f.tc_active) == (True, False)
    assert f.wheel_slip == pytest.approx((0.1, 0.2, 0.3, 0.4))
    assert f.tyre_wear is None
    assert (f.tyre_temp_inner_c, f.tyre_temp_middle_c, f.tyre_temp_outer_c, f.ride_height_mm) == (None,) * 4
    msgspec.json.decode(msgspec.json.encode(f), type=Frame)  # every bound holds


def test_gears_clutch_and_pedal_overshoot():
    p, mapper, f = driving(gear=0, clutch=0.0, gas=1.02, steerAngle=1.5, normalizedCarPosition=1.0004)
    assert (f.gear, f.clutch, f.throttle, f.steering, f.track_pos) == (-1, 1.0, 1.0, 1.0, 1.0)
    f = p.step(mapper, gear=1, clutch=0.5, gas=-0.01, steerAngle=-1.2, normalizedCarPosition=-0.001)
    assert (f.gear, f.clutch, f.throttle, f.steering, f.track_pos) == (0, 0.5, 0.0, -1.0, 0.0)
    f = p.step(mapper, gear=15)
    assert f.gear is None


def test_no_times_yet_are_null():
    p, mapper, f = driving(iCurrentTime=0, iLastTime=INT_MAX, iBestTime=INT_MAX, position=0)
    assert (f.lap_time_s, f.last_lap_s, f.best_lap_s, f.position) == (None, None, None, None)
    f = p.step(mapper, iLastTime=0, iBestTime=-1)
    assert (f.last_lap_s, f.best_lap_s) == (None, None)


def test_nonsense_values_become_null_not_frames_the_backend_refuses():
    _, _, f = driving(
        speedKmh=math.nan, rpms=-5, tyreCoreTemperature=(80.0, math.inf, 80.0, 80.0), fuel=-1.0, gas=math.nan
    )
    assert (f.speed_kmh, f.rpm, f.tyre_temp_c, f.fuel_l, f.throttle) == (None, None, None, None, None)
    msgspec.json.decode(msgspec.json.encode(f), type=Frame)


def test_the_players_position_is_found_by_car_id():
    coords = [0.0] * 180
    coords[15:18] = [10.0, 2.0, -30.0]  # entry 5
    ids = [200 + i for i in range(60)]
    p, mapper, f = driving(activeCars=9, carID=ids, playerCarID=205, carCoordinates=coords)
    assert (f.pos_x, f.pos_y, f.pos_z) == (10.0, 2.0, -30.0)
    ids[5], ids[7] = 0, 205  # the grid changed: the player is entry 7 now
    coords[21:24] = [11.0, 3.0, -31.0]
    f = p.step(mapper, carID=ids, carCoordinates=coords)
    assert (f.pos_x, f.pos_y, f.pos_z) == (11.0, 3.0, -31.0)
    f = p.step(mapper, playerCarID=999)
    assert (f.pos_x, f.pos_y, f.pos_z) == (None, None, None)
    f = p.step(mapper, playerCarID=205, activeCars=7)  # entry 7 is past the active cars
    assert f.pos_x is None


def test_ac_units_and_what_it_adds_or_lacks():
    _, mapper, f = driving(
        "ac",
        speedKmh=120.0,
        gear=2,
        tyreTempI=(90.0, 91.0, 92.0, 93.0),
        tyreTempM=(85.0, 86.0, 87.0, 88.0),
        tyreTempO=(80.0, 81.0, 82.0, 83.0),
        rideHeight=(0.05, 0.0625),
        abs=0.2,
        tc=0.15,
        normalizedCarPosition=0.5,
        carCoordinates=(12.5, 1.5, -100.0),
        completedLaps=0,
        iLastTime=0,
    )
    assert mapper.status() == "driving"
    assert (f.speed_kmh, f.gear, f.max_rpm, f.fuel_capacity_l) == (120.0, 1, 9250.0, 110.0)
    assert f.lap_dist_m == 0.5 * 5758.0  # AC gives the spline length
    assert f.tyre_temp_inner_c == (90.0, 91.0, 92.0, 93.0)
    assert f.tyre_temp_middle_c == (85.0, 86.0, 87.0, 88.0)
    assert f.tyre_temp_outer_c == (80.0, 81.0, 82.0, 83.0)
    assert f.ride_height_mm == pytest.approx((50.0, 50.0, 62.5, 62.5))
    assert (f.pos_x, f.pos_y, f.pos_z) == (12.5, 1.5, -100.0)
    assert (f.lap, f.last_lap_s) == (1, None)
    # AC's abs/tc are settings; no water temperature or lap validity in its pages.
    assert (f.abs_active, f.tc_active, f.water_temp_c, f.lap_valid) == (None, None, None, None)
    assert mapper.session().game == "ac"
    assert mapper.session().track_length_m == 5758.0


def test_ac_track_layout_joins_the_track_name():
    p = Pages("ac", trackConfiguration="junior")
    mapper = AccMapper("ac")
    mapper.map(p.raw(), "rig-a", 0, 1.7e9)
    assert mapper.session().track == "monza/junior"


def test_session_message():
    p, mapper, _ = driving(session=1)
    session = mapper.session()
    assert (session.game, session.track, session.car, session.driver) == (
        "acc",
        "spa",
        "amr_v8_vantage_gt3",
        "Ada Lovelace",
    )
    assert session.session_type == "qualifying"
    assert session.track_length_m is None
    assert session.car_class is None
    p.step(mapper, session=2)
    assert mapper.session().session_type == "race"
    p.step(mapper, session=-1)
    assert mapper.session().session_type is None


@pytest.mark.parametrize(("status", "state"), [(0, "in menu"), (1, "replay"), (3, "paused"), (7, "unknown status 7")])
def test_no_frames_unless_live(status, state):
    p, mapper, _ = driving()
    assert p.step(mapper, status=status, speedKmh=999.0) is None
    assert mapper.status() == state
    assert p.step(mapper, status=2, speedKmh=100.0).speed_kmh == 100.0


def test_an_unchanged_packet_is_not_sent_twice_and_a_long_freeze_is_a_stall():
    p, mapper, _ = driving()
    assert mapper.map(p.raw(0.1), "rig-a", 5, 1.7e9) is None
    assert mapper.status() == "driving"
    assert mapper.map(p.raw(1.0), "rig-a", 5, 1.7e9) is None
    assert "stalled" in mapper.status()
    assert p.step(mapper) is not None
    assert mapper.status() == "driving"


def test_a_page_is_not_trusted_before_it_moves():
    p = Pages()
    mapper = AccMapper()
    assert mapper.map(p.raw(), "rig-a", 0, 1.7e9) is None
    assert mapper.status() == "waiting for the game's data to change"
    assert mapper.map(p.raw(), "rig-a", 0, 1.7e9) is None
    assert p.step(mapper) is not None


def test_the_other_game_is_read_and_said(caplog):
    p = Pages("ac")
    mapper = AccMapper("acc")
    with caplog.at_level(logging.WARNING):
        mapper.map(p.raw(), "rig-a", 0, 1.7e9)
        frame = p.step(mapper, speedKmh=99.0)
    assert frame is not None
    assert frame.speed_kmh == 99.0
    assert mapper.session().game == "ac"
    assert mapper.status() == "driving (the running game is Assetto Corsa, not Assetto Corsa Competizione)"
    assert "acc: the running game is Assetto Corsa, not Assetto Corsa Competizione" in caplog.text


def test_acc_static_page_with_the_short_track_configuration():
    _, mapper, f = driving("acc", "acc15", speedKmh=150.0)
    assert f.speed_kmh == 150.0
    assert mapper.variant is not None
    assert mapper.variant.label == "ACC (trackConfiguration[15])"
    assert mapper.session().driver == "Ada Lovelace"


def test_unreadable_static_page_sends_nothing_and_says_why():
    p = Pages()
    p.static[:] = bytes(len(p.static))
    mapper = AccMapper()
    assert mapper.map(p.raw(), "rig-a", 0, 1.7e9) is None
    assert p.step(mapper) is None
    assert mapper.status() == "waiting: the static page is still empty (the game is starting)"
    assert mapper.session() is None
    p.static[:] = pages.static_page("acc")  # the session loads
    assert p.step(mapper) is None  # the first look
    assert p.step(mapper) is not None


def test_pages_shorter_than_the_layout_send_nothing():
    p, mapper, _ = driving()
    short = RawSample(
        200.0, (("physics", bytes(p.physics)[:580]), ("graphics", bytes(p.graphics)), ("static", bytes(p.static)))
    )
    assert mapper.map(short, "rig-a", 9, 1.7e9) is None
    assert "pages too short for ACC (physics 580/800" in mapper.status()
