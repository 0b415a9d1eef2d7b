"""rF2/LMU structures to the common frame: units converted here, the player found, menus and pauses recognised.

Conversions: velocity m/s -> km/h, local acceleration m/s² -> g (rF2's local axes
are +x left, +y up, +z rearwards, so lateral and longitudinal change sign),
tyre and brake temperatures Kelvin -> °C, pressures kPa -> psi, mWear (1 = new)
-> wear (0 = new), scoring's completed laps -> lap counted from 1.

``tyre_temp_c`` is the carcass temperature (the core of the tyre); the three
surface temperatures (left/centre/right of the car) become the inner, middle and
outer extras, the inner edge being the one towards the car's centre line.
``g_vert`` is null: no header says whether rF2's vertical acceleration includes
gravity, and a guessed 1 g offset would be a made-up value.
"""

from __future__ import annotations

import ctypes
import math
import struct
from typing import Any, Final

from simcoach_agent.games.base import Mapper, RawSample
from simcoach_agent.games.rf2 import layout as rf2
from simcoach_agent.games.rf2 import layout_lmu as lmu
from simcoach_agent.games.rf2.extract import Extractor
from simcoach_agent.games.rf2.reader import LMU_PLAYER_PART
from simcoach_agent.telemetry import Frame, SessionInfo

G: Final = 9.80665
KPA_PER_PSI: Final = 6.894757
KELVIN: Final = 273.15
PAUSED_AFTER_S: Final = 0.5
"""Telemetry that has not moved for this long means the game is paused (a single repeat is just a slow update)."""

_I32 = struct.Struct("<i")
_BIG: Final = 1e300

_PLUGIN_IS_PLAYER: Final = rf2.VehicleScoring.mIsPlayer.offset
_PLUGIN_IN_REALTIME_FC: Final = rf2.EXTENDED_OFFSET + rf2.Extended.mInRealtimeFC.offset
_PLUGIN_VERSION_AT: Final = rf2.EXTENDED_OFFSET + rf2.Extended.mVersion.offset


def _telemetry_fields(wheels: str) -> dict[str, str]:
    fields = {
        "id": "mID",
        "elapsed": "mElapsedTime",
        "lap_start": "mLapStartET",
        "px": "mPos.x",
        "py": "mPos.y",
        "pz": "mPos.z",
        "vx": "mLocalVel.x",
        "vy": "mLocalVel.y",
        "vz": "mLocalVel.z",
        "ax": "mLocalAccel.x",
        "az": "mLocalAccel.z",
        "gear": "mGear",
        "rpm": "mEngineRPM",
        "water": "mEngineWaterTemp",
        "oil": "mEngineOilTemp",
        "throttle": "mUnfilteredThrottle",
        "brake": "mUnfilteredBrake",
        "steering": "mUnfilteredSteering",
        "clutch": "mUnfilteredClutch",
        "fuel": "mFuel",
        "max_rpm": "mEngineMaxRPM",
        "capacity": "mFuelCapacity",
    }
    for i, w in enumerate(("fl", "fr", "rl", "rr")):
        at = f"{wheels}[{i}]."
        fields |= {
            f"{w}_ride": at + "mRideHeight",
            f"{w}_brake": at + "mBrakeTemp",
            f"{w}_kpa": at + "mPressure",
            f"{w}_left": at + "mTemperature[0]",
            f"{w}_centre": at + "mTemperature[1]",
            f"{w}_right": at + "mTemperature[2]",
            f"{w}_wear": at + "mWear",
            f"{w}_carcass": at + "mTireCarcassTemperature",
        }
    return fields


_VEHICLE_FIELDS: Final = {
    "id": "mID",
    "laps": "mTotalLaps",
    "lap_dist": "mLapDist",
    "best": "mBestLapTime",
    "last": "mLastLapTime",
    "control": "mControl",
    "in_pits": "mInPits",
    "place": "mPlace",
    "count_lap": "mCountLapFlag",
}
_INFO_FIELDS: Final = {"length": "mLapDist", "count": "mNumVehicles", "phase": "mGamePhase", "realtime": "mInRealtime"}
_LMU_EXTRAS: Final = {"lap_invalidated": "mLapInvalidated", "abs": "mABSActive", "tc": "mTCActive"}

RF2_TELEMETRY: Final = Extractor(rf2.VehicleTelemetry, _telemetry_fields("mWheels"))
RF2_VEHICLE: Final = Extractor(rf2.VehicleScoring, _VEHICLE_FIELDS)
RF2_INFO: Final = Extractor(rf2.ScoringInfo, _INFO_FIELDS)
LMU_TELEMETRY: Final = Extractor(lmu.TelemInfoV01, _telemetry_fields("mWheel") | _LMU_EXTRAS)
LMU_VEHICLE: Final = Extractor(lmu.VehicleScoringInfoV01, _VEHICLE_FIELDS)
LMU_INFO: Final = Extractor(lmu.ScoringInfoV01, _INFO_FIELDS)


