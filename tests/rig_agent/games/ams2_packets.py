"""Test-side byte layouts of the Project CARS 2 UDP packets, written by hand from SMS_UDP_Definitions.hpp.

Independent of the adapter's ctypes structures on purpose: every offset below was derived
from the header's field order, C types and packing (pack(1) for telemetry and timings,
natural alignment elsewhere), so that a mistake in one cannot hide in both. Used by the
layout tests and by the sender that plays a lap over real UDP.
"""

from __future__ import annotations

import struct
from typing import Any

# (field, offset, struct format) — little-endian; "4B" = array of 4, "64s" = char[64].
HEADER = [
    ("mPacketNumber", 0, "I"),
    ("mCategoryPacketNumber", 4, "I"),
    ("mPartialPacketIndex", 8, "B"),
    ("mPartialPacketNumber", 9, "B"),
    ("mPacketType", 10, "B"),
    ("mPacketVersion", 11, "B"),
]

TELEMETRY = [
    ("sViewedParticipantIndex", 12, "b"),
    ("sUnfilteredThrottle", 13, "B"),
    ("sUnfilteredBrake", 14, "B"),
    ("sUnfilteredSteering", 15, "b"),
    ("sUnfilteredClutch", 16, "B"),
    ("sCarFlags", 17, "B"),
    ("sOilTempCelsius", 18, "h"),
    ("sOilPressureKPa", 20, "H"),
    ("sWaterTempCelsius", 22, "h"),
    ("sWaterPressureKpa", 24, "H"),
    ("sFuelPressureKpa", 26, "H"),
    ("sFuelCapacity", 28, "B"),
    ("sBrake", 29, "B"),
    ("sThrottle", 30, "B"),
    ("sClutch", 31, "B"),
    ("sFuelLevel", 32, "f"),
    ("sSpeed", 36, "f"),
    ("sRpm", 40, "H"),
    ("sMaxRpm", 42, "H"),
    ("sSteering", 44, "b"),
    ("sGearNumGears", 45, "B"),
    ("sBoostAmount", 46, "B"),
    ("sCrashState", 47, "B"),
    ("sOdometerKM", 48, "f"),
    ("sOrientation", 52, "3f"),
    ("sLocalVelocity", 64, "3f"),
    ("sWorldVelocity", 76, "3f"),
    ("sAngularVelocity", 88, "3f"),
    ("sLocalAcceleration", 100, "3f"),
    ("sWorldAcceleration", 112, "3f"),
    ("sExtentsCentre", 124, "3f"),
    ("sTyreFlags", 136, "4B"),
    ("sTerrain", 140, "4B"),
    ("sTyreY", 144, "4f"),
    ("sTyreRPS", 160, "4f"),
    ("sTyreTemp", 176, "4B"),
    ("sTyreHeightAboveGround", 180, "4f"),
    ("sTyreWear", 196, "4B"),
    ("sBrakeDamage", 200, "4B"),
    ("sSuspensionDamage", 204, "4B"),
    ("sBrakeTempCelsius", 208, "4h"),
    ("sTyreTreadTemp", 216, "4H"),
    ("sTyreLayerTemp", 224, "4H"),
    ("sTyreCarcassTemp", 232, "4H"),
    ("sTyreRimTemp", 240, "4H"),
    ("sTyreInternalAirTemp", 248, "4H"),
    ("sTyreTempLeft", 256, "4H"),
    ("sTyreTempCenter", 264, "4H"),
    ("sTyreTempRight", 272, "4H"),
    ("sWheelLocalPositionY", 280, "4f"),
    ("sRideHeight", 296, "4f"),
    ("sSuspensionTravel", 312, "4f"),
    ("sSuspensionVelocity", 328, "4f"),
    ("sSuspensionRideHeight", 344, "4H"),
    ("sAirPressure", 352, "4H"),
    ("sEngineSpeed", 360, "f"),
    ("sEngineTorque", 364, "f"),
    ("sWings", 368, "2B"),
    ("sHandBrake", 370, "B"),
    ("sAeroDamage", 371, "B"),
    ("sEngineDamage", 372, "B"),
    ("sJoyPad0", 373, "I"),
    ("sDPad", 377, "B"),
    ("sTyreCompound[0]", 378, "40s"),
    ("sTyreCompound[1]", 418, "40s"),
    ("sTyreCompound[2]", 458, "40s"),
    ("sTyreCompound[3]", 498, "40s"),
    ("sTurboBoostPressure", 538, "f"),
    ("sFullPosition", 542, "3f"),
    ("sBrakeBias", 554, "B"),
    ("sTickCount", 555, "I"),
]
TELEMETRY_SIZE = 559
TELEMETRY_SIZE_NO_TICK = 555

