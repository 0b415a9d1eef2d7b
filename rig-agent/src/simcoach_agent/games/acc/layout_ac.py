"""The original Assetto Corsa's shared-memory pages (same names as ACC's) as ctypes structures.

Followed: Kunos' "Shared Memory Reference" for AC 1.16 (shared memory 1.7,
https://www.assettocorsamods.net/threads/doc-shared-memory-reference.58/), as
transcribed with its comments in samy-belazzoug/SOFTWARE_RaceTel
``drivers/Assetto-Corsa/C++-homemade/SHassetto_corsa.hpp``, checked against
mrbelowski/CrewChiefV4 ``CrewChiefV4/ACS/ACSData.cs`` and gro-ove/actools
``AcManager.Tools/SharedMemory/AcShared*.cs``. ``#pragma pack(4)``;
``wchar_t`` strings are 2-byte UTF-16LE, held as ``uint16`` arrays here;
``_layout_ = "ms"`` as in :mod:`simcoach_agent.games.acc.layout`.

The physics page starts like ACC's (ACC extended AC's), but AC's graphics page
has one car's ``carCoordinates[3]`` where ACC has sixty, and AC's static page
stops at ``PitWindowEnd``.
"""

from __future__ import annotations

import ctypes

_i32 = ctypes.c_int32
_f32 = ctypes.c_float
_F2 = _f32 * 2
_F3 = _f32 * 3
_F4 = _f32 * 4
_F5 = _f32 * 5
_F4x3 = (_f32 * 3) * 4  # float[4][3]: per wheel FL, FR, RL, RR, an x, y, z vector
_W15 = ctypes.c_uint16 * 15  # wchar_t[15], UTF-16LE
_W33 = ctypes.c_uint16 * 33  # wchar_t[33], UTF-16LE


class SPageFilePhysicsAC(ctypes.LittleEndianStructure):
    """Updated every physics step; all about the player's car."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [
        ("packetId", _i32),  # step counter, +1 per physics update
        ("gas", _f32),  # throttle 0..1
        ("brake", _f32),  # brake 0..1
        ("fuel", _f32),  # litres
        ("gear", _i32),  # 0 reverse, 1 neutral, 2 first, ...
        ("rpms", _i32),  # engine rpm
        ("steerAngle", _f32),  # steering input -1..1
        ("speedKmh", _f32),  # km/h
        ("velocity", _F3),  # m/s, world x, y, z
        ("accG", _F3),  # g, car frame: x lateral, y vertical, z longitudinal
        ("wheelSlip", _F4),  # slip per wheel, game units
        ("wheelLoad", _F4),  # N
        ("wheelsPressure", _F4),  # psi
        ("wheelAngularSpeed", _F4),  # rad/s
        ("tyreWear", _F4),  # wear level, undocumented scale
        ("tyreDirtyLevel", _F4),  # dirt on the tyre
        ("tyreCoreTemperature", _F4),  # °C
        ("camberRAD", _F4),  # rad
        ("suspensionTravel", _F4),  # m
        ("drs", _f32),  # 0/1: DRS present and open
        ("tc", _f32),  # traction control slip-ratio limit (a setting, not activity)
        ("heading", _f32),  # rad, yaw
        ("pitch", _f32),  # rad
        ("roll", _f32),  # rad
        ("cgHeight", _f32),  # m, centre of gravity
        ("carDamage", _F5),  # per car section; the first 4 valid
        ("numberOfTyresOut", _i32),  # tyres allowed off track before a penalty
        ("pitLimiterOn", _i32),  # 0/1
        ("abs", _f32),  # ABS slip-ratio limit (a setting, not activity)
        ("kersCharge", _f32),  # 0..1
        ("kersInput", _f32),  # 0..1
        ("autoShifterOn", _i32),  # 0/1
        ("rideHeight", _F2),  # m, front and rear
        ("turboBoost", _f32),  # bar
        ("ballast", _f32),  # kg
        ("airDensity", _f32),  # kg/m³
        ("airTemp", _f32),  # °C
        ("roadTemp", _f32),  # °C
        ("localAngularVel", _F3),  # rad/s, car x, y, z
        ("finalFF", _f32),  # force feedback output
        ("performanceMeter", _f32),  # s against the best lap
        ("engineBrake", _i32),  # engine brake setting
        ("ersRecoveryLevel", _i32),  # ERS recovery level
        ("ersPowerLevel", _i32),  # ERS power controller
        ("ersHeatCharging", _i32),  # 0 motor, 1 battery
        ("ersIsCharging", _i32),  # 0/1
        ("kersCurrentKJ", _f32),  # kJ spent this lap
        ("drsAvailable", _i32),  # 0/1: in a DRS zone
        ("drsEnabled", _i32),  # 0/1
        ("brakeTemp", _F4),  # °C
        ("clutch", _f32),  # 0..1; the reference says 1 = fully pressed (see the mapper on the direction)
        ("tyreTempI", _F4),  # °C inner
        ("tyreTempM", _F4),  # °C middle
        ("tyreTempO", _F4),  # °C outer
        ("isAIControlled", _i32),  # 0 human, 1 AI
        ("tyreContactPoint", _F4x3),  # m, world
        ("tyreContactNormal", _F4x3),  # unit vectors
        ("tyreContactHeading", _F4x3),  # unit vectors
        ("brakeBias", _f32),  # 0 rear .. 1 front
        ("localVelocity", _F3),  # m/s, car x, y, z
    ]


class SPageFileGraphicAC(ctypes.LittleEndianStructure):
    """Updated every rendered frame: session, timing, the player's position."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [
        ("packetId", _i32),  # frame counter
        ("status", _i32),  # AC_STATUS: 0 off, 1 replay, 2 live, 3 pause
        ("session", _i32),  # AC_SESSION_TYPE: -1 unknown, 0 practice, 1 qualify, 2 race, 3 hotlap, ...
        ("currentTime", _W15),  # current lap time, text
        ("lastTime", _W15),  # last lap time, text
        ("bestTime", _W15),  # best lap time, text
        ("split", _W15),  # time in sector, text
        ("completedLaps", _i32),  # laps completed by the player
        ("position", _i32),  # race position, 1-based
        ("iCurrentTime", _i32),  # ms, current lap
        ("iLastTime", _i32),  # ms
        ("iBestTime", _i32),  # ms
        ("sessionTimeLeft", _f32),  # ms
        ("distanceTraveled", _f32),  # m this session
        ("isInPit", _i32),  # 0/1: stopped in the pits
        ("currentSectorIndex", _i32),  # 0-based
        ("lastSectorTime", _i32),  # ms
        ("numberOfLaps", _i32),  # laps of the session
        ("tyreCompound", _W33),  # compound name
        ("replayTimeMultiplier", _f32),  # replay speed
        ("normalizedCarPosition", _f32),  # 0..1 along the track spline
        ("carCoordinates", _F3),  # m, world x, y, z of the player's car
        ("penaltyTime", _f32),  # s
        ("flag", _i32),  # AC_FLAG_TYPE
        ("idealLineOn", _i32),  # 0/1
        ("isInPitLane", _i32),  # 0/1
        ("surfaceGrip", _f32),  # track grip
        ("mandatoryPitDone", _i32),  # 0/1
        ("windSpeed", _f32),  # wind speed
        ("windDirection", _f32),  # degrees 0..359
    ]


