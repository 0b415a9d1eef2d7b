"""Byte layouts of the Project CARS 2 UDP packets ("UDP protocol v2") that Automobilista 2 sends.

Followed: SMS_UDP_Definitions.hpp, the Project CARS 2 header as published by Slightly Mad
Studios (Patch 5 and later: telemetry sPacketSize 559, timings 1063). The text of that final
header is quoted struct by struct in leroythelegend/roughidea_pcars_osx (udp/Packet*.swift);
the earlier official header with the version defines and the ``#pragma pack`` placement is
saildeep/pcars2-udp SMS_UDP_Definitions.hpp (telemetry 538). Both agree on every shared field.

Packing, as in the header: sTelemetryData, sParticipantInfo and sTimingsData sit inside
``#pragma pack(push, 1)``; every other struct uses the compiler's default packing (MSVC /Zp8,
natural alignment), which is why sVehicleInfo is 72 bytes and sGameStateData 24.
All multi-byte values are little-endian. ``char`` strings are 8-bit, NUL-terminated.

Wheel arrays are in the order FL, FR, RL, RR. Some packet ends differ between game builds:
telemetry and timings gained a trailing ``sTickCount`` (telemetry 555 -> 559 bytes, timings
1059 -> 1063); both lengths are the same layout, the shorter one without the tick count.
"""

from __future__ import annotations

import ctypes
from typing import Final

# --- EUDPStreamerPacketHandlerType: PacketBase.mPacketType -------------------------------
CAR_PHYSICS: Final = 0  # sTelemetryData
RACE_DEFINITION: Final = 1  # sRaceData
PARTICIPANTS: Final = 2  # sParticipantsData
TIMINGS: Final = 3  # sTimingsData
GAME_STATE: Final = 4  # sGameStateData
WEATHER_STATE: Final = 5  # not sent ("information can be found in the game state packet")
VEHICLE_NAMES: Final = 6  # not sent
TIME_STATS: Final = 7  # sTimeStatsData
PARTICIPANT_VEHICLE_NAMES: Final = 8  # sParticipantVehicleNamesData, or sVehicleClassNamesData (told apart by size)

# --- PacketBase.mPacketVersion per handler (the header's *_HANDLER_VERSION defines) ------
# Not what shipping builds stamp: a real Project CARS 2 capture has telemetry 4 and participants
# 3 on these very layouts. Packets are recognised by type and length; versions are information.
CAR_PHYSICS_VERSION: Final = 2  # UDP_STREAMER_CAR_PHYSICS_HANDLER_VERSION
RACE_DEFINITION_VERSION: Final = 1  # UDP_STREAMER_RACE_STATE_HANDLER_VERSION
PARTICIPANTS_VERSION: Final = 1  # UDP_STREAMER_PARTICIPANTS_HANDLER_VERSION
TIMINGS_VERSION: Final = 1  # UDP_STREAMER_TIMINGS_HANDLER_VERSION
GAME_STATE_VERSION: Final = 2  # UDP_STREAMER_GAME_STATE_HANDLER_VERSION
TIME_STATS_VERSION: Final = 1  # UDP_STREAMER_TIME_STATS_HANDLER_VERSION
PARTICIPANT_VEHICLE_NAMES_VERSION: Final = 2  # UDP_STREAMER_PARTICIPANT_VEHICLE_NAMES_HANDLER_VERSION

# --- Array sizes --------------------------------------------------------------------------
SMS_UDP_PORT: Final = 5606
SMS_UDP_MAX_PACKETSIZE: Final = 1500
TYRE_NAME_LENGTH_MAX: Final = 40
PARTICIPANT_NAME_LENGTH_MAX: Final = 64
PARTICIPANTS_PER_PACKET: Final = 16
UDP_STREAMER_PARTICIPANTS_SUPPORTED: Final = 32
TRACKNAME_LENGTH_MAX: Final = 64
VEHICLE_NAME_LENGTH_MAX: Final = 64
CLASS_NAME_LENGTH_MAX: Final = 20
VEHICLES_PER_PACKET: Final = 16
CLASSES_SUPPORTED_PER_PACKET: Final = 60