def session_type(session: int) -> str | None:
    """rF2's mSession: 0 test day, 1-4 practice, 5-8 qualifying, 9 warm-up, 10-13 race."""
    if 0 <= session <= 4:
        return "practice"
    if 5 <= session <= 8:
        return "qualifying"
    if session == 9:
        return "warmup"
    if 10 <= session <= 13:
        return "race"
    return None


def text(raw: bytes) -> str | None:
    """A game string: UTF-8 where it is, else Windows-1252, as rF2 writes names."""
    if not raw:
        return None
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        value = raw.decode("cp1252", "replace")
    return value.strip()[:200] or None


def _num(x: float, lo: float, hi: float) -> float | None:
    return x if lo <= x <= hi else None


def _clamp(x: float, lo: float, hi: float) -> float | None:
    if not -_BIG < x < _BIG:  # NaN and infinities
        return None
    return lo if x < lo else hi if x > hi else x


def _celsius(a: float, b: float, c: float, d: float) -> tuple[float, float, float, float] | None:
    """Four Kelvin readings in °C, or None unless all four are plausible."""
    a, b, c, d = a - KELVIN, b - KELVIN, c - KELVIN, d - KELVIN
    if -100.0 <= a <= 3000.0 and -100.0 <= b <= 3000.0 and -100.0 <= c <= 3000.0 and -100.0 <= d <= 3000.0:
        return (a, b, c, d)
    return None


def _all(a: float, b: float, c: float, d: float, *, lo: float, hi: float) -> tuple[float, float, float, float] | None:
    if lo <= a <= hi and lo <= b <= hi and lo <= c <= hi and lo <= d <= hi:
        return (a, b, c, d)
    return None


