"""Test-side rF2 plugin and LMU_Data pages, built from offsets worked out by hand from the headers.

Nothing here imports the adapter's ctypes layouts: the offsets below were added
up field by field from ``rF2State.h`` (pack 4, 64-bit: ``long`` = 4 bytes,
pointers = 8) and from LMU's ``SharedMemoryInterface.hpp`` (wrappers naturally
aligned), so a mistake in the adapter's structures cannot hide in the tests too.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

KELVIN = 273.15

# --- rF2 plugin (rF2State.h) -------------------------------------------------------------------------------------

RF2_WHEEL_SIZE = 260
RF2_WHEEL = {  # rF2Wheel
    "mRideHeight": (8, "d"),
    "mBrakeTemp": (24, "d"),
    "mPressure": (120, "d"),
    "mTemperature": (128, "3d"),
    "mWear": (152, "d"),
    "mTireCarcassTemperature": (204, "d"),
}
RF2_VEHICLE_TELEMETRY_SIZE = 1888
RF2_TELEMETRY = {  # rF2VehicleTelemetry
    "mID": (0, "i"),
    "mElapsedTime": (12, "d"),
    "mLapNumber": (20, "i"),
    "mLapStartET": (24, "d"),
    "mVehicleName": (32, "64s"),
    "mTrackName": (96, "64s"),
    "mPos": (160, "3d"),
    "mLocalVel": (184, "3d"),
    "mLocalAccel": (208, "3d"),
    "mGear": (352, "i"),
    "mEngineRPM": (356, "d"),
    "mEngineWaterTemp": (364, "d"),
    "mEngineOilTemp": (372, "d"),
    "mUnfilteredThrottle": (388, "d"),
    "mUnfilteredBrake": (396, "d"),
    "mUnfilteredSteering": (404, "d"),
    "mUnfilteredClutch": (412, "d"),
    "mFuel": (524, "d"),
    "mEngineMaxRPM": (532, "d"),
    "mFuelCapacity": (608, "d"),
    "mElectricBoostMotorState": (736, "B"),
}
RF2_WHEELS_AT = 848
RF2_SCORING_INFO_SIZE = 548
RF2_SCORING_INFO = {  # rF2ScoringInfo
    "mTrackName": (0, "64s"),
    "mSession": (64, "i"),
    "mCurrentET": (68, "d"),
    "mLapDist": (88, "d"),
    "mNumVehicles": (104, "i"),
    "mGamePhase": (108, "B"),
    "mInRealtime": (115, "?"),
    "mPlayerName": (116, "32s"),
    "mAvgPathWetness": (332, "d"),
}
RF2_VEHICLE_SCORING_SIZE = 584
RF2_VEHICLE_SCORING = {  # rF2VehicleScoring
    "mID": (0, "i"),
    "mDriverName": (4, "32s"),
    "mVehicleName": (36, "64s"),
    "mTotalLaps": (100, "h"),
    "mLapDist": (104, "d"),
    "mBestLapTime": (144, "d"),
    "mLastLapTime": (168, "d"),
    "mIsPlayer": (196, "?"),
    "mControl": (197, "b"),
    "mInPits": (198, "?"),
    "mPlace": (199, "B"),
    "mVehicleClass": (200, "32s"),
    "mCountLapFlag": (506, "B"),
    "mBestLapSector2": (532, "f"),
}
# Pages: an 8-byte version block (begin, end) then the buffer.
RF2_TELEMETRY_PAGE_SIZE = 8 + 4 + 4 + 128 * RF2_VEHICLE_TELEMETRY_SIZE  # 241680
RF2_TELEMETRY_NUM_AT = 12
RF2_TELEMETRY_VEHICLES_AT = 16
RF2_SCORING_PAGE_SIZE = 8 + 4 + RF2_SCORING_INFO_SIZE + 128 * RF2_VEHICLE_SCORING_SIZE  # 75312
RF2_SCORING_INFO_AT = 12
RF2_SCORING_VEHICLES_AT = 560
RF2_EXTENDED_SIZE = 10144  # rF2Extended
RF2_EXTENDED_PAGE_SIZE = 8 + RF2_EXTENDED_SIZE
RF2_EXTENDED = {  # rF2Extended, offsets within the page (version block included)
    "mVersion": (8, "12s"),
    "is64bit": (20, "?"),
    "mInRealtimeFC": (8 + 8248, "?"),
    "mSessionStarted": (8 + 8251, "?"),
    "mTicksSessionStarted": (8 + 8252, "Q"),
    "mUnsubscribedBuffersMask": (8 + 10136, "i"),
}
RF2_TELEMETRY_NAME = "$rFactor2SMMP_Telemetry$"
RF2_SCORING_NAME = "$rFactor2SMMP_Scoring$"
RF2_EXTENDED_NAME = "$rFactor2SMMP_Extended$"

# --- LMU_Data (SharedMemoryInterface.hpp + LMU's InternalsPlugin.hpp) -------------------------------------------

LMU_TELEMETRY = {  # TelemInfoV01, LMU 1.2 edition: the rF2 fields plus these
    **RF2_TELEMETRY,
    "mDeltaBest": (696, "d"),
    "mElectricBoostMotorState": (744, "B"),
    "mLapInvalidated": (745, "?"),
    "mABSActive": (746, "?"),
    "mTCActive": (747, "?"),
    "mTimeGapCarAhead": (780, "f"),
}
LMU_VEHICLE_SCORING = {**RF2_VEHICLE_SCORING, "mSteamID": (536, "Q"), "mFuelFraction": (578, "B")}
LMU_SCORING_INFO = {**RF2_SCORING_INFO, "mTrackLimitsStepsPerPenalty": (351, "B")}
LMU_GENERIC_SIZE = 64 + 4 + 4 + 260  # events[16], gameVersion, FFBTorque, ApplicationStateV01
LMU_PATHS_SIZE = 5 * 260
LMU_SCORING_AT = LMU_GENERIC_SIZE + LMU_PATHS_SIZE  # 1632, a multiple of 8 as the size_t inside needs
LMU_SCORING_STREAM_SIZE_AT = LMU_SCORING_AT + 548 + 4  # size_t after 4 bytes of padding: 2184
LMU_SCORING_VEHICLES_AT = LMU_SCORING_STREAM_SIZE_AT + 8  # 2192
LMU_SCORING_SIZE = 548 + 4 + 8 + 104 * 584 + 65536  # 126832
LMU_TELEMETRY_AT = LMU_SCORING_AT + LMU_SCORING_SIZE  # 128464
LMU_TELEMETRY_VEHICLES_AT = LMU_TELEMETRY_AT + 4  # three bytes, then TelemInfoV01 aligned to 4
LMU_DATA_SIZE = LMU_TELEMETRY_VEHICLES_AT + 104 * RF2_VEHICLE_TELEMETRY_SIZE + 4  # padded to 8: 324824
LMU_GENERIC = {
    "events": (0, "16I"),
    "gameVersion": (64, "i"),
    "FFBTorque": (68, "f"),
    "mAppWindow": (72, "Q"),
    "mOptionsLocation": (72 + 24, "B"),
}


def rf2_put(buf: bytearray, base: int, table: dict[str, tuple[int, str]], values: dict[str, object]) -> None:
    """Write ``values`` at ``base`` using a hand-made (offset, struct format) table."""
    for name, value in values.items():
        offset, fmt = table[name]
        items = value if isinstance(value, tuple) else (value,)
        struct.pack_into("<" + fmt, buf, base + offset, *items)


@dataclass
class Rf2Scene:
    """What the fake game shows: one player car among others, in plain game units (m/s, Kelvin, kPa)."""

    track: str = "Circuit de Spa-Francorchamps"
    track_length: float = 7004.0
    session: int = 10  # race
    phase: int = 5  # green flag
    in_realtime: bool = True
    driver: str = "Test Driver"
    car: str = "Porsche 963 #6"
    car_class: str = "Hypercar"
    player_id: int = 7
    place: int = 3
    laps_done: int = 0
    lap_dist: float = 700.4
    best: float = -1.0
    last: float = -1.0
    in_pits: bool = False
    control: int = 0
    count_lap: int = 2
    elapsed: float = 100.0
    lap_start: float = 90.0
    vel: tuple[float, float, float] = (0.0, 0.0, -50.0)
    accel: tuple[float, float, float] = (-9.80665, 0.0, 4.903325)
    pos: tuple[float, float, float] = (120.5, 8.25, -310.0)
    rpm: float = 7200.0
    max_rpm: float = 8500.0
    gear: int = 4
    throttle: float = 0.8
    brake: float = 0.1
    clutch: float = 0.0
    steering: float = -0.25
    fuel: float = 42.5
    capacity: float = 90.0
    oil: float = 105.0
    water: float = 88.0
    carcass_k: tuple[float, float, float, float] = (353.15, 354.15, 355.15, 356.15)
    surface_k: tuple[tuple[float, float, float], ...] = (
        (360.15, 361.15, 362.15),
        (363.15, 364.15, 365.15),
        (366.15, 367.15, 368.15),
        (369.15, 370.15, 371.15),
    )
    pressure_kpa: tuple[float, float, float, float] = (172.36893, 175.0, 180.0, 185.0)
    wear: tuple[float, float, float, float] = (1.0, 0.9, 0.8, 0.75)
    brake_k: tuple[float, float, float, float] = (673.15, 683.15, 573.15, 583.15)
    ride_height_m: tuple[float, float, float, float] = (0.05, 0.051, 0.06, 0.061)
    lap_invalidated: bool = False
    abs_active: bool = True
    tc_active: bool = False
    others: int = 2
    plugin_version: bytes = b"3.7.15.1"
    extra: dict[str, object] = field(default_factory=dict)

    def telemetry_values(self) -> dict[str, object]:
        return {
            "mID": self.player_id,
            "mElapsedTime": self.elapsed,
            "mLapNumber": self.laps_done,
            "mLapStartET": self.lap_start,
            "mVehicleName": self.car.encode(),
            "mTrackName": self.track.encode(),
            "mPos": self.pos,
            "mLocalVel": self.vel,
            "mLocalAccel": self.accel,
            "mGear": self.gear,
            "mEngineRPM": self.rpm,
            "mEngineWaterTemp": self.water,
            "mEngineOilTemp": self.oil,
            "mUnfilteredThrottle": self.throttle,
            "mUnfilteredBrake": self.brake,
            "mUnfilteredSteering": self.steering,
            "mUnfilteredClutch": self.clutch,
            "mFuel": self.fuel,
            "mEngineMaxRPM": self.max_rpm,
            "mFuelCapacity": self.capacity,
        }

    def wheel_values(self, i: int) -> dict[str, object]:
        return {
            "mRideHeight": self.ride_height_m[i],
            "mBrakeTemp": self.brake_k[i],
            "mPressure": self.pressure_kpa[i],
            "mTemperature": self.surface_k[i],
            "mWear": self.wear[i],
            "mTireCarcassTemperature": self.carcass_k[i],
        }

    def info_values(self, count: int) -> dict[str, object]:
        return {
            "mTrackName": self.track.encode(),
            "mSession": self.session,
            "mCurrentET": self.elapsed,
            "mLapDist": self.track_length,
            "mNumVehicles": count,
            "mGamePhase": self.phase,
            "mInRealtime": self.in_realtime,
            "mPlayerName": self.driver.encode(),
        }

    def vehicle_values(self) -> dict[str, object]:
        return {
            "mID": self.player_id,
            "mDriverName": self.driver.encode(),
            "mVehicleName": self.car.encode(),
            "mTotalLaps": self.laps_done,
            "mLapDist": self.lap_dist,
            "mBestLapTime": self.best,
            "mLastLapTime": self.last,
            "mIsPlayer": True,
            "mControl": self.control,
            "mInPits": self.in_pits,
            "mPlace": self.place,
            "mVehicleClass": self.car_class.encode(),
            "mCountLapFlag": self.count_lap,
        }

    def other_values(self, n: int) -> dict[str, object]:
        return {
            "mID": 100 + n,
            "mDriverName": f"AI {n}".encode(),
            "mVehicleName": b"Other Car",
            "mIsPlayer": False,
            "mControl": 1,
            "mPlace": 10 + n,
        }


def _put_car(buf: bytearray, at: int, scene: Rf2Scene, table: dict[str, tuple[int, str]], lmu: bool) -> None:
    rf2_put(buf, at, table, scene.telemetry_values())
    if lmu:
        rf2_put(
            buf,
            at,
            table,
            {"mLapInvalidated": scene.lap_invalidated, "mABSActive": scene.abs_active, "mTCActive": scene.tc_active},
        )
    for i in range(4):
        rf2_put(buf, at + RF2_WHEELS_AT + i * RF2_WHEEL_SIZE, RF2_WHEEL, scene.wheel_values(i))


def rf2_plugin_pages(scene: Rf2Scene, counter: int = 2) -> dict[str, bytearray]:
    """The three plugin pages with consistent version blocks; the player is not first in either array."""
    count = scene.others + 1
    telemetry = bytearray(RF2_TELEMETRY_PAGE_SIZE)
    struct.pack_into("<IIii", telemetry, 0, counter, counter, 0, count)
    # Telemetry lists the player last and scoring second, so that the mID match is what finds it.
    for n in range(scene.others):
        struct.pack_into("<i", telemetry, RF2_TELEMETRY_VEHICLES_AT + n * RF2_VEHICLE_TELEMETRY_SIZE, 100 + n)
    _put_car(
        telemetry, RF2_TELEMETRY_VEHICLES_AT + scene.others * RF2_VEHICLE_TELEMETRY_SIZE, scene, RF2_TELEMETRY, False
    )

    scoring = bytearray(RF2_SCORING_PAGE_SIZE)
    struct.pack_into("<II", scoring, 0, counter, counter)
    rf2_put(scoring, RF2_SCORING_INFO_AT, RF2_SCORING_INFO, scene.info_values(count))
    slots = [scene.vehicle_values() if n == 1 else scene.other_values(n) for n in range(count)]
    if count == 1:
        slots = [scene.vehicle_values()]
    for n, values in enumerate(slots):
        rf2_put(scoring, RF2_SCORING_VEHICLES_AT + n * RF2_VEHICLE_SCORING_SIZE, RF2_VEHICLE_SCORING, values)

    extended = bytearray(RF2_EXTENDED_PAGE_SIZE)
    struct.pack_into("<II", extended, 0, counter, counter)
    rf2_put(
        extended,
        0,
        RF2_EXTENDED,
        {
            "mVersion": scene.plugin_version,
            "is64bit": True,
            "mInRealtimeFC": scene.in_realtime,
            "mSessionStarted": True,
        },
    )
    return {RF2_TELEMETRY_NAME: telemetry, RF2_SCORING_NAME: scoring, RF2_EXTENDED_NAME: extended}


def rf2_lmu_page(scene: Rf2Scene, game_version: int = 1200, player_index: int = 1) -> bytearray:
    """A whole LMU_Data mapping; the player sits at ``player_index`` in telemetry and second in scoring."""
    count = scene.others + 1
    buf = bytearray(LMU_DATA_SIZE)
    events = [0] * 16
    events[10] = events[11] = 1  # SME_UPDATE_SCORING, SME_UPDATE_TELEMETRY
    rf2_put(buf, 0, LMU_GENERIC, {"events": tuple(events), "gameVersion": game_version, "mOptionsLocation": 3})
    rf2_put(buf, LMU_SCORING_AT, LMU_SCORING_INFO, scene.info_values(count))
    struct.pack_into("<Q", buf, LMU_SCORING_STREAM_SIZE_AT, 0)
    slots = [scene.vehicle_values() if n == 1 else scene.other_values(n) for n in range(count)]
    if count == 1:
        slots = [scene.vehicle_values()]
    for n, values in enumerate(slots):
        rf2_put(buf, LMU_SCORING_VEHICLES_AT + n * RF2_VEHICLE_SCORING_SIZE, LMU_VEHICLE_SCORING, values)
    struct.pack_into("<BB?", buf, LMU_TELEMETRY_AT, count, player_index, True)
    others = iter(range(scene.others))
    for slot in range(count):
        at = LMU_TELEMETRY_VEHICLES_AT + slot * RF2_VEHICLE_TELEMETRY_SIZE
        if slot == player_index:
            _put_car(buf, at, scene, LMU_TELEMETRY, True)
        else:
            struct.pack_into("<i", buf, at, 100 + next(others))
    return buf


class Rf2PageFile:
    """A page under the shared-memory folder, written in place like the game does (the reader keeps it mapped)."""

    def __init__(self, folder: Path, name: str, size: int) -> None:
        self.path = folder / name
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, size)
            self.map = mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def write(self, data: bytes | bytearray, versioned: bool = True) -> None:
        """Copy ``data`` in, bumping the version block around the copy as the plugin does."""
        m = self.map
        if not versioned:
            m[: len(data)] = data
            return
        begin = struct.unpack_from("<I", m, 0)[0]
        struct.pack_into("<I", m, 0, begin + 1)
        m[8 : len(data)] = data[8:]
        struct.pack_into("<I", m, 4, begin + 1)

    def close(self, remove: bool = False) -> None:
        self.map.close()
        if remove:
            self.path.unlink(missing_ok=True)


def rf2_write_files(folder: Path, pages: dict[str, bytes | bytearray]) -> None:
    """Create (or overwrite) page files in one go, for tests that only need a still picture."""
    for name, data in pages.items():
        (folder / name).write_bytes(bytes(data))