# --- Enums the header refers to ("see shared memory example file for the enums") ---------
# Game state: low 3 bits of sGameStateData.mGameState.
GAME_EXITED: Final = 0
GAME_FRONT_END: Final = 1
GAME_INGAME_PLAYING: Final = 2
GAME_INGAME_PAUSED: Final = 3
GAME_INGAME_INMENU_TIME_TICKING: Final = 4
GAME_INGAME_RESTARTING: Final = 5
GAME_INGAME_REPLAY: Final = 6
GAME_FRONT_END_REPLAY: Final = 7
# Session state: bits 4..6 of mGameState.
SESSION_INVALID: Final = 0
SESSION_PRACTICE: Final = 1
SESSION_TEST: Final = 2
SESSION_QUALIFY: Final = 3
SESSION_FORMATION_LAP: Final = 4
SESSION_RACE: Final = 5
SESSION_TIME_ATTACK: Final = 6
# Pit mode: low nibble of sParticipantInfo.sPitModeSchedule (pit schedule in the high nibble).
PIT_MODE_NONE: Final = 0
PIT_MODE_DRIVING_INTO_PITS: Final = 1
PIT_MODE_IN_PIT: Final = 2
PIT_MODE_DRIVING_OUT_OF_PITS: Final = 3
PIT_MODE_IN_GARAGE: Final = 4
PIT_MODE_DRIVING_OUT_OF_GARAGE: Final = 5
# sCarFlags bits.
CAR_HEADLIGHT: Final = 1 << 0
CAR_ENGINE_ACTIVE: Final = 1 << 1
CAR_ENGINE_WARNING: Final = 1 << 2
CAR_SPEED_LIMITER: Final = 1 << 3
CAR_ABS: Final = 1 << 4
CAR_HANDBRAKE: Final = 1 << 5
CAR_TCS: Final = 1 << 6  # AMS2 shared memory addition
CAR_SCS: Final = 1 << 7  # AMS2 shared memory addition
# Bit fields of sParticipantInfo.
RACE_POSITION_MASK: Final = 0x7F  # sRacePosition: position ...
PARTICIPANT_ACTIVE: Final = 0x80  # ... + top bit: participant is active
SECTOR_MASK: Final = 0x07  # sSector: sector; bits 4-5 / 6-7 add z / x position precision in 1/4 m
RACE_STATE_MASK: Final = 0x07  # sRaceState: race state enum ...
LAP_INVALIDATED: Final = 0x08  # ... + bit 3: the current lap is invalidated
CAR_INDEX_MASK: Final = 0x7FFF  # sCarIndex: index ...
CAR_INDEX_HUMAN: Final = 0x8000  # ... + top bit: a (local or remote) human drives
# sGearNumGears: gear in the low nibble (15 = reverse), number of gears in the high nibble.
GEAR_REVERSE_NIBBLE: Final = 0x0F


class PacketBase(ctypes.LittleEndianStructure):
    """PacketBase: the 12-byte header of every packet (default packing; no padding inside)."""

    _pack_ = 8
    _fields_ = [
        ("mPacketNumber", ctypes.c_uint32),  # 0 counter of all packets sent during the game run
        ("mCategoryPacketNumber", ctypes.c_uint32),  # 4 counter of the packets of this category (type)
        ("mPartialPacketIndex", ctypes.c_uint8),  # 8 index of this part when a class is split over packets
        ("mPartialPacketNumber", ctypes.c_uint8),  # 9 number of parts
        ("mPacketType", ctypes.c_uint8),  # 10 EUDPStreamerPacketHandlerType
        ("mPacketVersion", ctypes.c_uint8),  # 11 version of that type's handler (information only)
    ]


