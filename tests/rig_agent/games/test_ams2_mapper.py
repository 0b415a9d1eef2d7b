"""The AMS2 mapper on packets laid out by hand: units, the player's slot, game states, bad packets, session."""

from __future__ import annotations

import logging
import math
from typing import Any

import msgspec
import pytest

from simcoach_agent.games.ams2.mapper import Ams2Mapper, PacketError, check
from simcoach_agent.games.base import RawSample
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import decode_rig_message, encode
from tests.rig_agent.games import ams2_packets as pk

PLAYER = 3
PLAYING, PAUSED, RACE = 2, 3, 5


def telemetry(**values: Any) -> bytes:
    base: dict[str, Any] = {
        "sViewedParticipantIndex": PLAYER,
        "sUnfilteredThrottle": 255,
        "sUnfilteredBrake": 51,
        "sUnfilteredSteering": 127,
        "sUnfilteredClutch": 0,
        "sThrottle": 10,  # the filtered inputs differ: the frame carries the driver's own
        "sSteering": -20,
        "sCarFlags": 1 << 4 | 1 << 6,
        "sOilTempCelsius": 104,
        "sWaterTempCelsius": 88,
        "sFuelCapacity": 120,
        "sFuelLevel": 0.25,
        "sSpeed": 50.0,
        "sRpm": 6890,
        "sMaxRpm": 7400,
        "sGearNumGears": 5 | 6 << 4,
        "sLocalAcceleration": (-4.903325, 0.0, 9.80665),
        "sTyreTemp": (81, 83, 78, 80),
        "sTyreTreadTemp": (354, 356, 351, 353),
        "sTyreTempLeft": (80, 90, 81, 91),
        "sTyreTempCenter": (85, 86, 84, 85),
        "sTyreTempRight": (89, 79, 88, 78),
        "sTyreWear": (0, 51, 102, 255),
        "sBrakeTempCelsius": (412, 405, 310, -20),
        "sAirPressure": (186, 187, 180, 181),
        "sFullPosition": (-412.5, 12.0, 833.25),
    }
    base.update(values)
    return pk.telemetry(base)


def player_timing(**values: Any) -> dict[str, Any]:
    timing = {
        "sRacePosition": 0x80 | 4,
        "sCurrentLap": 3,
        "sCurrentTime": 41.5,
        "sCurrentLapDistance": 2000,
        "sRaceState": 2,
        "sPitModeSchedule": 0x10,  # schedule: player requested, mode: none
    }
    timing.update(values)
    return timing


def timings(**values: Any) -> bytes:
    decoy = {"sRacePosition": 0x80 | 1, "sCurrentLap": 9, "sCurrentTime": 5.0, "sRaceState": 8, "sPitModeSchedule": 2}
    return pk.timings({0: decoy, PLAYER: player_timing(**values), 5: decoy})


def stats(last: float = 92.25, best: float = 91.5) -> bytes:
    return pk.time_stats(
        {0: {"sLastLapTime": 1.0, "sFastestLapTime": 1.0}, PLAYER: {"sLastLapTime": last, "sFastestLapTime": best}}
    )


SESSION = [
    pk.game_state(PLAYING, RACE),
    pk.race("Interlagos", "GP", 4000.0),
    pk.participants(["A", "B", "C", "Test Driver"]),
    pk.vehicle_names([(1, 2, "Car A"), (1, 2, "Car B"), (1, 2, "Car C"), (9, 7, "Formula Test")]),
    pk.class_names([(2, "StockV8"), (7, "F-Test")]),
]


def read(mapper: Ams2Mapper, *datagrams: bytes, seq: int = 1) -> Frame | None:
    return mapper.map(RawSample(1.0, tuple(("udp", d) for d in datagrams)), "rig-a", seq, 1_700_000_000.0 + seq)


def state(status: str) -> str:
    """The state word of a status line, without the versions and counts that follow it."""
    return status.split(" (", maxsplit=1)[0]


def valid(frame: Frame) -> Frame:
    """The frame as the backend would take it: every bound checked by the real decoder."""
    incoming = decode_rig_message(encode(frame))
    assert not incoming.errors, incoming.errors
    return frame


@pytest.fixture
def mapper() -> Ams2Mapper:
    m = Ams2Mapper()
    assert read(m, *SESSION, stats()) is None  # no telemetry yet: nothing to say
    return m


