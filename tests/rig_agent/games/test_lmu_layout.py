"""LMU_Data layout: pack-4 game structures inside naturally aligned wrappers, pinned and decoded."""

from __future__ import annotations

import ctypes
from pathlib import Path

import msgspec
import pytest

from simcoach_agent.games.rf2 import layout_lmu as lmu
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from simcoach_agent.games.rf2.reader import LmuDataReader
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import encode
from tests.rig_agent.games.rf2_pages import (
    LMU_DATA_SIZE,
    LMU_GENERIC,
    LMU_GENERIC_SIZE,
    LMU_SCORING_AT,
    LMU_SCORING_INFO,
    LMU_SCORING_SIZE,
    LMU_SCORING_STREAM_SIZE_AT,
    LMU_SCORING_VEHICLES_AT,
    LMU_TELEMETRY,
    LMU_TELEMETRY_AT,
    LMU_TELEMETRY_VEHICLES_AT,
    LMU_VEHICLE_SCORING,
    RF2_VEHICLE_TELEMETRY_SIZE,
    RF2_WHEEL,
    RF2_WHEELS_AT,
    Rf2Scene,
    rf2_lmu_page,
    rf2_write_files,
)

SIZES = {
    lmu.TelemVect3: 24,
    lmu.TelemWheelV01: 260,
    lmu.TelemInfoV01: RF2_VEHICLE_TELEMETRY_SIZE,
    lmu.VehicleScoringInfoV01: 584,
    lmu.ScoringInfoV01: 548,
    lmu.ApplicationStateV01: 260,
    lmu.SharedMemoryGeneric: LMU_GENERIC_SIZE,
    lmu.SharedMemoryPathData: 1300,
    lmu.SharedMemoryScoringData: LMU_SCORING_SIZE,
    lmu.SharedMemoryTelemtryData: 4 + 104 * RF2_VEHICLE_TELEMETRY_SIZE,
    lmu.SharedMemoryObjectOut: LMU_DATA_SIZE,
    lmu.SharedMemoryLayout: LMU_DATA_SIZE,
    lmu.LockData: 8,
}


@pytest.mark.parametrize("struct_type", list(SIZES), ids=lambda s: s.__name__)
def test_structure_sizes_match_the_header(struct_type: type[ctypes.Structure]) -> None:
    assert ctypes.sizeof(struct_type) == SIZES[struct_type]


def test_wrappers_are_naturally_aligned_around_pack_4_game_structures() -> None:
    # ScoringInfoV01 is 548 bytes: a pack-4 layout would put the size_t at 548, natural alignment at 552.
    assert lmu.SharedMemoryScoringData.scoringStreamSize.offset == 552
    assert LMU_SCORING_AT + 552 == LMU_SCORING_STREAM_SIZE_AT
    # ... and pads the whole mapping to a multiple of 8 (324820 bytes of fields).
    assert ctypes.sizeof(lmu.SharedMemoryLayout) == 324824
    assert ctypes.alignment(lmu.TelemInfoV01) == 4


@pytest.mark.parametrize(
    ("struct_type", "table"),
    [
        (lmu.TelemWheelV01, RF2_WHEEL),
        (lmu.TelemInfoV01, LMU_TELEMETRY),
        (lmu.ScoringInfoV01, LMU_SCORING_INFO),
        (lmu.VehicleScoringInfoV01, LMU_VEHICLE_SCORING),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_field_offsets_match_the_hand_made_table(struct_type: type[ctypes.Structure], table: dict) -> None:
    for name, (offset, _fmt) in table.items():
        field = "mWheel" if name == "mWheels" else name
        assert getattr(struct_type, field).offset == offset, name


def test_mapping_offsets_match_the_hand_made_table() -> None:
    assert lmu.TelemInfoV01.mWheel.offset == RF2_WHEELS_AT
    assert lmu.SharedMemoryGeneric.gameVersion.offset == LMU_GENERIC["gameVersion"][0]
    assert lmu.SharedMemoryGeneric.appInfo.offset + lmu.ApplicationStateV01.mOptionsLocation.offset == 96
    assert lmu.SCORING_INFO_OFFSET == LMU_SCORING_AT
    assert lmu.SCORING_VEHICLES_OFFSET == LMU_SCORING_VEHICLES_AT
    assert lmu.TELEMETRY_HEAD_OFFSET == LMU_TELEMETRY_AT
    assert lmu.TELEMETRY_VEHICLES_OFFSET == LMU_TELEMETRY_VEHICLES_AT


def test_hand_laid_lmu_data_decodes_into_frame_units(shm_dir: Path) -> None:
    scene = Rf2Scene(laps_done=2, last=210.5, best=209.75, abs_active=True, tc_active=False, others=3)
    rf2_write_files(shm_dir, {"LMU_Data": rf2_lmu_page(scene, player_index=2)})
    reader, mapper = LmuDataReader("lmu"), Rf2Mapper("lmu")
    reader.open()
    try:
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    frame = msgspec.msgpack.decode(encode(mapper.map(raw, "rig-a", 1, 1.0)), type=Frame)
    assert frame.speed_kmh == pytest.approx(180.0)
    assert frame.g_lat == pytest.approx(1.0)
    assert frame.tyre_temp_c == pytest.approx((80.0, 81.0, 82.0, 83.0))
    assert frame.tyre_pressure_psi[0] == pytest.approx(25.0)
    assert frame.brake_temp_c == pytest.approx((400.0, 410.0, 300.0, 310.0))
    assert frame.tyre_wear == pytest.approx((0.0, 0.1, 0.2, 0.25))
    assert (frame.lap, frame.last_lap_s, frame.best_lap_s) == (3, 210.5, 209.75)
    assert (frame.abs_active, frame.tc_active, frame.lap_valid) == (True, False, True)
    assert frame.track_pos == pytest.approx(0.1)
    session = mapper.session()
    assert session is not None
    assert (session.game, session.car, session.car_class, session.track) == (
        "lmu",
        "Porsche 963 #6",
        "Hypercar",
        "Circuit de Spa-Francorchamps",
    )


def test_an_invalidated_lap_is_reported(shm_dir: Path) -> None:
    rf2_write_files(shm_dir, {"LMU_Data": rf2_lmu_page(Rf2Scene(lap_invalidated=True))})
    reader, mapper = LmuDataReader("lmu"), Rf2Mapper("lmu")
    reader.open()
    try:
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    frame = mapper.map(raw, "rig-a", 1, 1.0)
    assert frame is not None
    assert frame.lap_valid is False


def test_no_player_vehicle_means_in_menu(shm_dir: Path) -> None:
    page = rf2_lmu_page(Rf2Scene())
    page[LMU_TELEMETRY_AT + 2] = 0  # playerHasVehicle
    rf2_write_files(shm_dir, {"LMU_Data": page})
    reader, mapper = LmuDataReader("lmu"), Rf2Mapper("lmu")
    reader.open()
    try:
        raw = reader.read()
    finally:
        reader.close()
    assert raw is not None
    assert mapper.map(raw, "rig-a", 1, 1.0) is None
    assert mapper.status() == "in menu"