class TelemetryData(ctypes.LittleEndianStructure):
    """sTelemetryData (eCarPhysics; header version 2, shipping builds 4): the viewed car, each UDP tick. 559 bytes."""

    _pack_ = 1
    _fields_ = [
        ("sBase", PacketBase),  # 0
        # Participant info
        ("sViewedParticipantIndex", ctypes.c_int8),  # 12 index into the timings/participants arrays, -1 unset
        # Unfiltered input
        ("sUnfilteredThrottle", ctypes.c_uint8),  # 13 0..255
        ("sUnfilteredBrake", ctypes.c_uint8),  # 14 0..255
        ("sUnfilteredSteering", ctypes.c_int8),  # 15 -127 (left) .. 127 (right)
        ("sUnfilteredClutch", ctypes.c_uint8),  # 16 0..255
        # Car state
        ("sCarFlags", ctypes.c_uint8),  # 17 CAR_* bits
        ("sOilTempCelsius", ctypes.c_int16),  # 18 °C
        ("sOilPressureKPa", ctypes.c_uint16),  # 20 kPa
        ("sWaterTempCelsius", ctypes.c_int16),  # 22 °C
        ("sWaterPressureKpa", ctypes.c_uint16),  # 24 kPa
        ("sFuelPressureKpa", ctypes.c_uint16),  # 26 kPa
        ("sFuelCapacity", ctypes.c_uint8),  # 28 litres
        ("sBrake", ctypes.c_uint8),  # 29 filtered, 0..255
        ("sThrottle", ctypes.c_uint8),  # 30 filtered, 0..255
        ("sClutch", ctypes.c_uint8),  # 31 filtered, 0..255
        ("sFuelLevel", ctypes.c_float),  # 32 fraction of the capacity, 0..1
        ("sSpeed", ctypes.c_float),  # 36 m/s
        ("sRpm", ctypes.c_uint16),  # 40 rpm
        ("sMaxRpm", ctypes.c_uint16),  # 42 rpm
        ("sSteering", ctypes.c_int8),  # 44 filtered, -127..127
        ("sGearNumGears", ctypes.c_uint8),  # 45 gear (low nibble, 15 = reverse) | number of gears << 4
        ("sBoostAmount", ctypes.c_uint8),  # 46 0..100
        ("sCrashState", ctypes.c_uint8),  # 47 crash damage state enum
        ("sOdometerKM", ctypes.c_float),  # 48 km
        ("sOrientation", ctypes.c_float * 3),  # 52 Euler angles, rad
        ("sLocalVelocity", ctypes.c_float * 3),  # 64 m/s, car space
        ("sWorldVelocity", ctypes.c_float * 3),  # 76 m/s, world space
        ("sAngularVelocity", ctypes.c_float * 3),  # 88 rad/s
        ("sLocalAcceleration", ctypes.c_float * 3),  # 100 m/s², car space X, Y (up), Z
        ("sWorldAcceleration", ctypes.c_float * 3),  # 112 m/s², world space
        ("sExtentsCentre", ctypes.c_float * 3),  # 124 car space X Y Z
        ("sTyreFlags", ctypes.c_uint8 * 4),  # 136 TYRE_* bits
        ("sTerrain", ctypes.c_uint8 * 4),  # 140 terrain material enum
        ("sTyreY", ctypes.c_float * 4),  # 144 car space Y
        ("sTyreRPS", ctypes.c_float * 4),  # 160 revolutions per second
        ("sTyreTemp", ctypes.c_uint8 * 4),  # 176 °C
        ("sTyreHeightAboveGround", ctypes.c_float * 4),  # 180 car space Y
        ("sTyreWear", ctypes.c_uint8 * 4),  # 196 0..255 (fraction worn)
        ("sBrakeDamage", ctypes.c_uint8 * 4),  # 200 0..255
        ("sSuspensionDamage", ctypes.c_uint8 * 4),  # 204 0..255
        ("sBrakeTempCelsius", ctypes.c_int16 * 4),  # 208 °C
        ("sTyreTreadTemp", ctypes.c_uint16 * 4),  # 216 K
        ("sTyreLayerTemp", ctypes.c_uint16 * 4),  # 224 K
        ("sTyreCarcassTemp", ctypes.c_uint16 * 4),  # 232 K
        ("sTyreRimTemp", ctypes.c_uint16 * 4),  # 240 K
        ("sTyreInternalAirTemp", ctypes.c_uint16 * 4),  # 248 K
        ("sTyreTempLeft", ctypes.c_uint16 * 4),  # 256 °C, left third of the tread
        ("sTyreTempCenter", ctypes.c_uint16 * 4),  # 264 °C, middle third
        ("sTyreTempRight", ctypes.c_uint16 * 4),  # 272 °C, right third
        ("sWheelLocalPositionY", ctypes.c_float * 4),  # 280 car space Y
        ("sRideHeight", ctypes.c_float * 4),  # 296 unit not stated by the header
        ("sSuspensionTravel", ctypes.c_float * 4),  # 312 m
        ("sSuspensionVelocity", ctypes.c_float * 4),  # 328 m/s, pushrod deflection rate
        ("sSuspensionRideHeight", ctypes.c_uint16 * 4),  # 344 unit not stated by the header
        ("sAirPressure", ctypes.c_uint16 * 4),  # 352 kPa (centibar)
        ("sEngineSpeed", ctypes.c_float),  # 360 rad/s
        ("sEngineTorque", ctypes.c_float),  # 364 N·m
        ("sWings", ctypes.c_uint8 * 2),  # 368 0..255
        ("sHandBrake", ctypes.c_uint8),  # 370 0..255
        # Car damage
        ("sAeroDamage", ctypes.c_uint8),  # 371 0..255
        ("sEngineDamage", ctypes.c_uint8),  # 372 0..255
        # HW state (the header's offset comments say 376/377 here; packed, the fields sit at 373/377)
        ("sJoyPad0", ctypes.c_uint32),  # 373 button mask
        ("sDPad", ctypes.c_uint8),  # 377 button mask
        ("sTyreCompound", (ctypes.c_char * TYRE_NAME_LENGTH_MAX) * 4),  # 378 compound name per tyre
        ("sTurboBoostPressure", ctypes.c_float),  # 538
        ("sFullPosition", ctypes.c_float * 3),  # 542 world position of the viewed car, m, full precision
        ("sBrakeBias", ctypes.c_uint8),  # 554 quantized brake bias
        ("sTickCount", ctypes.c_uint32),  # 555 game tick; absent in 555-byte packets of older builds
    ]


