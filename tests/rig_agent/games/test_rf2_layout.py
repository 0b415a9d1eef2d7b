"""rF2 plugin layout: sizes and offsets pinned to the header, and hand-laid pages decoded into the right units."""

from __future__ import annotations

import ctypes
from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.base import RawSample
from simcoach_agent.games.rf2 import layout
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from simcoach_agent.games.rf2.reader import PluginReader
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import encode
from tests.rig_agent.games.rf2_pages import (
    RF2_EXTENDED,
    RF2_EXTENDED_PAGE_SIZE,
    RF2_EXTENDED_SIZE,
    RF2_SCORING_INFO,
    RF2_SCORING_INFO_AT,
    RF2_SCORING_INFO_SIZE,
    RF2_SCORING_PAGE_SIZE,
    RF2_SCORING_VEHICLES_AT,
    RF2_TELEMETRY,
    RF2_TELEMETRY_PAGE_SIZE,
    RF2_TELEMETRY_VEHICLES_AT,
    RF2_VEHICLE_SCORING,
    RF2_VEHICLE_SCORING_SIZE,
    RF2_VEHICLE_TELEMETRY_SIZE,
    RF2_WHEEL,
    RF2_WHEEL_SIZE,
    RF2_WHEELS_AT,
    Rf2Scene,
    rf2_plugin_pages,
    rf2_write_files,
)

SIZES = {
    layout.Vec3: 24,
    layout.Wheel: RF2_WHEEL_SIZE,
    layout.VehicleTelemetry: RF2_VEHICLE_TELEMETRY_SIZE,
    layout.ScoringInfo: RF2_SCORING_INFO_SIZE,
    layout.VehicleScoring: RF2_VEHICLE_SCORING_SIZE,
    layout.PhysicsOptions: 40,
    layout.TrackedDamage: 16,
    layout.VehScoringCapture: 8,
    layout.SessionTransitionCapture: 1036,
    layout.VersionBlock: 8,
    layout.Extended: RF2_EXTENDED_SIZE,
    layout.TelemetryPage: RF2_TELEMETRY_PAGE_SIZE,
    layout.ScoringPage: RF2_SCORING_PAGE_SIZE,
    layout.ExtendedPage: RF2_EXTENDED_PAGE_SIZE,
}


@pytest.mark.parametrize("struct_type", list(SIZES), ids=lambda s: s.__name__)
def test_structure_sizes_match_the_header(struct_type: type[ctypes.Structure]) -> None:
    assert ctypes.sizeof(struct_type) == SIZES[struct_type]


