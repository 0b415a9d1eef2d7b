"""The AMS2 ctypes layouts against sizes and offsets worked out by hand from SMS_UDP_Definitions.hpp.

Bytes are laid out by ``ams2_packets`` (struct.pack_into at the header's offsets, written
independently of the adapter) and must read back field by field through the adapter's structures.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any

import pytest

from simcoach_agent.games.ams2 import packets as lay
from tests.rig_agent.games import ams2_packets as hand

# sizeof of every structure as the header implies it (its comments, and its sPacketSize constants).
SIZES = {
    lay.PacketBase: 12,
    lay.TelemetryData: 559,
    lay.RaceData: 308,
    lay.ParticipantsData: 1136,
    lay.ParticipantInfo: 32,
    lay.TimingsData: 1063,
    lay.GameStateData: 24,
    lay.ParticipantStatsInfo: 32,
    lay.ParticipantsStats: 1024,
    lay.TimeStatsData: 1040,
    lay.VehicleInfo: 72,
    lay.ParticipantVehicleNamesData: 1164,
    lay.ClassInfo: 24,
    lay.VehicleClassNamesData: 1452,
}
PACKED = {lay.TelemetryData, lay.ParticipantInfo, lay.TimingsData}  # inside #pragma pack(1)


@pytest.mark.parametrize("structure", list(SIZES), ids=lambda s: s.__name__)
def test_every_structure_has_the_size_the_header_implies(structure):
    assert ctypes.sizeof(structure) == SIZES[structure]
    assert structure._pack_ == (1 if structure in PACKED else 8)


def test_the_packet_sizes_and_the_builds_without_tick_count():
    assert (lay.TELEMETRY_SIZE, lay.TELEMETRY_SIZE_NO_TICK) == (hand.TELEMETRY_SIZE, hand.TELEMETRY_SIZE_NO_TICK)
    assert (lay.TIMINGS_SIZE, lay.TIMINGS_SIZE_NO_TICK) == (hand.TIMINGS_SIZE, hand.TIMINGS_SIZE_NO_TICK)
    assert lay.TELEMETRY_SIZE - lay.TELEMETRY_SIZE_NO_TICK == 4 == lay.TIMINGS_SIZE - lay.TIMINGS_SIZE_NO_TICK
    assert (lay.RACE_DATA_SIZE, lay.PARTICIPANTS_SIZE, lay.GAME_STATE_SIZE) == (308, 1136, 24)
    assert (lay.TIME_STATS_SIZE, lay.VEHICLE_NAMES_SIZE, lay.CLASS_NAMES_SIZE) == (1040, 1164, 1452)


def test_known_offsets():
    # Points where the header's own offset comments are easy to misread.
    assert lay.TelemetryData.sJoyPad0.offset == 373  # the header comment says 376; packed it is 373
    assert lay.TelemetryData.sTyreCompound.offset == 378
    assert lay.TelemetryData.sFullPosition.offset == 542
    assert lay.TimingsData.sPartcipants.offset == 33
    assert lay.TimingsData.sLocalParticipantIndex.offset == 1057
    assert lay.VehicleInfo.sClass.offset == 4  # naturally aligned, not 2
    assert lay.GameStateData.mGameState.offset == 14
    assert lay.ParticipantsData.sNationality.offset == 1040


def test_the_header_and_packet_types():
    assert [(name, getattr(lay.PacketBase, name).offset) for name, _, _ in hand.HEADER] == [
        (name, offset) for name, offset, _ in hand.HEADER
    ]
    assert (lay.CAR_PHYSICS, lay.RACE_DEFINITION, lay.PARTICIPANTS, lay.TIMINGS, lay.GAME_STATE) == (0, 1, 2, 3, 4)
    assert (lay.TIME_STATS, lay.PARTICIPANT_VEHICLE_NAMES) == (7, 8)
    versions = {
        lay.CAR_PHYSICS: lay.CAR_PHYSICS_VERSION,
        lay.RACE_DEFINITION: lay.RACE_DEFINITION_VERSION,
        lay.PARTICIPANTS: lay.PARTICIPANTS_VERSION,
        lay.TIMINGS: lay.TIMINGS_VERSION,
        lay.GAME_STATE: lay.GAME_STATE_VERSION,
        lay.TIME_STATS: lay.TIME_STATS_VERSION,
        lay.PARTICIPANT_VEHICLE_NAMES: lay.PARTICIPANT_VEHICLE_NAMES_VERSION,
    }
    assert versions == hand.VERSIONS


# --- every field, through bytes written by hand ------------------------------------------


def distinct_values(table: list[tuple[str, int, str]], seed: int) -> dict[str, Any]:
    """A value per field, different from field to field, exactly representable in its type."""
    values: dict[str, Any] = {}
    for n, (name, _, fmt) in enumerate(table, start=seed):
        count = int(fmt[:-1]) if fmt[:-1] else 1
        code = fmt[-1]
        if code == "s":
            values[name] = f"{name[:20]}#{n}".encode()[: count - 1]
            continue
        items = [_value(code, n * 10 + k) for k in range(count)]
        values[name] = items if count > 1 else items[0]
    return values


def _value(code: str, n: int) -> Any:
    return {
        "B": n % 250 + 1,
        "b": -(n % 120) - 1,
        "H": (n * 131) % 65000 + 1,
        "h": -((n * 97) % 32000) - 1,
        "I": (n * 2654435761) % 2**32,
        "f": n + 0.25,
    }[code]


def read_back(obj: ctypes.Structure, name: str) -> Any:
    if name.endswith("]"):
        field, index = name[:-1].split("[")
        return getattr(obj, field)[int(index)].value
    value = getattr(obj, name)
    return list(value) if isinstance(value, ctypes.Array) else value


def assert_fields(obj: ctypes.Structure, expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        assert read_back(obj, name) == value, name


def test_every_telemetry_field_reads_back_where_the_header_puts_it():
    values = distinct_values(hand.TELEMETRY, seed=1)
    data = hand.telemetry(values, number=77)
    assert len(data) == 559
    obj = lay.TelemetryData.from_buffer_copy(data)
    assert_fields(obj, values)
    assert (obj.sBase.mPacketNumber, obj.sBase.mPacketType, obj.sBase.mPacketVersion) == (77, 0, 2)


def test_the_555_byte_telemetry_is_the_same_layout_without_the_tick_count():
    values = distinct_values(hand.TELEMETRY, seed=3)
    short = hand.telemetry(values, tick=False)
    assert len(short) == 555
    obj = lay.TelemetryData.from_buffer_copy(short + bytes(4))
    assert_fields(obj, {k: v for k, v in values.items() if k != "sTickCount"})


def test_every_race_definition_field_reads_back():
    values = distinct_values(hand.RACE, seed=5)
    buf = bytearray(hand.RACE_SIZE)
    hand.header(buf, hand.TYPE_RACE)
    hand.put(buf, hand.RACE, values)
    assert_fields(lay.RaceData.from_buffer_copy(bytes(buf)), values)


def test_every_participants_field_reads_back():
    buf = bytearray(hand.PARTICIPANTS_SIZE)
    hand.header(buf, hand.TYPE_PARTICIPANTS, part=2, parts=2)
    hand.put(buf, hand.PARTICIPANTS, {"sParticipantsChangedTimestamp": 123456})
    names, nationalities, indices = [], [], []
    for i in range(16):
        for (first, stride, fmt), value, out in (
            (hand.PARTICIPANT_NAME, f"Driver {i}".encode(), names),
            (hand.PARTICIPANT_NATIONALITY, 1000 + i, nationalities),
            (hand.PARTICIPANT_INDEX, 500 + i, indices),
        ):
            struct.pack_into("<" + fmt, buf, first + i * stride, value)
            out.append(value)
    obj = lay.ParticipantsData.from_buffer_copy(bytes(buf))
    assert obj.sBase.mPartialPacketIndex == 2
    assert obj.sParticipantsChangedTimestamp == 123456
    assert [obj.sName[i].value for i in range(16)] == names
    assert list(obj.sNationality) == nationalities
    assert list(obj.sIndex) == indices


@pytest.mark.parametrize("tick", [True, False], ids=["1063 bytes", "1059 bytes"])
def test_every_timings_field_reads_back_for_every_participant_slot(tick):
    top = distinct_values(hand.TIMINGS, seed=7)
    slots = {i: distinct_values(hand.TIMING_PARTICIPANT, seed=20 + 13 * i) for i in range(32)}
    data = hand.timings(slots, tick=tick, **top)
    assert len(data) == (1063 if tick else 1059)
    obj = lay.TimingsData.from_buffer_copy(data if tick else data + bytes(4))
    if not tick:
        top.pop("sTickCount")
    assert_fields(obj, top)
    for i, expected in slots.items():
        assert_fields(obj.sPartcipants[i], expected)


def test_every_game_state_field_reads_back():
    values = distinct_values(hand.GAME_STATE, seed=9)
    buf = bytearray(hand.GAME_STATE_SIZE)
    hand.header(buf, hand.TYPE_GAME_STATE)
    hand.put(buf, hand.GAME_STATE, values)
    assert_fields(lay.GameStateData.from_buffer_copy(bytes(buf)), values)


def test_every_time_stats_field_reads_back_for_every_participant_slot():
    records = {i: distinct_values(hand.STATS_PARTICIPANT, seed=40 + 11 * i) for i in range(32)}
    obj = lay.TimeStatsData.from_buffer_copy(hand.time_stats(records))
    for i, expected in records.items():
        assert_fields(obj.sStats.sParticipants[i], expected)


def test_every_vehicle_and_class_name_field_reads_back():
    vehicles = [(100 + i, 7 * i, f"Car {i}") for i in range(16)]
    obj = lay.ParticipantVehicleNamesData.from_buffer_copy(hand.vehicle_names(vehicles))
    got = [(v.sIndex, v.sClass, v.sName.decode()) for v in obj.sVehicles]
    assert got == vehicles
    classes = [(3 * i, f"Class {i}") for i in range(60)]
    obj2 = lay.VehicleClassNamesData.from_buffer_copy(hand.class_names(classes))
    assert [(c.sClassIndex, c.sName.decode()) for c in obj2.sClasses] == classes


def test_a_name_filling_its_whole_array_has_no_terminator_and_is_kept_whole():
    buf = bytearray(hand.RACE_SIZE)
    hand.put(buf, hand.RACE, {"sTrackLocation": b"L" * 64, "sTrackVariation": b"V"})
    obj = lay.RaceData.from_buffer_copy(bytes(buf))
    assert obj.sTrackLocation == b"L" * 64
    assert obj.sTrackVariation == b"V"