class RaceData(ctypes.LittleEndianStructure):
    """sRaceData (eRaceDefinition, version 1): the event and track. 308 bytes (307 + tail padding)."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0
        ("sWorldFastestLapTime", ctypes.c_float),  # 12 s
        ("sPersonalFastestLapTime", ctypes.c_float),  # 16 s
        ("sPersonalFastestSector1Time", ctypes.c_float),  # 20 s
        ("sPersonalFastestSector2Time", ctypes.c_float),  # 24 s
        ("sPersonalFastestSector3Time", ctypes.c_float),  # 28 s
        ("sWorldFastestSector1Time", ctypes.c_float),  # 32 s
        ("sWorldFastestSector2Time", ctypes.c_float),  # 36 s
        ("sWorldFastestSector3Time", ctypes.c_float),  # 40 s
        ("sTrackLength", ctypes.c_float),  # 44 m
        ("sTrackLocation", ctypes.c_char * TRACKNAME_LENGTH_MAX),  # 48 untranslated short English name
        ("sTrackVariation", ctypes.c_char * TRACKNAME_LENGTH_MAX),  # 112 untranslated layout name
        ("sTranslatedTrackLocation", ctypes.c_char * TRACKNAME_LENGTH_MAX),  # 176
        ("sTranslatedTrackVariation", ctypes.c_char * TRACKNAME_LENGTH_MAX),  # 240
        ("sLapsTimeInEvent", ctypes.c_uint16),  # 304 laps, or 5-minute units when the top bit is set
        ("sEnforcedPitStopLap", ctypes.c_int8),  # 306 mandatory pit stop lap
    ]


class ParticipantsData(ctypes.LittleEndianStructure):
    """sParticipantsData (eParticipants; header version 1, shipping builds 3): 16 names per packet. 1136 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0; mPartialPacketIndex (from 1) says which 16 participants
        ("sParticipantsChangedTimestamp", ctypes.c_uint32),  # 12
        ("sName", (ctypes.c_char * PARTICIPANT_NAME_LENGTH_MAX) * PARTICIPANTS_PER_PACKET),  # 16
        ("sNationality", ctypes.c_uint32 * PARTICIPANTS_PER_PACKET),  # 1040 nationality table index
        ("sIndex", ctypes.c_uint16 * PARTICIPANTS_PER_PACKET),  # 1104 session unique index for MP races
    ]


