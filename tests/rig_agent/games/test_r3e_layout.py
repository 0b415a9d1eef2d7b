"""The ``$R3E`` ctypes layout against sizes and offsets worked out by hand from r3e.h (tests/.../r3e_page.py)."""

from __future__ import annotations

import ctypes
import struct

import pytest

from simcoach_agent.games.r3e import layout as lay
from tests.rig_agent.games import r3e_page as hand

# sizeof of every structure as the header implies it (pack 1: the sum of its members).
SIZES = {
    lay.R3EVec3F32: 12,
    lay.R3EVec3F64: 24,
    lay.R3EOriF32: 12,
    lay.R3ESectorStarts: 12,
    lay.R3EPlayerData: 560,
    lay.R3EFlags: 56,
    lay.R3ECarDamage: 24,
    lay.R3ECutTrackPenalties: 20,
    lay.R3EDrs: 16,
    lay.R3EPushToPass: 20,
    lay.R3ETireTemp: 24,
    lay.R3EBrakeTemp: 16,
    lay.R3EAidSettings: 20,
    lay.R3EDriverInfo: 128,
    lay.R3EDriverData: 328,
    lay.R3EHead: 2008,
    lay.R3EShared: 43996,
}


@pytest.mark.parametrize("structure", list(SIZES), ids=lambda s: s.__name__)
def test_every_structure_has_the_size_the_header_implies(structure):
    assert ctypes.sizeof(structure) == SIZES[structure]
    assert structure._pack_ == 1


def test_the_hand_table_agrees_on_the_totals():
    assert hand.SIZE == 43996 == lay.SHARED_SIZE
    assert hand.HEAD_SIZE == 2008 == lay.HEAD_SIZE == lay.ALL_DRIVERS_OFFSET
    assert hand.size_of(hand.DRIVER_DATA) == 328 == lay.DRIVER_DATA_SIZE
    assert hand.size_of(hand.PLAYER) == 560


def test_known_offsets():
    # Fixed points worked out by hand (and, for car_speed and the total, published by other readers).
    expected = {
        "version_major": 0,
        "game_paused": 20,
        "game_in_replay": 28,
        "player": 40,
        "player.game_simulation_ticks": 44,
        "track_name": 600,
        "layout_length": 736,
        "control_type": 1388,
        "car_speed": 1392,
        "throttle": 1500,
        "clutch": 1516,
        "num_cars": 2008,
    }
    for field, offset in expected.items():
        assert hand.FIELDS[field][0] == offset, field


def _ctypes_offset(path: str) -> int:
    """Offset of 'a.b[2].c' in R3EShared, walking the ctypes descriptors."""
    structure: type = lay.R3EShared
    offset = 0
    for part in path.split("."):
        name, _, index = part.partition("[")
        descriptor = getattr(structure, name)
        offset += descriptor.offset
        field_type = dict(structure._fields_)[name]
        if index:
            element = field_type._type_
            offset += int(index.rstrip("]")) * ctypes.sizeof(element)
            field_type = element
        structure = field_type
    return offset


def test_every_field_sits_where_the_hand_table_puts_it():
    assert len(hand.FIELDS) > 300
    for path, (offset, _) in hand.FIELDS.items():
        assert _ctypes_offset(path) == offset, path


def test_every_leaf_field_has_the_headers_c_type():
    kinds = {"i": ctypes.c_int32, "f": ctypes.c_float, "d": ctypes.c_double}
    for path, (_, fmt) in hand.FIELDS.items():
        if not fmt or fmt.endswith("s"):
            continue
        *parents, last = path.split(".")
        structure: type = lay.R3EShared
        for part in parents:
            name, _, index = part.partition("[")
            structure = dict(structure._fields_)[name]
            if index:
                structure = structure._type_
        field_type = dict(structure._fields_)[last]
        count = int(fmt[:-1] or 1)
        if count > 1:
            assert field_type._length_ == count, path
            field_type = field_type._type_
        assert field_type is kinds[fmt[-1]], path


def test_decoding_bytes_packed_from_the_hand_table():
    page = hand.driving_page(ticks=12345)
    page.set("tire_temp[2].current_temp", 61.5, 62.5, 63.5).set("brake_temp[3].optimal_temp", 550.0)
    s = lay.R3EShared.from_buffer_copy(bytes(page.buf))
    assert (s.version_major, s.version_minor) == (3, 5)
    assert s.all_drivers_offset == 2008 and s.driver_data_size == 328
    assert s.player.game_simulation_ticks == 12345
    assert s.player.position.z == -840.0
    assert list(s.player.ride_height) == [0.051, 0.052, 0.071, 0.072]
    assert bytes(s.track_name).rstrip(b"\0") == b"Circuit Zandvoort"
    assert s.vehicle_info.model_id == 4523 and s.vehicle_info.class_id == 1703
    assert s.car_speed == 50.0 and s.gear == 4
    assert s.local_acceleration.z == pytest.approx(4.903325)
    assert list(s.tire_temp[2].current_temp) == [61.5, 62.5, 63.5]
    assert s.brake_temp[3].optimal_temp == 550.0
    assert s.aid_settings.abs == 5
    assert s.num_cars == 1


def test_a_driver_table_entry_decodes_from_its_hand_offsets():
    page = hand.Page()
    entry = 2  # third car in the table
    base = hand.FIELDS["all_drivers_data_1"][0] + entry * hand.size_of(hand.DRIVER_DATA)
    inner = hand.fields_of(hand.DRIVER_DATA, base)
    struct.pack_into("<i", page.buf, inner["completed_laps"][0], 7)
    struct.pack_into("<f", page.buf, inner["lap_distance_fraction"][0], 0.5)
    struct.pack_into("<64s", page.buf, inner["driver_info.name"][0], "Élodie".encode())
    struct.pack_into("<3f", page.buf, inner["orientation.x"][0], 0.1, 0.2, 0.3)
    s = lay.R3EShared.from_buffer_copy(bytes(page.buf))
    driver = s.all_drivers_data_1[entry]
    assert driver.completed_laps == 7
    assert driver.lap_distance_fraction == 0.5
    assert bytes(driver.driver_info.name).rstrip(b"\0").decode() == "Élodie"
    assert driver.orientation.z == pytest.approx(0.3)