def test_a_telemetry_packet_becomes_a_frame_in_common_units(mapper):
    frame = valid(read(mapper, timings(), telemetry()))
    assert frame.speed_kmh == pytest.approx(180.0)
    assert (frame.rpm, frame.max_rpm, frame.gear) == (6890.0, 7400.0, 5)
    assert (frame.throttle, frame.brake, frame.clutch, frame.steering) == (1.0, pytest.approx(0.2), 0.0, 1.0)
    assert frame.g_lat == pytest.approx(0.5)  # X is negative in a right-hand corner (real capture)
    assert frame.g_lon == pytest.approx(-1.0)  # +Z is backwards: braking at 1 g
    assert frame.g_vert == pytest.approx(1.0)
    assert frame.tyre_temp_c == pytest.approx((80.85, 82.85, 77.85, 79.85))  # the tread's Kelvin, not sTyreTemp
    assert frame.tyre_pressure_psi == pytest.approx((26.977, 27.122, 26.107, 26.252), abs=1e-3)  # from kPa
    assert frame.tyre_wear == pytest.approx((0.0, 0.2, 0.4, 1.0))
    assert frame.brake_temp_c == (412.0, 405.0, 310.0, -20.0)
    assert (frame.oil_temp_c, frame.water_temp_c) == (104.0, 88.0)
    assert (frame.fuel_l, frame.fuel_capacity_l) == (30.0, 120.0)
    assert (frame.pos_x, frame.pos_y, frame.pos_z) == (-412.5, 12.0, 833.25)
    assert (frame.abs_active, frame.tc_active) == (True, True)
    # Left wheels: the left third is the outer one; right wheels: the right third.
    assert frame.tyre_temp_outer_c == (80.0, 79.0, 81.0, 78.0)
    assert frame.tyre_temp_middle_c == (85.0, 86.0, 84.0, 85.0)
    assert frame.tyre_temp_inner_c == (89.0, 90.0, 88.0, 91.0)
    assert (frame.wheel_slip, frame.ride_height_mm) == (None, None)
    assert state(mapper.status()) == "driving"


@pytest.mark.parametrize(
    "tread",
    [(0, 0, 0, 0), (354, 356, 351, 48), (354, 356, 65535, 353)],  # unset; 48 K and 65535 K (found by the fuzzer)
)
def test_the_tyre_temperature_falls_back_to_stypetemp_while_the_tread_is_unset_or_impossible(mapper, tread):
    frame = valid(read(mapper, telemetry(sTyreTreadTemp=tread)))
    assert frame.tyre_temp_c == (81.0, 83.0, 78.0, 80.0)


def test_the_player_is_the_viewed_participant_not_the_first_slot(mapper):
    frame = valid(read(mapper, timings(), telemetry()))
    assert (frame.lap, frame.lap_time_s, frame.position) == (3, 41.5, 4)
    assert (frame.lap_dist_m, frame.track_pos) == (2000.0, 0.5)
    assert (frame.lap_valid, frame.in_pit) == (True, False)
    assert (frame.last_lap_s, frame.best_lap_s) == (92.25, 91.5)


@pytest.mark.parametrize(("nibbles", "gear"), [(0x6F, -1), (0x60, 0), (0x61, 1), (0x66, 6), (0x0C, 12), (0x0E, None)])
def test_the_gear_nibble(mapper, nibbles, gear):
    assert read(mapper, telemetry(sGearNumGears=nibbles)).gear == gear


@pytest.mark.parametrize(("raw", "steering"), [(-128, -1.0), (-127, -1.0), (0, 0.0), (64, 64 / 127), (127, 1.0)])
def test_steering_is_minus_one_left_to_one_right(mapper, raw, steering):
    assert valid(read(mapper, telemetry(sUnfilteredSteering=raw))).steering == pytest.approx(steering)


def test_fuel_without_a_capacity_is_unknown_not_zero(mapper):
    frame = valid(read(mapper, telemetry(sFuelCapacity=0, sFuelLevel=0.4)))
    assert (frame.fuel_l, frame.fuel_capacity_l) == (None, None)
    assert read(mapper, telemetry(sFuelLevel=1.3)).fuel_l == 120.0