class ParticipantInfo(ctypes.LittleEndianStructure):
    """sParticipantInfo: one participant inside the timings packet. 32 bytes."""

    _pack_ = 1
    _fields_ = [
        ("sWorldPosition", ctypes.c_int16 * 3),  # 0 m, X Y Z (X and Z refined by sSector)
        ("sOrientation", ctypes.c_int16 * 3),  # 6 quantized heading/pitch/bank
        ("sCurrentLapDistance", ctypes.c_uint16),  # 12 m from the start line
        ("sRacePosition", ctypes.c_uint8),  # 14 position | PARTICIPANT_ACTIVE
        ("sSector", ctypes.c_uint8),  # 15 sector | x/z precision bits
        ("sHighestFlag", ctypes.c_uint8),  # 16 flag colour | flag reason << 4
        ("sPitModeSchedule", ctypes.c_uint8),  # 17 pit mode | pit schedule << 4
        ("sCarIndex", ctypes.c_uint16),  # 18 car index | CAR_INDEX_HUMAN
        ("sRaceState", ctypes.c_uint8),  # 20 race state | LAP_INVALIDATED
        ("sCurrentLap", ctypes.c_uint8),  # 21 current lap, first lap 1
        ("sCurrentTime", ctypes.c_float),  # 22 s into the current lap
        ("sCurrentSectorTime", ctypes.c_float),  # 26 s into the current sector
        ("sMPParticipantIndex", ctypes.c_uint16),  # 30 matches sParticipantsData.sIndex
    ]


class TimingsData(ctypes.LittleEndianStructure):
    """sTimingsData (eTimings, version 1): every participant's timing, each UDP tick. 1063 bytes."""

    _pack_ = 1
    _fields_ = [
        ("sBase", PacketBase),  # 0
        ("sNumParticipants", ctypes.c_int8),  # 12
        ("sParticipantsChangedTimestamp", ctypes.c_uint32),  # 13
        ("sEventTimeRemaining", ctypes.c_float),  # 17 s; -1 invalid; -1 - laps remaining in lap races
        ("sSplitTimeAhead", ctypes.c_float),  # 21 s
        ("sSplitTimeBehind", ctypes.c_float),  # 25 s
        ("sSplitTime", ctypes.c_float),  # 29 s
        ("sPartcipants", ParticipantInfo * UDP_STREAMER_PARTICIPANTS_SUPPORTED),  # 33 (sic, header spelling)
        ("sLocalParticipantIndex", ctypes.c_uint16),  # 1057 which MP participant is the local player
        ("sTickCount", ctypes.c_uint32),  # 1059 game tick; absent in 1059-byte packets of older builds
    ]


class GameStateData(ctypes.LittleEndianStructure):
    """sGameStateData (eGameState, version 2): game/session state and weather. 24 bytes (22 + padding)."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0
        ("mBuildVersionNumber", ctypes.c_uint16),  # 12
        ("mGameState", ctypes.c_uint8),  # 14 game state (bits 0-2) | session state << 4 (header: char)
        ("sAmbientTemperature", ctypes.c_int8),  # 15 °C
        ("sTrackTemperature", ctypes.c_int8),  # 16 °C
        ("sRainDensity", ctypes.c_uint8),  # 17 0..255
        ("sSnowDensity", ctypes.c_uint8),  # 18 0..255, non-zero only in snow seasons
        ("sWindSpeed", ctypes.c_int8),  # 19
        ("sWindDirectionX", ctypes.c_int8),  # 20
        ("sWindDirectionY", ctypes.c_int8),  # 21
    ]


class ParticipantStatsInfo(ctypes.LittleEndianStructure):
    """sParticipantStatsInfo: one participant's records. 32 bytes (30 + padding)."""

    _pack_ = 8
    _fields_ = [
        ("sFastestLapTime", ctypes.c_float),  # 0 s, <= 0 none
        ("sLastLapTime", ctypes.c_float),  # 4 s, <= 0 none
        ("sLastSectorTime", ctypes.c_float),  # 8 s
        ("sFastestSector1Time", ctypes.c_float),  # 12 s
        ("sFastestSector2Time", ctypes.c_float),  # 16 s
        ("sFastestSector3Time", ctypes.c_float),  # 20 s
        ("sParticipantOnlineRep", ctypes.c_uint32),  # 24 rank type (u16) + strength (u16), 0 offline
        ("sMPParticipantIndex", ctypes.c_uint16),  # 28 matches sParticipantsData.sIndex
    ]


