"""ACC's shared-memory pages (``Local\\acpmf_physics``, ``acpmf_graphics``, ``acpmf_static``) as ctypes structures.

Followed: Kunos' ``SharedFileOut.h`` for ACC shared memory 1.8.12 as carried by
gabbo76/ACC-TX-UDP ``SharedFileOut.h`` (every field, including the ones later
copies comment out), checked against djjonas123/ACCSharedMemory
``SharedFileOut.h``, rrennoir/PyAccSharedMemory ``PyAccSharedMemory.py`` and
TinyPedal/pyACCSharedMemory ``acc_data.py`` (which carry the units of
"ACCSharedMemoryDocumentationV1.8.12.pdf"). ``#pragma pack(4)``; ``wchar_t`` is
2 bytes on Windows, so strings are UTF-16LE ``uint16`` arrays here (ctypes'
``c_wchar`` is 4 bytes on Linux). ``int`` is 32 bits. ``_layout_ = "ms"`` says
the MSVC layout ``_pack_`` implies, which Python 3.14 asks for.

Copies of the header disagree on one length: ``trackConfiguration`` in the
static page is ``wchar_t[33]`` in the header and ``[15]`` in the PDF's table.
Both layouts are here; :mod:`simcoach_agent.games.acc.detect` picks the one
whose later strings decode cleanly.

Fields marked "not used in ACC" are documented as left empty by ACC; they are
laid out all the same because the ones after them depend on their size.
"""

from __future__ import annotations

import ctypes
from typing import Final

_i32 = ctypes.c_int32
_f32 = ctypes.c_float
_F2 = _f32 * 2
_F3 = _f32 * 3
_F4 = _f32 * 4
_F5 = _f32 * 5
_F4x3 = (_f32 * 3) * 4  # float[4][3]: per wheel FL, FR, RL, RR, an x, y, z vector
_W15 = ctypes.c_uint16 * 15  # wchar_t[15], UTF-16LE
_W33 = ctypes.c_uint16 * 33  # wchar_t[33], UTF-16LE

MAX_CARS: Final = 60

# AC_STATUS
AC_OFF: Final = 0
AC_REPLAY: Final = 1
AC_LIVE: Final = 2
AC_PAUSE: Final = 3

# AC_SESSION_TYPE
AC_UNKNOWN: Final = -1
AC_PRACTICE: Final = 0
AC_QUALIFY: Final = 1
AC_RACE: Final = 2
AC_HOTLAP: Final = 3
AC_TIME_ATTACK: Final = 4
AC_DRIFT: Final = 5
AC_DRAG: Final = 6
AC_HOTSTINT: Final = 7
AC_HOTLAPSUPERPOLE: Final = 8

# Lap times in the graphics page when there is none yet.
NO_TIME_MS: Final = 2**31 - 1

PHYSICS_NAME: Final = "Local\\acpmf_physics"
GRAPHICS_NAME: Final = "Local\\acpmf_graphics"
STATIC_NAME: Final = "Local\\acpmf_static"