def test_both_game_builds_give_the_same_frame(mapper):
    """555/559-byte telemetry and 1059/1063-byte timings differ only by the trailing tick count."""
    new = read(mapper, timings(), telemetry())
    old = read(mapper, timings()[: pk.TIMINGS_SIZE_NO_TICK], telemetry()[: pk.TELEMETRY_SIZE_NO_TICK])
    assert old == new
    assert mapper.skipped == {}


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        ({"sRaceState": 2 | 8}, {"lap_valid": False}),
        ({"sPitModeSchedule": 1}, {"in_pit": True}),
        ({"sPitModeSchedule": 2 | 0x30}, {"in_pit": True}),
        ({"sPitModeSchedule": 4}, {"in_pit": True}),
        ({"sCurrentLap": 0}, {"lap": None}),
        ({"sCurrentTime": -1.0}, {"lap_time_s": None}),
        ({"sCurrentLapDistance": 4100}, {"track_pos": 1.0, "lap_dist_m": 4100.0}),
        ({"sRacePosition": 0x80}, {"position": None, "lap": 3}),
        (
            {"sRacePosition": 4},  # not active: nothing from this slot
            {"position": None, "lap": None, "lap_time_s": None, "lap_dist_m": None, "lap_valid": None, "in_pit": None},
        ),
    ],
)
def test_timing_fields(mapper, timing, expected):
    frame = valid(read(mapper, timings(**timing), telemetry()))
    assert {name: getattr(frame, name) for name in expected} == expected


def test_no_lap_times_yet_are_null(mapper):
    frame = valid(read(mapper, stats(last=-1.0, best=0.0), timings(), telemetry()))
    assert (frame.last_lap_s, frame.best_lap_s) == (None, None)


def test_no_frame_before_a_game_state_says_the_game_is_played():
    """A real game streams telemetry in its front end too, with junk in it (docs/games/ams2.md)."""
    m = Ams2Mapper()
    assert read(m, timings(), telemetry()) is None
    assert m.status() == "waiting for the game state (sent every few seconds) (UDP v tim 1, tel 2)"
    assert read(m, pk.game_state(PLAYING, RACE), timings(), telemetry()) is not None


def test_timing_channels_are_null_until_timings_arrive():
    m = Ams2Mapper()
    read(m, pk.game_state(PLAYING, RACE))
    frame = valid(read(m, telemetry()))
    assert frame.speed_kmh == pytest.approx(180.0)
    assert (frame.lap, frame.lap_dist_m, frame.track_pos, frame.position, frame.last_lap_s) == (None,) * 5
    assert m.session().track is None


def test_a_viewed_index_outside_the_arrays_leaves_timing_null(mapper):
    for index in (-1, 32, 100):
        frame = valid(read(mapper, timings(), telemetry(sViewedParticipantIndex=index)))
        assert (frame.lap, frame.position, frame.last_lap_s) == (None, None, None)


@pytest.mark.parametrize(
    ("game_state", "status"),
    [
        (0, "game exited"),
        (1, "in menu"),
        (3, "paused"),
        (4, "in menu"),
        (5, "restarting"),
        (6, "replay"),
        (7, "replay"),
    ],
)
def test_only_a_playing_game_gives_frames(mapper, game_state, status):
    assert read(mapper, pk.game_state(game_state, RACE), timings(), telemetry()) is None
    assert mapper.status().startswith(f"{status} (UDP v ")
    assert read(mapper, timings(), telemetry()) is None  # still in that state
    assert read(mapper, pk.game_state(PLAYING, RACE), timings(), telemetry()) is not None
    assert state(mapper.status()) == "driving"


def test_a_read_without_telemetry_gives_no_frame(mapper):
    assert read(mapper, timings(), stats()) is None
    assert read(mapper) is None


def test_the_newest_telemetry_of_a_read_wins(mapper):
    frame = read(mapper, telemetry(sSpeed=10.0), timings(), telemetry(sSpeed=20.0))
    assert frame.speed_kmh == pytest.approx(72.0)


