"""Test-side ACC/AC pages built with struct from offsets worked out by hand from Kunos' headers.

Independent of the adapter's ctypes layouts on purpose: each offset below was
counted from the header (4-byte ints and floats, 2-byte wchar_t, pack(4)
padding after odd-length strings), so a mistake in the adapter's structures
cannot hide in the tests too.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from typing import Any

# Page sizes implied by the headers.
ACC_PHYSICS_SIZE = 800
ACC_GRAPHICS_SIZE = 1588
ACC_STATIC_SIZE = 820  # trackConfiguration[33], as the header
ACC_STATIC_SHORT_SIZE = 784  # trackConfiguration[15], as the PDF's table
AC_PHYSICS_SIZE = 580
AC_GRAPHICS_SIZE = 296
AC_STATIC_SIZE = 684

# (offset, struct format); "Ns" formats are wchar_t[N/2] strings.
PHYSICS = {
    "packetId": (0, "<i"),
    "gas": (4, "<f"),
    "brake": (8, "<f"),
    "fuel": (12, "<f"),
    "gear": (16, "<i"),
    "rpms": (20, "<i"),
    "steerAngle": (24, "<f"),
    "speedKmh": (28, "<f"),
    "velocity": (32, "<3f"),
    "accG": (44, "<3f"),
    "wheelSlip": (56, "<4f"),
    "wheelLoad": (72, "<4f"),
    "wheelsPressure": (88, "<4f"),
    "wheelAngularSpeed": (104, "<4f"),
    "tyreWear": (120, "<4f"),
    "tyreDirtyLevel": (136, "<4f"),
    "tyreCoreTemperature": (152, "<4f"),
    "camberRAD": (168, "<4f"),
    "suspensionTravel": (184, "<4f"),
    "drs": (200, "<f"),
    "tc": (204, "<f"),
    "heading": (208, "<f"),
    "cgHeight": (220, "<f"),
    "carDamage": (224, "<5f"),
    "numberOfTyresOut": (244, "<i"),
    "pitLimiterOn": (248, "<i"),
    "abs": (252, "<f"),
    "autoShifterOn": (264, "<i"),
    "rideHeight": (268, "<2f"),
    "turboBoost": (276, "<f"),
    "airTemp": (288, "<f"),
    "roadTemp": (292, "<f"),
    "localAngularVel": (296, "<3f"),
    "finalFF": (308, "<f"),
    "performanceMeter": (312, "<f"),
    "drsEnabled": (344, "<i"),
    "brakeTemp": (348, "<4f"),
    "clutch": (364, "<f"),
    "tyreTempI": (368, "<4f"),
    "tyreTempM": (384, "<4f"),
    "tyreTempO": (400, "<4f"),
    "isAIControlled": (416, "<i"),
    "tyreContactPoint": (420, "<12f"),
    "tyreContactNormal": (468, "<12f"),
    "tyreContactHeading": (516, "<12f"),
    "brakeBias": (564, "<f"),
    "localVelocity": (568, "<3f"),  # AC's page ends after this (580)
    "P2PActivations": (580, "<i"),
    "currentMaxRpm": (588, "<i"),
    "mz": (592, "<4f"),
    "slipRatio": (640, "<4f"),
    "slipAngle": (656, "<4f"),
    "suspensionDamage": (680, "<4f"),
    "tyreTemp": (696, "<4f"),
    "waterTemp": (712, "<f"),
    "brakePressure": (716, "<4f"),
    "frontBrakeCompound": (732, "<i"),
    "padLife": (740, "<4f"),
    "discLife": (756, "<4f"),
    "ignitionOn": (772, "<i"),
    "isEngineRunning": (780, "<i"),
    "kerbVibration": (784, "<f"),
    "absVibrations": (796, "<f"),
}

ACC_GRAPHICS = {
    "packetId": (0, "<i"),
    "status": (4, "<i"),
    "session": (8, "<i"),
    "currentTime": (12, "30s"),
    "lastTime": (42, "30s"),
    "bestTime": (72, "30s"),
    "split": (102, "30s"),
    "completedLaps": (132, "<i"),
    "position": (136, "<i"),
    "iCurrentTime": (140, "<i"),
    "iLastTime": (144, "<i"),
    "iBestTime": (148, "<i"),
    "sessionTimeLeft": (152, "<f"),
    "distanceTraveled": (156, "<f"),
    "isInPit": (160, "<i"),
    "currentSectorIndex": (164, "<i"),
    "lastSectorTime": (168, "<i"),
    "numberOfLaps": (172, "<i"),
    "tyreCompound": (176, "66s"),
    "replayTimeMultiplier": (244, "<f"),
    "normalizedCarPosition": (248, "<f"),
    "activeCars": (252, "<i"),
    "carCoordinates": (256, "<180f"),  # [60][3]
    "carID": (976, "<60i"),
    "playerCarID": (1216, "<i"),
    "penaltyTime": (1220, "<f"),
    "flag": (1224, "<i"),
    "penalty": (1228, "<i"),
    "isInPitLane": (1236, "<i"),
    "surfaceGrip": (1240, "<f"),
    "windDirection": (1252, "<f"),
    "TC": (1268, "<i"),
    "ABS": (1280, "<i"),
    "exhaustTemperature": (1300, "<f"),
    "usedFuel": (1324, "<f"),
    "deltaLapTime": (1328, "30s"),
    "iDeltaLapTime": (1360, "<i"),
    "estimatedLapTime": (1364, "30s"),
    "iEstimatedLapTime": (1396, "<i"),
    "iSplit": (1404, "<i"),
    "isValidLap": (1408, "<i"),
    "fuelEstimatedLaps": (1412, "<f"),
    "trackStatus": (1416, "66s"),
    "missingMandatoryPits": (1484, "<i"),
    "Clock": (1488, "<f"),
    "GlobalRed": (1528, "<i"),
    "mfdTyrePressureRR": (1552, "<f"),
    "trackGripStatus": (1556, "<i"),
    "rainIntensityIn30min": (1568, "<i"),
    "strategyTyreSet": (1576, "<i"),
    "gapAhead": (1580, "<i"),
    "gapBehind": (1584, "<i"),
}

AC_GRAPHICS = {
    **{k: v for k, v in ACC_GRAPHICS.items() if v[0] < 252},
    "carCoordinates": (252, "<3f"),
    "penaltyTime": (264, "<f"),
    "flag": (268, "<i"),
    "idealLineOn": (272, "<i"),
    "isInPitLane": (276, "<i"),
    "surfaceGrip": (280, "<f"),
    "mandatoryPitDone": (284, "<i"),
    "windSpeed": (288, "<f"),
    "windDirection": (292, "<f"),
}

_STATIC_COMMON = {
    "smVersion": (0, "30s"),
    "acVersion": (30, "30s"),
    "numberOfSessions": (60, "<i"),
    "numCars": (64, "<i"),
    "carModel": (68, "66s"),
    "track": (134, "66s"),
    "playerName": (200, "66s"),
    "playerSurname": (266, "66s"),
    "playerNick": (332, "66s"),
    "sectorCount": (400, "<i"),
    "maxTorque": (404, "<f"),
    "maxPower": (408, "<f"),
    "maxRpm": (412, "<i"),
    "maxFuel": (416, "<f"),
    "suspensionMaxTravel": (420, "<4f"),
    "tyreRadius": (436, "<4f"),
    "maxTurboBoost": (452, "<f"),
    "penaltiesEnabled": (464, "<i"),
    "aidFuelRate": (468, "<f"),
    "aidStability": (484, "<f"),
    "aidAutoBlip": (492, "<i"),
    "hasDRS": (496, "<i"),
    "kersMaxJ": (508, "<f"),
    "ersPowerControllerCount": (516, "<i"),
    "trackSPlineLength": (520, "<f"),
}
AC_STATIC = {
    **_STATIC_COMMON,
    "trackConfiguration": (524, "66s"),
    "ersMaxJ": (592, "<f"),
    "isTimedRace": (596, "<i"),
    "hasExtraLap": (600, "<i"),
    "carSkin": (604, "66s"),
    "reversedGridPositions": (672, "<i"),
    "PitWindowStart": (676, "<i"),
    "PitWindowEnd": (680, "<i"),
}
ACC_STATIC = {**AC_STATIC, "isOnline": (684, "<i"), "dryTyresName": (688, "66s"), "wetTyresName": (754, "66s")}
ACC_STATIC_SHORT = {
    **_STATIC_COMMON,
    "trackConfiguration": (524, "30s"),
    "ersMaxJ": (556, "<f"),
    "isTimedRace": (560, "<i"),
    "hasExtraLap": (564, "<i"),
    "carSkin": (568, "66s"),
    "reversedGridPositions": (636, "<i"),
    "PitWindowStart": (640, "<i"),
    "PitWindowEnd": (644, "<i"),
    "isOnline": (648, "<i"),
    "dryTyresName": (652, "66s"),
    "wetTyresName": (718, "66s"),
}

LAYOUTS = {
    "acc": {"physics": (PHYSICS, ACC_PHYSICS_SIZE), "graphics": (ACC_GRAPHICS, ACC_GRAPHICS_SIZE)},
    "ac": {"physics": (PHYSICS, AC_PHYSICS_SIZE), "graphics": (AC_GRAPHICS, AC_GRAPHICS_SIZE)},
}
STATICS = {"acc": (ACC_STATIC, ACC_STATIC_SIZE), "acc15": (ACC_STATIC_SHORT, ACC_STATIC_SHORT_SIZE)}
STATICS["ac"] = (AC_STATIC, AC_STATIC_SIZE)


def put(buf: Any, table: dict[str, tuple[int, str]], **values: Any) -> None:
    """Write fields into a page buffer; strings are encoded as NUL-padded UTF-16LE."""
    for name, value in values.items():
        offset, fmt = table[name]
        if fmt.endswith("s"):
            size = int(fmt[:-1])
            encoded = value.encode("utf-16-le") if isinstance(value, str) else value
            assert len(encoded) <= size, name
            struct.pack_into(fmt, buf, offset, encoded)
        elif isinstance(value, (tuple, list)):
            struct.pack_into(fmt, buf, offset, *value)
        else:
            struct.pack_into(fmt, buf, offset, value)


def get(buf: bytes, table: dict[str, tuple[int, str]], name: str) -> Any:
    offset, fmt = table[name]
    values = struct.unpack_from(fmt, buf, offset)
    return values[0] if len(values) == 1 else values


def static_page(layout: str = "acc", **values: Any) -> bytearray:
    """A static page as ACC ("acc", "acc15") or AC ("ac") writes it for a loaded session."""
    table, size = STATICS[layout]
    buf = bytearray(size)
    defaults: dict[str, Any] = {
        "smVersion": "1.9" if layout != "ac" else "1.7",
        "acVersion": "1.10.2" if layout != "ac" else "1.16",
        "numberOfSessions": 1,
        "numCars": 20,
        "carModel": "amr_v8_vantage_gt3" if layout != "ac" else "ks_porsche_911_gt3_r_2016",
        "track": "spa" if layout != "ac" else "monza",
        "playerName": "Ada",
        "playerSurname": "Lovelace",
        "playerNick": "ADA",
        "sectorCount": 3,
        "maxRpm": 7250,
        "maxFuel": 132.0,
        "aidAutoBlip": 1,
    }
    if layout == "ac":
        defaults |= {
            "maxTorque": 480.0,
            "maxPower": 368000.0,
            "tyreRadius": (0.34, 0.34, 0.35, 0.35),
            "trackSPlineLength": 5758.0,
            "carSkin": "00_official",
            "maxFuel": 110.0,
            "maxRpm": 9250,
        }
    else:
        defaults |= {"isOnline": 0, "dryTyresName": "DHF2023", "wetTyresName": "WH"}
    put(buf, table, **(defaults | values))
    return buf


def physics_page(game: str = "acc", **values: Any) -> bytearray:
    table, size = LAYOUTS[game]["physics"]
    buf = bytearray(size)
    put(buf, table, **({"gear": 1, "clutch": 1.0} | values))
    return buf


def graphics_page(game: str = "acc", **values: Any) -> bytearray:
    table, size = LAYOUTS[game]["graphics"]
    buf = bytearray(size)
    defaults: dict[str, Any] = {"status": 2, "session": 0, "position": 1, "iBestTime": 2**31 - 1}
    if game == "acc":
        defaults |= {"iLastTime": 2**31 - 1, "activeCars": 1, "playerCarID": 1001, "carID": (1001,) + (0,) * 59}
    put(buf, table, **(defaults | values))
    return buf


class PageFiles:
    """The three pages as files under a shared-memory folder, mapped read-write like the game's own."""

    NAMES = ("acpmf_physics", "acpmf_graphics", "acpmf_static")

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.maps: dict[str, mmap.mmap] = {}

    def create(self, physics: bytes, graphics: bytes, static: bytes) -> None:
        for name, data in zip(self.NAMES, (physics, graphics, static), strict=True):
            path = self.folder / name
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.ftruncate(fd, len(data))
                self.maps[name] = mmap.mmap(fd, len(data))
            finally:
                os.close(fd)
            self.maps[name][:] = bytes(data)

    def page(self, which: str) -> mmap.mmap:
        return self.maps[f"acpmf_{which}"]

    def remove(self) -> None:
        self.close()
        for name in self.NAMES:
            (self.folder / name).unlink(missing_ok=True)

    def close(self) -> None:
        for m in self.maps.values():
            m.close()
        self.maps.clear()