class SPageFilePhysics(ctypes.LittleEndianStructure):
    """Updated every physics step; all about the player's car."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [
        ("packetId", _i32),  # step counter, +1 per physics update
        ("gas", _f32),  # throttle 0..1
        ("brake", _f32),  # brake 0..1
        ("fuel", _f32),  # litres left
        ("gear", _i32),  # 0 reverse, 1 neutral, 2 first, ...
        ("rpms", _i32),  # engine rpm
        ("steerAngle", _f32),  # steering input -1..1
        ("speedKmh", _f32),  # km/h
        ("velocity", _F3),  # m/s, world x, y, z
        ("accG", _F3),  # g: x lateral, y vertical, z longitudinal
        ("wheelSlip", _F4),  # slip per wheel, game units
        ("wheelLoad", _F4),  # N; not used in ACC
        ("wheelsPressure", _F4),  # psi
        ("wheelAngularSpeed", _F4),  # rad/s
        ("tyreWear", _F4),  # not used in ACC
        ("tyreDirtyLevel", _F4),  # not used in ACC
        ("tyreCoreTemperature", _F4),  # °C
        ("camberRAD", _F4),  # rad; not used in ACC
        ("suspensionTravel", _F4),  # m
        ("drs", _f32),  # not used in ACC
        ("tc", _f32),  # traction control in action (> 0)
        ("heading", _f32),  # rad, yaw
        ("pitch", _f32),  # rad
        ("roll", _f32),  # rad
        ("cgHeight", _f32),  # m; not used in ACC
        ("carDamage", _F5),  # front, rear, left, right, centre
        ("numberOfTyresOut", _i32),  # not used in ACC
        ("pitLimiterOn", _i32),  # 0/1
        ("abs", _f32),  # ABS in action (> 0)
        ("kersCharge", _f32),  # not used in ACC
        ("kersInput", _f32),  # not used in ACC
        ("autoShifterOn", _i32),  # 0/1
        ("rideHeight", _F2),  # m, front and rear; not used in ACC
        ("turboBoost", _f32),  # bar
        ("ballast", _f32),  # kg; not used in ACC
        ("airDensity", _f32),  # kg/m³; not used in ACC
        ("airTemp", _f32),  # °C
        ("roadTemp", _f32),  # °C
        ("localAngularVel", _F3),  # rad/s, car x, y, z
        ("finalFF", _f32),  # force feedback output
        ("performanceMeter", _f32),  # not used in ACC
        ("engineBrake", _i32),  # not used in ACC
        ("ersRecoveryLevel", _i32),  # not used in ACC
        ("ersPowerLevel", _i32),  # not used in ACC
        ("ersHeatCharging", _i32),  # not used in ACC
        ("ersIsCharging", _i32),  # not used in ACC
        ("kersCurrentKJ", _f32),  # not used in ACC
        ("drsAvailable", _i32),  # not used in ACC
        ("drsEnabled", _i32),  # not used in ACC
        ("brakeTemp", _F4),  # °C, discs
        ("clutch", _f32),  # 1 released .. 0 fully pressed (TinyPedal's transcription of the PDF)
        ("tyreTempI", _F4),  # °C inner; not shown in ACC
        ("tyreTempM", _F4),  # °C middle; not shown in ACC
        ("tyreTempO", _F4),  # °C outer; not shown in ACC
        ("isAIControlled", _i32),  # 0 human, 1 AI
        ("tyreContactPoint", _F4x3),  # m, world
        ("tyreContactNormal", _F4x3),  # unit vectors
        ("tyreContactHeading", _F4x3),  # unit vectors
        ("brakeBias", _f32),  # front share 0..1 (car-specific offset, see the PDF's appendix 4)
        ("localVelocity", _F3),  # m/s, car x, y, z
        ("P2PActivations", _i32),  # not used in ACC
        ("P2PStatus", _i32),  # not used in ACC
        ("currentMaxRpm", _i32),  # rpm
        ("mz", _F4),  # not shown in ACC
        ("fx", _F4),  # not shown in ACC
        ("fy", _F4),  # not shown in ACC
        ("slipRatio", _F4),  # per wheel
        ("slipAngle", _F4),  # rad per wheel
        ("tcinAction", _i32),  # not used in ACC
        ("absInAction", _i32),  # not used in ACC
        ("suspensionDamage", _F4),  # 0..1 per wheel
        ("tyreTemp", _F4),  # °C core (same as tyreCoreTemperature)
        ("waterTemp", _f32),  # °C
        ("brakePressure", _F4),  # 0..1 per wheel
        ("frontBrakeCompound", _i32),  # pad compound, 0-based
        ("rearBrakeCompound", _i32),  # pad compound, 0-based
        ("padLife", _F4),  # mm left
        ("discLife", _F4),  # mm left
        ("ignitionOn", _i32),  # 0/1
        ("starterEngineOn", _i32),  # 0/1
        ("isEngineRunning", _i32),  # 0/1
        ("kerbVibration", _f32),  # FFB effect level
        ("slipVibrations", _f32),  # FFB effect level
        ("gVibrations", _f32),  # FFB effect level
        ("absVibrations", _f32),  # FFB effect level
    ]


class SPageFileGraphic(ctypes.LittleEndianStructure):
    """Updated every rendered frame: session, timing and the cars' positions."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [
        ("packetId", _i32),  # frame counter
        ("status", _i32),  # AC_STATUS: 0 off, 1 replay, 2 live, 3 pause
        ("session", _i32),  # AC_SESSION_TYPE: -1 unknown, 0 practice, 1 qualify, 2 race, 3 hotlap, ...
        ("currentTime", _W15),  # current lap time, text
        ("lastTime", _W15),  # last lap time, text
        ("bestTime", _W15),  # best lap time, text
        ("split", _W15),  # last split, text
        ("completedLaps", _i32),  # laps completed by the player
        ("position", _i32),  # race position, 1-based
        ("iCurrentTime", _i32),  # ms, current lap
        ("iLastTime", _i32),  # ms; INT_MAX when none
        ("iBestTime", _i32),  # ms; INT_MAX when none
        ("sessionTimeLeft", _f32),  # ms
        ("distanceTraveled", _f32),  # m this stint
        ("isInPit", _i32),  # 0/1: in the pit box
        ("currentSectorIndex", _i32),  # 0-based
        ("lastSectorTime", _i32),  # ms
        ("numberOfLaps", _i32),  # laps of the session, when known
        ("tyreCompound", _W33),  # compound name
        ("replayTimeMultiplier", _f32),  # not used in ACC
        ("normalizedCarPosition", _f32),  # 0..1 along the track spline
        ("activeCars", _i32),  # entries used in carCoordinates / carID
        ("carCoordinates", (_f32 * 3) * MAX_CARS),  # m, world x, y, z of each car on track
        ("carID", _i32 * MAX_CARS),  # car id of each carCoordinates entry
        ("playerCarID", _i32),  # the player's car id
        ("penaltyTime", _f32),  # s to serve
        ("flag", _i32),  # AC_FLAG_TYPE
        ("penalty", _i32),  # PenaltyShortcut
        ("idealLineOn", _i32),  # 0/1
        ("isInPitLane", _i32),  # 0/1
        ("surfaceGrip", _f32),  # ideal line grip
        ("mandatoryPitDone", _i32),  # 0/1
        ("windSpeed", _f32),  # km/h
        ("windDirection", _f32),  # degrees
        ("isSetupMenuVisible", _i32),  # 0/1
        ("mainDisplayIndex", _i32),  # dash page
        ("secondaryDisplayIndex", _i32),  # dash page
        ("TC", _i32),  # TC setting
        ("TCCut", _i32),  # TC cut setting
        ("EngineMap", _i32),  # engine map, 0-based
        ("ABS", _i32),  # ABS setting
        ("fuelXLap", _i32),  # litres per lap (int in the header, float in the PDF's table; unused here)
        ("rainLights", _i32),  # 0/1
        ("flashingLights", _i32),  # 0/1
        ("lightsStage", _i32),  # 0 off, 1 side, 2 headlights
        ("exhaustTemperature", _f32),  # °C
        ("wiperLV", _i32),  # wiper stage
        ("DriverStintTotalTimeLeft", _i32),  # ms
        ("DriverStintTimeLeft", _i32),  # ms
        ("rainTyres", _i32),  # 0/1
        ("sessionIndex", _i32),  # index in the weekend
        ("usedFuel", _f32),  # litres since the last refuel
        ("deltaLapTime", _W15),  # delta, text
        ("iDeltaLapTime", _i32),  # ms
        ("estimatedLapTime", _W15),  # estimated lap, text
        ("iEstimatedLapTime", _i32),  # ms
        ("isDeltaPositive", _i32),  # 0/1
        ("iSplit", _i32),  # ms, last split
        ("isValidLap", _i32),  # 0/1: the current lap counts
        ("fuelEstimatedLaps", _f32),  # laps of fuel left
        ("trackStatus", _W33),  # grip status, text
        ("missingMandatoryPits", _i32),  # stops still to make
        ("Clock", _f32),  # s, time of day
        ("directionLightsLeft", _i32),  # 0/1
        ("directionLightsRight", _i32),  # 0/1
        ("GlobalYellow", _i32),  # 0/1
        ("GlobalYellow1", _i32),  # 0/1, sector 1
        ("GlobalYellow2", _i32),  # 0/1, sector 2
        ("GlobalYellow3", _i32),  # 0/1, sector 3
        ("GlobalWhite", _i32),  # 0/1
        ("GlobalGreen", _i32),  # 0/1
        ("GlobalChequered", _i32),  # 0/1
        ("GlobalRed", _i32),  # 0/1
        ("mfdTyreSet", _i32),  # tyre set on the MFD
        ("mfdFuelToAdd", _f32),  # litres on the MFD
        ("mfdTyrePressureLF", _f32),  # psi on the MFD
        ("mfdTyrePressureRF", _f32),  # psi on the MFD
        ("mfdTyrePressureLR", _f32),  # psi on the MFD
        ("mfdTyrePressureRR", _f32),  # psi on the MFD
        ("trackGripStatus", _i32),  # ACC_TRACK_GRIP_STATUS: 0 green .. 6 flooded
        ("rainIntensity", _i32),  # ACC_RAIN_INTENSITY: 0 none .. 5 thunderstorm
        ("rainIntensityIn10min", _i32),  # ACC_RAIN_INTENSITY (one copy lists 30 min first, commented out)
        ("rainIntensityIn30min", _i32),  # ACC_RAIN_INTENSITY
        ("currentTyreSet", _i32),  # tyre set in use
        ("strategyTyreSet", _i32),  # next set per strategy
        ("gapAhead", _i32),  # ms
        ("gapBehind", _i32),  # ms
    ]