def _with(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    out[offset] = value
    return bytes(out)


BAD = {
    "empty": (b"", "datagram of 0 bytes"),
    "shorter than the header": (b"\x00" * 11, "datagram of 11 bytes"),
    "garbage": (bytes(range(7, 207)), "unknown packet type 17"),
    "truncated telemetry": (telemetry()[:400], "telemetry of 400 bytes (expects 555 or 559)"),
    "telemetry too long": (telemetry() + b"\x00", "telemetry of 560 bytes"),
    "telemetry of the oldest header": (telemetry()[:538], "telemetry of 538 bytes (expects 555 or 559)"),
    "timings of the oldest header": (timings()[:993], "timings of 993 bytes (expects 1059 or 1063)"),
    "game state of another size": (pk.game_state(PLAYING, RACE)[:16], "game state of 16 bytes"),
    "weather type but names size": (_with(pk.class_names([]), 10, 200), "unknown packet type 200"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_packets_are_counted_and_skipped_and_the_good_ones_still_read(mapper, case, caplog):
    data, reason = BAD[case]
    with pytest.raises(PacketError, match="ams2: skipped packet"):
        check(data)
    frame = read(mapper, data, timings(), data, telemetry(), data)
    assert valid(frame).speed_kmh == pytest.approx(180.0)
    [(key, count)] = mapper.skipped.items()
    assert reason in key
    assert count == 3
    assert mapper.status().endswith(" (3 bad packets skipped)")
    assert [r.getMessage() for r in caplog.records] == [f"ams2: skipping packets: {key}"]  # once per reason


def test_a_part_that_is_not_a_datagram_is_skipped(mapper):
    frame = mapper.map(RawSample(1.0, (("page", telemetry()), ("udp", telemetry()))), "rig-a", 1, 1.0)
    assert frame is not None
    assert list(mapper.skipped) == ["part 'page' is not a UDP datagram"]


def test_the_unused_weather_and_vehicle_name_types_are_ignored_quietly(mapper):
    assert read(mapper, _with(pk.game_state(1, 0), 10, 5), _with(pk.game_state(1, 0), 10, 6)) is None
    assert mapper.skipped == {}
    assert state(mapper.status()) == "waiting for telemetry"


def test_values_out_of_any_sense_become_null_never_an_invalid_frame(mapper):
    frame = valid(
        read(
            mapper,
            timings(sCurrentTime=math.nan),
            telemetry(
                sSpeed=math.nan,
                sFuelLevel=math.inf,
                sLocalAcceleration=(math.nan, math.inf, 400.0),
                sFullPosition=(math.nan, 1e9, -math.inf),
                sRpm=40000,
                sMaxRpm=0,
                sBrakeTempCelsius=(400, 3500, 300, 300),
                sOilTempCelsius=-300,
                sTyreTempCenter=(80, 80, 65000, 80),
            ),
        )
    )
    assert (frame.speed_kmh, frame.fuel_l, frame.rpm, frame.max_rpm, frame.lap_time_s) == (None,) * 5
    assert (frame.g_lat, frame.g_vert, frame.g_lon) == (None, None, None)
    assert (frame.pos_x, frame.pos_y, frame.pos_z) == (None, None, None)
    assert (frame.brake_temp_c, frame.oil_temp_c) == (None, None)
    assert (frame.tyre_temp_inner_c, frame.tyre_temp_middle_c, frame.tyre_temp_outer_c) == (None, None, None)
    assert read(mapper, telemetry(sSpeed=-3.0)).speed_kmh == pytest.approx(10.8)  # magnitude


def test_the_session_joins_race_definition_names_vehicles_and_classes(mapper):
    read(mapper, telemetry())
    session = mapper.session()
    assert msgspec.to_builtins(session) == {
        "type": "session",
        "game": "ams2",
        "track": "Interlagos GP",
        "track_length_m": 4000.0,
        "car": "Formula Test",
        "car_class": "F-Test",
        "driver": "Test Driver",
        "session_type": "race",
        "session_laps": None,
        "rig": None,
    }
    assert decode_rig_message(encode(session)).session == session


def test_names_of_the_second_sixteen_come_in_the_second_part():
    m = Ams2Mapper()
    names = [f"Driver {i}" for i in range(16, 32)]
    vehicles = [(i, 3, f"Car {i}") for i in range(16, 32)]
    read(
        m,
        pk.participants(["First"], part=1, parts=2),
        pk.participants(names, part=2, parts=2),
        pk.vehicle_names(vehicles, part=2, parts=3),
        pk.class_names([(3, "GT3")], part=3, parts=3),
        telemetry(sViewedParticipantIndex=18),
    )
    session = m.session()
    assert (session.driver, session.car, session.car_class) == ("Driver 18", "Car 18", "GT3")
    assert (session.track, session.session_type) == (None, None)


@pytest.mark.parametrize(
    ("session_state", "kind"),
    [(0, None), (1, "practice"), (2, "practice"), (3, "qualifying"), (4, "race"), (5, "race"), (6, "hotlap")],
)
def test_session_types(session_state, kind):
    m = Ams2Mapper()
    read(m, pk.game_state(PLAYING, session_state), pk.race("Spa", "", 7004.0))
    assert m.session().session_type == kind
    assert m.session().track == "Spa"


def test_names_are_utf8_and_undecodable_bytes_do_not_fail():
    m = Ams2Mapper()
    track = bytearray(pk.race("", "", 1000.0))
    track[48:52] = b"N\xfcrb"  # latin-1, not UTF-8
    read(m, pk.participants(["", "", "", "Jérôme"]), bytes(track), telemetry())
    assert m.session().driver == "Jérôme"
    assert m.session().track == "N\ufffdrb"


def test_a_lap_limited_race_gives_its_laps_and_a_timed_one_none(mapper):
    read(mapper, telemetry())
    read(mapper, pk.race("Interlagos", "GP", 4000.0, laps_time=25), seq=2)
    assert mapper.session().session_laps == 25
    read(mapper, pk.race("Interlagos", "GP", 4000.0, laps_time=0x8000 | 12), seq=3)
    assert mapper.session().session_laps is None


def test_a_version_is_information_logged_once_per_new_value_and_shown_in_the_status(mapper, caplog):
    """Shipping builds stamp telemetry 4 and participants 3 where the header says 2 and 1: read them all."""
    caplog.set_level(logging.INFO, logger="simcoach_agent.games.ams2.mapper")
    for version in (4, 4, 2, 4, 9):
        frame = read(mapper, timings(), _with(telemetry(sSpeed=40.0 + version), 11, version))
        assert valid(frame).speed_kmh == pytest.approx((40.0 + version) * 3.6)
    assert read(mapper, _with(pk.participants(["", "", "", "Shipping"]), 11, 3), telemetry()) is not None
    assert mapper.skipped == {}
    assert mapper.versions["telemetry"] == 2  # the last packet, of the header's own version
    assert mapper.versions["participants"] == 3
    assert mapper.session().driver == "Shipping"
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [
        "ams2: timings packets of 1063 bytes carry version 1",
        "ams2: telemetry packets of 559 bytes carry version 4",
        "ams2: telemetry packets of 559 bytes carry version 2",
        "ams2: telemetry packets of 559 bytes carry version 9",  # not 4 again: once per new value
        "ams2: participants packets of 1136 bytes carry version 3",
    ]
    assert mapper.status() == "driving (UDP v state 2, race 1, part 3, names 2, stats 1, tim 1, tel 2)"


def test_distinct_skip_reasons_are_bounded_so_garbage_cannot_grow_the_table(mapper, caplog):
    for length in range(12, 12 + 3 * 32):
        read(mapper, _with(bytes(length), 10, 0))  # telemetry of every wrong length
    assert len(mapper.skipped) == 32 + 1
    assert sum(mapper.skipped.values()) == 3 * 32
    assert mapper.skipped["other reasons (not logged one by one)"] == 3 * 32 - 32
    assert len(caplog.records) == 32


def test_telemetry_sent_before_a_change_of_game_state_in_the_same_read_is_not_a_frame_of_the_new_state(mapper):
    assert read(mapper, pk.game_state(4, RACE), timings(), telemetry()) is None  # in the in-game menu
    # The menu's last telemetry and then PLAYING in one read: that telemetry was not sent while playing.
    assert read(mapper, telemetry(sSpeed=11.0), pk.game_state(PLAYING, RACE)) is None
    assert valid(read(mapper, telemetry(sSpeed=12.0))).speed_kmh == pytest.approx(43.2)
    # A repeated PLAYING state is no change: the telemetry before it in the read still makes the frame.
    assert valid(read(mapper, telemetry(sSpeed=13.0), pk.game_state(PLAYING, RACE))).speed_kmh == pytest.approx(46.8)