RACE = [
    ("sWorldFastestLapTime", 12, "f"),
    ("sPersonalFastestLapTime", 16, "f"),
    ("sPersonalFastestSector1Time", 20, "f"),
    ("sPersonalFastestSector2Time", 24, "f"),
    ("sPersonalFastestSector3Time", 28, "f"),
    ("sWorldFastestSector1Time", 32, "f"),
    ("sWorldFastestSector2Time", 36, "f"),
    ("sWorldFastestSector3Time", 40, "f"),
    ("sTrackLength", 44, "f"),
    ("sTrackLocation", 48, "64s"),
    ("sTrackVariation", 112, "64s"),
    ("sTranslatedTrackLocation", 176, "64s"),
    ("sTranslatedTrackVariation", 240, "64s"),
    ("sLapsTimeInEvent", 304, "H"),
    ("sEnforcedPitStopLap", 306, "b"),
]
RACE_SIZE = 308  # 307 rounded up to the struct's 4-byte alignment

PARTICIPANTS = [("sParticipantsChangedTimestamp", 12, "I")]
PARTICIPANT_NAME = (16, 64, "64s")  # first offset, stride, format: sName[16][64]
PARTICIPANT_NATIONALITY = (1040, 4, "I")
PARTICIPANT_INDEX = (1104, 2, "H")
PARTICIPANTS_SIZE = 1136

TIMINGS = [
    ("sNumParticipants", 12, "b"),
    ("sParticipantsChangedTimestamp", 13, "I"),
    ("sEventTimeRemaining", 17, "f"),
    ("sSplitTimeAhead", 21, "f"),
    ("sSplitTimeBehind", 25, "f"),
    ("sSplitTime", 29, "f"),
    ("sLocalParticipantIndex", 1057, "H"),
    ("sTickCount", 1059, "I"),
]
TIMING_FIRST, TIMING_STRIDE = 33, 32  # sPartcipants[32], pack(1)
TIMING_PARTICIPANT = [
    ("sWorldPosition", 0, "3h"),
    ("sOrientation", 6, "3h"),
    ("sCurrentLapDistance", 12, "H"),
    ("sRacePosition", 14, "B"),
    ("sSector", 15, "B"),
    ("sHighestFlag", 16, "B"),
    ("sPitModeSchedule", 17, "B"),
    ("sCarIndex", 18, "H"),
    ("sRaceState", 20, "B"),
    ("sCurrentLap", 21, "B"),
    ("sCurrentTime", 22, "f"),
    ("sCurrentSectorTime", 26, "f"),
    ("sMPParticipantIndex", 30, "H"),
]
TIMINGS_SIZE = 1063
TIMINGS_SIZE_NO_TICK = 1059

GAME_STATE = [
    ("mBuildVersionNumber", 12, "H"),
    ("mGameState", 14, "B"),
    ("sAmbientTemperature", 15, "b"),
    ("sTrackTemperature", 16, "b"),
    ("sRainDensity", 17, "B"),
    ("sSnowDensity", 18, "B"),
    ("sWindSpeed", 19, "b"),
    ("sWindDirectionX", 20, "b"),
    ("sWindDirectionY", 21, "b"),
]
GAME_STATE_SIZE = 24

TIME_STATS = [("sParticipantsChangedTimestamp", 12, "I")]
STATS_FIRST, STATS_STRIDE = 16, 32  # sStats.sParticipants[32], 30 bytes padded to 32
STATS_PARTICIPANT = [
    ("sFastestLapTime", 0, "f"),
    ("sLastLapTime", 4, "f"),
    ("sLastSectorTime", 8, "f"),
    ("sFastestSector1Time", 12, "f"),
    ("sFastestSector2Time", 16, "f"),
    ("sFastestSector3Time", 20, "f"),
    ("sParticipantOnlineRep", 24, "I"),
    ("sMPParticipantIndex", 28, "H"),
]
TIME_STATS_SIZE = 1040

VEHICLE_FIRST, VEHICLE_STRIDE = 12, 72  # sVehicles[16]: u16, 2 bytes padding, u32, char[64]
VEHICLE = [("sIndex", 0, "H"), ("sClass", 4, "I"), ("sName", 8, "64s")]
VEHICLE_NAMES_SIZE = 1164

CLASS_FIRST, CLASS_STRIDE = 12, 24  # sClasses[60]
CLASS = [("sClassIndex", 0, "I"), ("sName", 4, "20s")]
CLASS_NAMES_SIZE = 1452

# Packet types and the versions of the header's *_HANDLER_VERSION defines.
TYPE_TELEMETRY, TYPE_RACE, TYPE_PARTICIPANTS, TYPE_TIMINGS, TYPE_GAME_STATE = 0, 1, 2, 3, 4
TYPE_TIME_STATS, TYPE_VEHICLE_NAMES = 7, 8
VERSIONS = {0: 2, 1: 1, 2: 1, 3: 1, 4: 2, 7: 1, 8: 2}