class ParticipantsStats(ctypes.LittleEndianStructure):
    """sParticipantsStats: records of all participants. 1024 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sParticipants", ParticipantStatsInfo * UDP_STREAMER_PARTICIPANTS_SUPPORTED),  # 0
    ]


class TimeStatsData(ctypes.LittleEndianStructure):
    """sTimeStatsData (eTimeStats, version 1): lap records, sent when a participant crosses a sector. 1040 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0
        ("sParticipantsChangedTimestamp", ctypes.c_uint32),  # 12
        ("sStats", ParticipantsStats),  # 16
    ]


class VehicleInfo(ctypes.LittleEndianStructure):
    """sVehicleInfo: one vehicle name. 72 bytes (sClass aligned to 4)."""

    _pack_ = 8
    _fields_ = [
        ("sIndex", ctypes.c_uint16),  # 0
        ("sClass", ctypes.c_uint32),  # 4 matches sClassInfo.sClassIndex
        ("sName", ctypes.c_char * VEHICLE_NAME_LENGTH_MAX),  # 8
    ]


class ParticipantVehicleNamesData(ctypes.LittleEndianStructure):
    """sParticipantVehicleNamesData (eParticipantVehicleNames, version 2): 16 vehicles per packet. 1164 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0; mPartialPacketIndex (from 1) says which 16 participants
        ("sVehicles", VehicleInfo * VEHICLES_PER_PACKET),  # 12
    ]


class ClassInfo(ctypes.LittleEndianStructure):
    """sClassInfo: one class name. 24 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sClassIndex", ctypes.c_uint32),  # 0
        ("sName", ctypes.c_char * CLASS_NAME_LENGTH_MAX),  # 4
    ]


class VehicleClassNamesData(ctypes.LittleEndianStructure):
    """sVehicleClassNamesData (eParticipantVehicleNames, last part): class names. 1452 bytes."""

    _pack_ = 8
    _fields_ = [
        ("sBase", PacketBase),  # 0
        ("sClasses", ClassInfo * CLASSES_SUPPORTED_PER_PACKET),  # 12
    ]


TELEMETRY_SIZE: Final = ctypes.sizeof(TelemetryData)  # 559
TELEMETRY_SIZE_NO_TICK: Final = TelemetryData.sTickCount.offset  # 555
TIMINGS_SIZE: Final = ctypes.sizeof(TimingsData)  # 1063
TIMINGS_SIZE_NO_TICK: Final = TimingsData.sTickCount.offset  # 1059
RACE_DATA_SIZE: Final = ctypes.sizeof(RaceData)  # 308
PARTICIPANTS_SIZE: Final = ctypes.sizeof(ParticipantsData)  # 1136
GAME_STATE_SIZE: Final = ctypes.sizeof(GameStateData)  # 24
TIME_STATS_SIZE: Final = ctypes.sizeof(TimeStatsData)  # 1040
VEHICLE_NAMES_SIZE: Final = ctypes.sizeof(ParticipantVehicleNamesData)  # 1164
CLASS_NAMES_SIZE: Final = ctypes.sizeof(VehicleClassNamesData)  # 1452
HEADER_SIZE: Final = ctypes.sizeof(PacketBase)  # 12