@pytest.mark.parametrize(
    ("struct_type", "table", "base"),
    [
        (layout.Wheel, RF2_WHEEL, 0),
        (layout.VehicleTelemetry, RF2_TELEMETRY, 0),
        (layout.ScoringInfo, RF2_SCORING_INFO, 0),
        (layout.VehicleScoring, RF2_VEHICLE_SCORING, 0),
        (layout.Extended, RF2_EXTENDED, 8),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_field_offsets_match_the_hand_made_table(struct_type: type[ctypes.Structure], table: dict, base: int) -> None:
    for name, (offset, _fmt) in table.items():
        assert getattr(struct_type, name).offset + base == offset, name


def test_page_offsets_match_the_hand_made_table() -> None:
    assert layout.VehicleTelemetry.mWheels.offset == RF2_WHEELS_AT
    assert layout.TELEMETRY_VEHICLES_OFFSET == RF2_TELEMETRY_VEHICLES_AT
    assert layout.SCORING_INFO_OFFSET == RF2_SCORING_INFO_AT
    assert layout.SCORING_VEHICLES_OFFSET == RF2_SCORING_VEHICLES_AT
    assert layout.EXTENDED_OFFSET == 8


def _valid(frame: Frame) -> Frame:
    """The frame as the backend would decode it: raises if any value breaks the contract's bounds."""
    return msgspec.msgpack.decode(encode(frame), type=Frame)


def test_hand_laid_pages_decode_into_frame_units(shm_dir: Path) -> None:
    scene = Rf2Scene(laps_done=4, best=101.5, last=102.25, place=3)
    rf2_write_files(shm_dir, rf2_plugin_pages(scene))
    reader, mapper = PluginReader("rf2"), Rf2Mapper("rf2")
    reader.open()
    try:
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    frame = _valid(mapper.map(raw, "rig-a", 1, 1_700_000_000.0))
    assert mapper.status() == "driving"
    assert frame.speed_kmh == pytest.approx(180.0)
    assert (frame.rpm, frame.max_rpm, frame.gear) == (7200.0, 8500.0, 4)
    assert (frame.throttle, frame.brake, frame.clutch, frame.steering) == (0.8, 0.1, 0.0, -0.25)
    # Local axes: +x is the car's left, +z its back: -9.8 m/s² on x pulls right, +4.9 on z is braking.
    assert frame.g_lat == pytest.approx(1.0)
    assert frame.g_lon == pytest.approx(-0.5)
    assert frame.g_vert is None
    assert frame.tyre_temp_c == pytest.approx((80.0, 81.0, 82.0, 83.0))
    assert frame.tyre_pressure_psi == pytest.approx((25.0, 175 / 6.894757, 180 / 6.894757, 185 / 6.894757))
    assert frame.tyre_wear == pytest.approx((0.0, 0.1, 0.2, 0.25))
    assert frame.brake_temp_c == pytest.approx((400.0, 410.0, 300.0, 310.0))
    # Surface temperatures are left/centre/right of the car: the inner edge of a left wheel is its right edge.
    assert frame.tyre_temp_inner_c == pytest.approx((89.0, 90.0, 95.0, 96.0))
    assert frame.tyre_temp_middle_c == pytest.approx((88.0, 91.0, 94.0, 97.0))
    assert frame.tyre_temp_outer_c == pytest.approx((87.0, 92.0, 93.0, 98.0))
    assert frame.ride_height_mm == pytest.approx((50.0, 51.0, 60.0, 61.0))
    assert (frame.oil_temp_c, frame.water_temp_c, frame.fuel_l, frame.fuel_capacity_l) == (105.0, 88.0, 42.5, 90.0)
    assert frame.lap == 5
    assert frame.lap_time_s == pytest.approx(10.0)
    assert (frame.last_lap_s, frame.best_lap_s) == (102.25, 101.5)
    assert frame.lap_dist_m == pytest.approx(700.4)
    assert frame.track_pos == pytest.approx(0.1)
    assert (frame.lap_valid, frame.in_pit, frame.position) == (True, False, 3)
    assert (frame.pos_x, frame.pos_y, frame.pos_z) == (120.5, 8.25, -310.0)
    assert (frame.abs_active, frame.tc_active) == (None, None)

    session = mapper.session()
    assert session is not None
    assert (session.game, session.track, session.track_length_m) == ("rf2", "Circuit de Spa-Francorchamps", 7004.0)
    assert (session.car, session.car_class, session.driver, session.session_type) == (
        "Porsche 963 #6",
        "Hypercar",
        "Test Driver",
        "race",
    )


def test_values_the_game_does_not_give_are_null_not_zero() -> None:
    scene = Rf2Scene(best=-1.0, last=0.0, capacity=0.0, place=0, carcass_k=(0.0, 0.0, 0.0, 0.0))
    pages = rf2_plugin_pages(scene)
    raw = RawSample(1.0, tuple((name, bytes(data)) for name, data in pages.items()))
    frame = _valid(Rf2Mapper("rf2").map(raw, "rig-a", 1, 1.0))
    assert (frame.last_lap_s, frame.best_lap_s, frame.fuel_capacity_l, frame.position) == (None, None, None, None)
    assert frame.tyre_temp_c is None


def test_out_of_range_inputs_are_clamped_or_dropped_never_sent_invalid() -> None:
    nan = float("nan")
    scene = Rf2Scene(
        throttle=1.3,
        brake=-0.2,
        steering=-1.5,
        wear=(1.2, -0.1, 0.5, 0.5),
        vel=(nan, 0.0, 0.0),
        gear=40,
        lap_dist=-35.02,
    )
    pages = rf2_plugin_pages(scene)
    raw = RawSample(1.0, tuple((name, bytes(data)) for name, data in pages.items()))
    frame = _valid(Rf2Mapper("rf2").map(raw, "rig-a", 1, 1.0))
    assert (frame.throttle, frame.brake, frame.steering) == (1.0, 0.0, -1.0)
    assert frame.tyre_wear is None  # a wear outside 0..1 is not a reading
    assert (frame.speed_kmh, frame.gear) == (None, None)
    # Behind the line before the start: the end of the lap, not a negative fraction.
    assert frame.track_pos == pytest.approx(0.995, abs=1e-3)