def put(buf: bytearray, table: list[tuple[str, int, str]], values: dict[str, Any], base: int = 0) -> None:
    """Write ``values`` into ``buf`` at the table's offsets (fields not given stay zero)."""
    for name, offset, fmt in table:
        if name not in values:
            continue
        value = values[name]
        items = value if isinstance(value, list | tuple) else [value]
        struct.pack_into("<" + fmt, buf, base + offset, *items)


def get(buf: bytes, table: list[tuple[str, int, str]], name: str, base: int = 0) -> Any:
    for field, offset, fmt in table:
        if field == name:
            items = struct.unpack_from("<" + fmt, buf, base + offset)
            return items if len(items) > 1 else items[0]
    raise KeyError(name)


def header(
    buf: bytearray, kind: int, number: int = 0, *, part: int = 1, parts: int = 1, version: int | None = None
) -> None:
    put(
        buf,
        HEADER,
        {
            "mPacketNumber": number,
            "mCategoryPacketNumber": number,
            "mPartialPacketIndex": part,
            "mPartialPacketNumber": parts,
            "mPacketType": kind,
            "mPacketVersion": VERSIONS[kind] if version is None else version,
        },
    )


def telemetry(values: dict[str, Any], number: int = 0, tick: bool = True, version: int | None = None) -> bytes:
    buf = bytearray(TELEMETRY_SIZE)
    header(buf, TYPE_TELEMETRY, number, version=version)
    put(buf, TELEMETRY, values)
    return bytes(buf if tick else buf[:TELEMETRY_SIZE_NO_TICK])


def timings(participants: dict[int, dict[str, Any]], number: int = 0, tick: bool = True, **values: Any) -> bytes:
    buf = bytearray(TIMINGS_SIZE)
    header(buf, TYPE_TIMINGS, number)
    put(buf, TIMINGS, {"sNumParticipants": len(participants), **values})
    for index, fields in participants.items():
        put(buf, TIMING_PARTICIPANT, fields, base=TIMING_FIRST + index * TIMING_STRIDE)
    return bytes(buf if tick else buf[:TIMINGS_SIZE_NO_TICK])


def race(location: str, variation: str, length_m: float, number: int = 0, laps_time: int = 0) -> bytes:
    buf = bytearray(RACE_SIZE)
    header(buf, TYPE_RACE, number)
    put(
        buf,
        RACE,
        {
            "sTrackLocation": location.encode(),
            "sTrackVariation": variation.encode(),
            "sTrackLength": length_m,
            "sLapsTimeInEvent": laps_time,
        },
    )
    return bytes(buf)


def participants(names: list[str], part: int = 1, parts: int = 1, number: int = 0) -> bytes:
    buf = bytearray(PARTICIPANTS_SIZE)
    header(buf, TYPE_PARTICIPANTS, number, part=part, parts=parts)
    first, stride, fmt = PARTICIPANT_NAME
    for i, name in enumerate(names[:16]):
        struct.pack_into("<" + fmt, buf, first + i * stride, name.encode())
    return bytes(buf)


def game_state(state: int, session: int, number: int = 0) -> bytes:
    """mGameState: game state in the low 3 bits, session state from bit 4."""
    buf = bytearray(GAME_STATE_SIZE)
    header(buf, TYPE_GAME_STATE, number)
    put(buf, GAME_STATE, {"mBuildVersionNumber": 1234, "mGameState": state | session << 4, "sAmbientTemperature": 21})
    return bytes(buf)


def time_stats(records: dict[int, dict[str, Any]], number: int = 0) -> bytes:
    buf = bytearray(TIME_STATS_SIZE)
    header(buf, TYPE_TIME_STATS, number)
    for index, fields in records.items():
        put(buf, STATS_PARTICIPANT, fields, base=STATS_FIRST + index * STATS_STRIDE)
    return bytes(buf)


def vehicle_names(vehicles: list[tuple[int, int, str]], part: int = 1, parts: int = 2, number: int = 0) -> bytes:
    buf = bytearray(VEHICLE_NAMES_SIZE)
    header(buf, TYPE_VEHICLE_NAMES, number, part=part, parts=parts)
    for i, (index, klass, name) in enumerate(vehicles[:16]):
        put(
            buf,
            VEHICLE,
            {"sIndex": index, "sClass": klass, "sName": name.encode()},
            base=VEHICLE_FIRST + i * VEHICLE_STRIDE,
        )
    return bytes(buf)


def class_names(classes: list[tuple[int, str]], part: int = 2, parts: int = 2, number: int = 0) -> bytes:
    buf = bytearray(CLASS_NAMES_SIZE)
    header(buf, TYPE_VEHICLE_NAMES, number, part=part, parts=parts)
    for i, (index, name) in enumerate(classes[:60]):
        put(buf, CLASS, {"sClassIndex": index, "sName": name.encode()}, base=CLASS_FIRST + i * CLASS_STRIDE)
    return bytes(buf)