class SPageFileStaticAC(ctypes.LittleEndianStructure):
    """Written when a session loads: car, track, driver, limits."""

    _pack_ = 4
    _layout_ = "ms"
    _fields_ = [
        ("smVersion", _W15),  # shared memory version, text ("1.7")
        ("acVersion", _W15),  # game version, text
        ("numberOfSessions", _i32),
        ("numCars", _i32),
        ("carModel", _W33),  # player's car model id
        ("track", _W33),  # track id
        ("playerName", _W33),
        ("playerSurname", _W33),
        ("playerNick", _W33),
        ("sectorCount", _i32),
        ("maxTorque", _f32),  # Nm
        ("maxPower", _f32),  # W
        ("maxRpm", _i32),  # rpm
        ("maxFuel", _f32),  # litres, tank capacity
        ("suspensionMaxTravel", _F4),  # m
        ("tyreRadius", _F4),  # m
        ("maxTurboBoost", _f32),  # bar
        ("deprecated_1", _f32),  # do not use
        ("deprecated_2", _f32),  # do not use
        ("penaltiesEnabled", _i32),  # 0/1
        ("aidFuelRate", _f32),  # fuel use multiplier
        ("aidTireRate", _f32),  # tyre wear multiplier
        ("aidMechanicalDamage", _f32),  # damage multiplier
        ("aidAllowTyreBlankets", _i32),  # 0/1
        ("aidStability", _f32),  # 0..1
        ("aidAutoClutch", _i32),  # 0/1
        ("aidAutoBlip", _i32),  # 0/1
        ("hasDRS", _i32),  # 0/1
        ("hasERS", _i32),  # 0/1
        ("hasKERS", _i32),  # 0/1
        ("kersMaxJ", _f32),  # J
        ("engineBrakeSettingsCount", _i32),
        ("ersPowerControllerCount", _i32),
        ("trackSPlineLength", _f32),  # m, length of the track spline
        ("trackConfiguration", _W33),  # layout of a multi-layout track
        ("ersMaxJ", _f32),  # J
        ("isTimedRace", _i32),  # 0/1
        ("hasExtraLap", _i32),  # 0/1
        ("carSkin", _W33),  # skin folder name
        ("reversedGridPositions", _i32),  # positions swapped for race 2
        ("PitWindowStart", _i32),  # lap or minute
        ("PitWindowEnd", _i32),  # lap or minute
    ]