class Rf2Mapper(Mapper):
    """One mapper for rF2 and LMU: plugin pages and ``LMU_Data`` carry the same game structures."""

    def __init__(self, game: str = "rf2") -> None:
        self.game = game
        self._status = "waiting for the game"
        self._session_from: tuple[type[ctypes.Structure], type[ctypes.Structure], bytes, int, int] | None = None
        self._scoring_index = 0
        self._telemetry_index = 0
        self._last_elapsed = math.nan
        self._last_new_at = 0.0

    def status(self) -> str:
        return self._status

    def session(self) -> SessionInfo | None:
        if self._session_from is None:
            return None
        info_type, vehicle_type, scoring, info_at, vehicle_at = self._session_from
        info: Any = info_type.from_buffer_copy(scoring, info_at)
        vehicle: Any = vehicle_type.from_buffer_copy(scoring, vehicle_at)
        length = info.mLapDist
        return SessionInfo(
            game=self.game,
            track=text(info.mTrackName),
            track_length_m=length if 0.0 < length <= 1e5 else None,
            car=text(vehicle.mVehicleName),
            car_class=text(vehicle.mVehicleClass),
            driver=text(vehicle.mDriverName),
            session_type=session_type(info.mSession),
        )

    def map(self, raw: RawSample, rig: str, seq: int, t: float) -> Frame | None:
        pages = dict(raw.parts)
        if lmu.LMU_DATA_PAGE in pages and LMU_PLAYER_PART in pages:
            return self._map_lmu(
                pages[lmu.LMU_DATA_PAGE], pages[LMU_PLAYER_PART], t_mono=raw.t_mono, rig=rig, seq=seq, t=t
            )
        telemetry, scoring = pages.get(rf2.TELEMETRY_PAGE), pages.get(rf2.SCORING_PAGE)
        if telemetry is None or scoring is None:
            return self._idle("waiting for the game")
        return self._map_plugin(
            telemetry, scoring, pages.get(rf2.EXTENDED_PAGE), t_mono=raw.t_mono, rig=rig, seq=seq, t=t
        )

    def _idle(self, status: str) -> Frame | None:
        """Nothing to send, and why."""
        self._status = status
        return None

    def _map_plugin(
        self, telemetry: bytes, scoring: bytes, extended: bytes | None, *, t_mono: float, rig: str, seq: int, t: float
    ) -> Frame | None:
        if len(scoring) < rf2.SCORING_VEHICLES_OFFSET or len(telemetry) < rf2.TELEMETRY_VEHICLES_OFFSET:
            return self._idle("waiting for the game")
        info = RF2_INFO.read(scoring, rf2.SCORING_INFO_OFFSET)
        size = rf2.VEHICLE_SCORING_SIZE
        count = min(info.count, (len(scoring) - rf2.SCORING_VEHICLES_OFFSET) // size)
        index = self._plugin_player(scoring, count)
        if index < 0:
            return self._idle("in menu")
        vehicle_at = rf2.SCORING_VEHICLES_OFFSET + index * size
        vehicle = RF2_VEHICLE.read(scoring, vehicle_at)
        slot = self._plugin_telemetry_slot(telemetry, vehicle.id)
        if slot < 0:
            return self._idle("in menu")
        self._session_from = (rf2.ScoringInfo, rf2.VehicleScoring, scoring, rf2.SCORING_INFO_OFFSET, vehicle_at)
        in_realtime = info.realtime
        if extended is not None and len(extended) > _PLUGIN_IN_REALTIME_FC and extended[_PLUGIN_VERSION_AT]:
            in_realtime = in_realtime and extended[_PLUGIN_IN_REALTIME_FC] != 0
        tel = RF2_TELEMETRY.read(telemetry, slot)
        return self._frame(info, vehicle, tel, in_realtime, None, t_mono=t_mono, rig=rig, seq=seq, t=t)

    def _plugin_player(self, scoring: bytes, count: int) -> int:
        base, size = rf2.SCORING_VEHICLES_OFFSET + _PLUGIN_IS_PLAYER, rf2.VEHICLE_SCORING_SIZE
        cached = self._scoring_index
        if cached < count and scoring[base + cached * size]:
            return cached
        for i in range(count):
            if scoring[base + i * size]:
                self._scoring_index = i
                return i
        return -1

    def _plugin_telemetry_slot(self, telemetry: bytes, vehicle_id: int) -> int:
        """Offset of the player's VehicleTelemetry: telemetry and scoring list cars in their own orders."""
        size = rf2.VEHICLE_TELEMETRY_SIZE
        count = min(_I32.unpack_from(telemetry, rf2.TELEMETRY_NUM_OFFSET)[0], rf2.MAX_MAPPED_VEHICLES)
        count = min(count, (len(telemetry) - rf2.TELEMETRY_VEHICLES_OFFSET) // size)
        cached = self._telemetry_index
        at = rf2.TELEMETRY_VEHICLES_OFFSET + cached * size
        if cached < count and _I32.unpack_from(telemetry, at)[0] == vehicle_id:
            return at
        for i in range(count):
            at = rf2.TELEMETRY_VEHICLES_OFFSET + i * size
            if _I32.unpack_from(telemetry, at)[0] == vehicle_id:
                self._telemetry_index = i
                return at
        return -1

    def _map_lmu(self, scoring: bytes, player: bytes, *, t_mono: float, rig: str, seq: int, t: float) -> Frame | None:
        head = lmu.TELEMETRY_HEAD_SIZE
        if len(scoring) < lmu.SCORING_VEHICLES_OFFSET or len(player) < head + lmu.VEHICLE_TELEMETRY_SIZE:
            return self._idle("waiting for the game")
        if not player[2]:  # SharedMemoryTelemtryData.playerHasVehicle
            return self._idle("in menu")
        tel = LMU_TELEMETRY.read(player, head)
        info = LMU_INFO.read(scoring, lmu.SCORING_INFO_OFFSET)
        size = lmu.VEHICLE_SCORING_SIZE
        count = min(info.count, (len(scoring) - lmu.SCORING_VEHICLES_OFFSET) // size)
        index = self._lmu_player(scoring, count, tel.id)
        if index < 0:
            return self._idle("in menu")
        vehicle_at = lmu.SCORING_VEHICLES_OFFSET + index * size
        vehicle = LMU_VEHICLE.read(scoring, vehicle_at)
        self._session_from = (
            lmu.ScoringInfoV01,
            lmu.VehicleScoringInfoV01,
            scoring,
            lmu.SCORING_INFO_OFFSET,
            vehicle_at,
        )
        return self._frame(info, vehicle, tel, info.realtime, tel, t_mono=t_mono, rig=rig, seq=seq, t=t)

    def _lmu_player(self, scoring: bytes, count: int, vehicle_id: int) -> int:
        base, size = lmu.SCORING_VEHICLES_OFFSET, lmu.VEHICLE_SCORING_SIZE
        cached = self._scoring_index
        if cached < count and _I32.unpack_from(scoring, base + cached * size)[0] == vehicle_id:
            return cached
        for i in range(count):
            if _I32.unpack_from(scoring, base + i * size)[0] == vehicle_id:
                self._scoring_index = i
                return i
        return -1

    def _frame(
        self,
        info: Any,
        vehicle: Any,
        tel: Any,
        in_realtime: bool,
        lmu_tel: Any,
        *,
        t_mono: float,
        rig: str,
        seq: int,
        t: float,
    ) -> Frame | None:
        if not in_realtime:
            return self._idle("in menu")
        if vehicle.control == rf2.CONTROL_REPLAY:
            return self._idle("replay")
        if info.phase == rf2.GAME_PHASE_PAUSED:
            return self._idle("paused")
        elapsed = tel.elapsed
        if elapsed == self._last_elapsed:
            if t_mono - self._last_new_at > PAUSED_AFTER_S:
                self._status = "paused"
            return None
        self._last_elapsed = elapsed
        self._last_new_at = t_mono
        self._status = "driving"

        length, lap_dist, laps = info.length, vehicle.lap_dist, vehicle.laps
        ratio = lap_dist / length if 0.0 < length < _BIG and -_BIG < lap_dist < _BIG else math.nan
        # A tiny length can overflow the ratio to infinity, and infinity % 1.0 is NaN.
        track_pos = ratio % 1.0 if math.isfinite(ratio) else None
        lap_valid = vehicle.count_lap == rf2.COUNT_LAP_AND_TIME
        abs_active = tc_active = None
        if lmu_tel is not None:
            lap_valid = lap_valid and not lmu_tel.lap_invalidated
            abs_active, tc_active = lmu_tel.abs, lmu_tel.tc
        capacity, place, gear = tel.capacity, vehicle.place, tel.gear
        vx, vy, vz = tel.vx, tel.vy, tel.vz
        return Frame(
            rig=rig,
            seq=seq,
            t=t,
            speed_kmh=_num(math.sqrt(vx * vx + vy * vy + vz * vz) * 3.6, 0.0, 1000.0),
            rpm=_num(tel.rpm, 0.0, 30000.0),
            max_rpm=_num(tel.max_rpm, 1.0, 30000.0),
            gear=gear if -1 <= gear <= 12 else None,
            throttle=_clamp(tel.throttle, 0.0, 1.0),
            brake=_clamp(tel.brake, 0.0, 1.0),
            clutch=_clamp(tel.clutch, 0.0, 1.0),
            steering=_clamp(tel.steering, -1.0, 1.0),
            g_lat=_num(-tel.ax / G, -20.0, 20.0),
            g_lon=_num(-tel.az / G, -20.0, 20.0),
            g_vert=None,
            tyre_temp_c=_celsius(tel.fl_carcass, tel.fr_carcass, tel.rl_carcass, tel.rr_carcass),
            tyre_pressure_psi=_all(
                tel.fl_kpa / KPA_PER_PSI,
                tel.fr_kpa / KPA_PER_PSI,
                tel.rl_kpa / KPA_PER_PSI,
                tel.rr_kpa / KPA_PER_PSI,
                lo=0.0,
                hi=1000.0,
            ),
            tyre_wear=_all(1.0 - tel.fl_wear, 1.0 - tel.fr_wear, 1.0 - tel.rl_wear, 1.0 - tel.rr_wear, lo=0.0, hi=1.0),
            brake_temp_c=_celsius(tel.fl_brake, tel.fr_brake, tel.rl_brake, tel.rr_brake),
            oil_temp_c=_num(tel.oil, -100.0, 3000.0),
            water_temp_c=_num(tel.water, -100.0, 3000.0),
            fuel_l=_num(tel.fuel, 0.0, 1000.0),
            fuel_capacity_l=_num(capacity, 0.0, 1000.0) if capacity > 0.0 else None,
            lap=laps + 1 if 0 <= laps < 100000 else None,
            lap_time_s=_num(elapsed - tel.lap_start, 0.0, 1e6),
            last_lap_s=_num(vehicle.last, 1e-3, 1e6),
            best_lap_s=_num(vehicle.best, 1e-3, 1e6),
            lap_dist_m=_num(lap_dist, -1e5, 1e6),
            track_pos=track_pos,
            lap_valid=lap_valid,
            in_pit=vehicle.in_pits,
            position=place if place >= 1 else None,
            pos_x=_num(tel.px, -1e7, 1e7),
            pos_y=_num(tel.py, -1e7, 1e7),
            pos_z=_num(tel.pz, -1e7, 1e7),
            abs_active=abs_active,
            tc_active=tc_active,
            # Surface temperatures run left/centre/right of the car: a left wheel's inner edge is its right one.
            tyre_temp_inner_c=_celsius(tel.fl_right, tel.fr_left, tel.rl_right, tel.rr_left),
            tyre_temp_middle_c=_celsius(tel.fl_centre, tel.fr_centre, tel.rl_centre, tel.rr_centre),
            tyre_temp_outer_c=_celsius(tel.fl_left, tel.fr_right, tel.rl_left, tel.rr_right),
            ride_height_mm=_all(
                tel.fl_ride * 1000.0, tel.fr_ride * 1000.0, tel.rl_ride * 1000.0, tel.rr_ride * 1000.0, lo=-1e7, hi=1e7
            ),
        )