_STATIC_HEAD: list[tuple[str, type]] = [
    ("smVersion", _W15),  # shared memory version, text
    ("acVersion", _W15),  # game version, text
    ("numberOfSessions", _i32),
    ("numCars", _i32),
    ("carModel", _W33),  # player's car model id
    ("track", _W33),  # track id
    ("playerName", _W33),
    ("playerSurname", _W33),
    ("playerNick", _W33),
    ("sectorCount", _i32),
    ("maxTorque", _f32),  # not shown in ACC
    ("maxPower", _f32),  # not shown in ACC
    ("maxRpm", _i32),  # rpm
    ("maxFuel", _f32),  # litres, tank capacity
    ("suspensionMaxTravel", _F4),  # not shown in ACC
    ("tyreRadius", _F4),  # not shown in ACC
    ("maxTurboBoost", _f32),  # bar
    ("deprecated_1", _f32),
    ("deprecated_2", _f32),
    ("penaltiesEnabled", _i32),  # 0/1
    ("aidFuelRate", _f32),  # fuel use multiplier
    ("aidTireRate", _f32),  # tyre wear multiplier
    ("aidMechanicalDamage", _f32),  # damage multiplier
    ("aidAllowTyreBlankets", _i32),  # 0/1
    ("aidStability", _f32),  # 0..1
    ("aidAutoClutch", _i32),  # 0/1
    ("aidAutoBlip", _i32),  # always 1 in ACC
    ("hasDRS", _i32),  # not used in ACC
    ("hasERS", _i32),  # not used in ACC
    ("hasKERS", _i32),  # not used in ACC
    ("kersMaxJ", _f32),  # not used in ACC
    ("engineBrakeSettingsCount", _i32),  # not used in ACC
    ("ersPowerControllerCount", _i32),  # not used in ACC
    ("trackSPlineLength", _f32),  # m; not used in ACC
]

_STATIC_TAIL: list[tuple[str, type]] = [
    ("ersMaxJ", _f32),  # not used in ACC
    ("isTimedRace", _i32),  # not used in ACC
    ("hasExtraLap", _i32),  # not used in ACC
    ("carSkin", _W33),  # not used in ACC
    ("reversedGridPositions", _i32),  # not used in ACC
    ("PitWindowStart", _i32),  # ms
    ("PitWindowEnd", _i32),  # ms
    ("isOnline", _i32),  # 0/1, multiplayer
    ("dryTyresName", _W33),  # dry compound name
    ("wetTyresName", _W33),  # wet compound name
]


class SPageFileStatic(ctypes.LittleEndianStructure):
    """Written when a session loads: car, track, driver, limits. ``trackConfiguration`` as the header has it."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [*_STATIC_HEAD, ("trackConfiguration", _W33), *_STATIC_TAIL]  # track layout; not used in ACC


class SPageFileStaticShortConfig(ctypes.LittleEndianStructure):
    """The static page as the PDF's table has it: ``trackConfiguration`` is ``wchar_t[15]``."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [*_STATIC_HEAD, ("trackConfiguration", _W15), *_STATIC_TAIL]  # track layout; not used in ACC
