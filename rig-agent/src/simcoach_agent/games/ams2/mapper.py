"""Joins Automobilista 2's UDP packets into frames of the player's car, converting units here.

Each datagram is recognised by packet type and length (``decoder``); its version is
information, logged once per new value and shown in the status. A datagram no layout
describes is counted (by reason, shown in the status) and skipped, never fatal.

Telemetry carries the car (the *viewed* participant); timings, time stats, participant and
vehicle names carry arrays of all participants, indexed by ``sViewedParticipantIndex``. The
latest of each is kept, and a frame is made only for a read that brought new telemetry while
the last game state said the player is driving.
"""

from __future__ import annotations

import ctypes
import logging
import math
import struct
from typing import Final

from simcoach_agent.games.ams2 import packets as p
from simcoach_agent.games.ams2.decoder import KIND, PacketError, check, decode
from simcoach_agent.games.ams2.laps import LapClock
from simcoach_agent.games.base import Mapper, RawSample
from simcoach_agent.telemetry import Frame, SessionInfo

log = logging.getLogger(__name__)

GAME: Final = "ams2"
_G: Final = 9.80665
_KPA_TO_PSI: Final = 1.0 / 6.894757
_MS_TO_KMH: Final = 3.6
_WHEEL_MAX_C: Final = 3000.0
_WHEEL_MIN_C: Final = -100.0
_TREAD_MIN_K: Final = _WHEEL_MIN_C + 273.15
_TREAD_MAX_K: Final = _WHEEL_MAX_C + 273.15
# The viewed participant's sRacePosition, (5 bytes), sRaceState, sCurrentLap, sCurrentTime in a timings packet.
_LAP_FIELDS: Final = struct.Struct("<B5xBBf")
_LAP_FIELDS_AT: Final = p.TimingsData.sPartcipants.offset + p.ParticipantInfo.sRacePosition.offset
_PARTICIPANT_SIZE: Final = ctypes.sizeof(p.ParticipantInfo)

STATUS: Final[dict[int, str]] = {
    p.GAME_EXITED: "game exited",
    p.GAME_FRONT_END: "in menu",
    p.GAME_INGAME_PLAYING: "driving",
    p.GAME_INGAME_PAUSED: "paused",
    p.GAME_INGAME_INMENU_TIME_TICKING: "in menu",
    p.GAME_INGAME_RESTARTING: "restarting",
    p.GAME_INGAME_REPLAY: "replay",
    p.GAME_FRONT_END_REPLAY: "replay",
}
SESSION_TYPES: Final[dict[int, str]] = {
    p.SESSION_PRACTICE: "practice",
    p.SESSION_TEST: "practice",
    p.SESSION_QUALIFY: "qualifying",
    p.SESSION_FORMATION_LAP: "race",
    p.SESSION_RACE: "race",
    p.SESSION_TIME_ATTACK: "hotlap",
}
# Short names of the packet kinds for the status line.
_SHORT_KIND: Final[dict[str, str]] = {
    "telemetry": "tel",
    "timings": "tim",
    "game state": "state",
    "race definition": "race",
    "participants": "part",
    "time stats": "stats",
    "vehicle names": "names",
}
# Distinct skip reasons kept (and logged) one by one; beyond, they are counted together, so a
# stream of garbage cannot grow the table without bound.
MAX_REASONS: Final = 32
OTHER_REASONS: Final = "other reasons (not logged one by one)"
# Class names kept (a game has a few hundred classes; 60 come per packet).
MAX_CLASSES: Final = 1024
_KELVIN: Final = 273.15
_STATE_SESSION_ENDS: Final = frozenset((p.GAME_EXITED, p.GAME_FRONT_END, p.GAME_INGAME_RESTARTING))

__all__ = ["Ams2Mapper", "PacketError", "check"]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()


def _block(partial_index: int) -> int:
    """Which 16 participants a split packet holds: mPartialPacketIndex counts from 1."""
    return max(partial_index - 1, 0) * p.PARTICIPANTS_PER_PACKET


def _celsius(value: float) -> float | None:
    return float(value) if -100.0 <= value <= _WHEEL_MAX_C else None


def _celsius4(a: list[int]) -> tuple[float, float, float, float] | None:
    if min(a) >= -100 and max(a) <= _WHEEL_MAX_C:
        return (float(a[0]), float(a[1]), float(a[2]), float(a[3]))
    return None


def _tread_celsius(kelvin: list[int]) -> tuple[float, float, float, float] | None:
    """sTyreTreadTemp (K) in °C; None while unset (0 K), as in the menus.

    Preferred to sTyreTemp, which shows a fixed 80 °C while the car is driven down the pit lane
    although the tread, its layers and the three thirds of the tread all say 31 °C (real capture).
    """
    k0, k1, k2, k3 = kelvin
    if min(kelvin) < _TREAD_MIN_K or max(kelvin) > _TREAD_MAX_K:
        # Unset (0 K), or damaged (48 K, found by bench/fuzz_ams2.py): not a tyre.
        return None
    return (k0 - _KELVIN, k1 - _KELVIN, k2 - _KELVIN, k3 - _KELVIN)


def _g(value: float) -> float | None:
    g = value / _G
    return g if -20.0 <= g <= 20.0 else None


def _world(value: float) -> float | None:
    return value if -1e7 <= value <= 1e7 else None


def _seconds(value: float) -> float | None:
    """A lap time: the game marks "none" with -1 (or 0)."""
    return value if 0.0 < value <= 1e6 else None


class Ams2Mapper(Mapper):
    """Keeps the latest packet of each kind and makes a frame from each new telemetry packet."""

    def __init__(self) -> None:
        self.packets: dict[str, int] = dict.fromkeys(KIND.values(), 0)
        self.skipped: dict[str, int] = {}
        # The version each kind of packet came with last (information, not a filter).
        self.versions: dict[str, int] = {}
        self._seen_versions: set[tuple[int, int]] = set()
        self._status = "waiting for telemetry"
        self._game_state: int | None = None
        self._state_changed = False
        self._session_state: int | None = None
        self._viewed = -1
        self._timings: p.TimingsData | None = None
        self._stats: p.TimeStatsData | None = None
        self._laps = LapClock()
        self._track: str | None = None
        self._track_length: float | None = None
        self._session_laps: int | None = None
        self._names: list[str | None] = [None] * p.UDP_STREAMER_PARTICIPANTS_SUPPORTED
        self._vehicles: list[tuple[str, int] | None] = [None] * p.UDP_STREAMER_PARTICIPANTS_SUPPORTED
        self._classes: dict[int, str] = {}

    # --- packets ---------------------------------------------------------------------------

    def map(self, raw: RawSample, rig: str, seq: int, t: float) -> Frame | None:
        telemetry: p.TelemetryData | None = None
        for name, data in raw.parts:
            try:
                if name != "udp":
                    raise PacketError("not a datagram", f"part {name!r} is not a UDP datagram")
                found = self._take(data)
            except PacketError as exc:
                self._skip(exc.reason)
                continue
            if found is not None:
                telemetry = found
            elif self._state_changed:
                # Telemetry before a change of game state in the same read was sent in the old state
                # (the last packets of a menu before PLAYING): not a frame of the new one.
                telemetry = None
            self._state_changed = False
        state = self._game_state
        if state is None:
            # The header says telemetry is only sent in a race; a real game streams it from its front
            # end too (rpm 8319, 0 K tyres, 0 °C oil while in the menus): wait for the game to say.
            if telemetry is not None:
                self._status = "waiting for the game state (sent every few seconds)"
            return None
        if state != p.GAME_INGAME_PLAYING:
            self._status = STATUS.get(state, "in menu")
            return None
        if telemetry is None:
            return None
        self._status = "driving"
        return self._frame(telemetry, rig, seq, t)

    def _take(self, data: bytes) -> p.TelemetryData | None:
        packet = decode(data)
        if packet is None:
            return None
        kind = packet.kind
        name = KIND[kind]
        self.packets[name] += 1
        self._note_version(kind, packet.version, len(data))
        decoded = packet.data
        if isinstance(decoded, p.TelemetryData):
            if decoded.sViewedParticipantIndex != self._viewed:
                self._laps.reset()  # another car is watched: its laps are not the ones followed so far
            self._viewed = decoded.sViewedParticipantIndex
            return decoded
        if isinstance(decoded, p.TimingsData):
            self._timings = decoded
            self._follow_laps(data)
        elif isinstance(decoded, p.GameStateData):
            state = decoded.mGameState
            self._state_changed = self._game_state is not None and state & 0x07 != self._game_state
            self._game_state = state & 0x07
            self._session_state = (state >> 4) & 0x07
            if self._game_state in _STATE_SESSION_ENDS:
                self._laps.reset()
        elif isinstance(decoded, p.TimeStatsData):
            self._stats = decoded
        elif isinstance(decoded, p.RaceData):
            self._take_race(decoded)
        elif isinstance(decoded, p.ParticipantsData):
            self._take_names(decoded)
        elif isinstance(decoded, p.ParticipantVehicleNamesData):
            self._take_vehicles(decoded)
        elif isinstance(decoded, p.VehicleClassNamesData):
            self._take_classes(decoded)
        return None

    def _note_version(self, kind: int, version: int, size: int) -> None:
        name = KIND[kind]
        if self.versions.get(name) != version:
            self.versions[name] = version
            if (kind, version) not in self._seen_versions:
                self._seen_versions.add((kind, version))
                log.info("ams2: %s packets of %d bytes carry version %d", name, size, version)

    def _follow_laps(self, timings: bytes) -> None:
        """The viewed participant's lap counter and time into the lap clock (read straight from the bytes)."""
        idx = self._viewed
        if 0 <= idx < p.UDP_STREAMER_PARTICIPANTS_SUPPORTED:
            placed, state, lap, current = _LAP_FIELDS.unpack_from(timings, _LAP_FIELDS_AT + idx * _PARTICIPANT_SIZE)
            if placed & p.PARTICIPANT_ACTIVE:
                self._laps.update(lap, current, bool(state & p.LAP_INVALIDATED))

    def _skip(self, reason: str) -> None:
        count = self.skipped.get(reason)
        if count is None:
            if len(self.skipped) >= MAX_REASONS:
                reason = OTHER_REASONS
                count = self.skipped.get(reason, 0)
            else:
                log.warning("ams2: skipping packets: %s", reason)
                count = 0
        self.skipped[reason] = count + 1

    def _take_race(self, race: p.RaceData) -> None:
        location = _text(race.sTrackLocation)
        variation = _text(race.sTrackVariation)
        track = " ".join(part for part in (location, variation) if part) or None
        if track != self._track:
            self._laps.reset()
        self._track = track
        length = race.sTrackLength
        self._track_length = float(length) if 0.0 < length <= 1e5 else None
        # The top bit marks a timed event (5-minute units); otherwise the value is the race's laps.
        laps = race.sLapsTimeInEvent
        self._session_laps = laps if laps and not laps & 0x8000 else None

    def _take_names(self, names: p.ParticipantsData) -> None:
        first = _block(names.sBase.mPartialPacketIndex)
        for i in range(p.PARTICIPANTS_PER_PACKET):
            if first + i < p.UDP_STREAMER_PARTICIPANTS_SUPPORTED:
                self._names[first + i] = _text(names.sName[i].value) or None

    def _take_vehicles(self, vehicles: p.ParticipantVehicleNamesData) -> None:
        first = _block(vehicles.sBase.mPartialPacketIndex)
        for i in range(p.VEHICLES_PER_PACKET):
            if first + i < p.UDP_STREAMER_PARTICIPANTS_SUPPORTED:
                vehicle = vehicles.sVehicles[i]
                name = _text(vehicle.sName)
                self._vehicles[first + i] = (name, int(vehicle.sClass)) if name else None

    def _take_classes(self, classes: p.VehicleClassNamesData) -> None:
        table = self._classes
        for info in classes.sClasses:
            name = _text(info.sName)
            if name:
                index = int(info.sClassIndex)
                table.pop(index, None)  # re-inserted as the newest
                table[index] = name
        # Class indices are hashes (a real capture has 2994243226 for "Straße B"): keep the newest only,
        # so a stream of damaged packets cannot grow the table without bound.
        while len(table) > MAX_CLASSES:
            del table[next(iter(table))]

    # --- the frame -------------------------------------------------------------------------

    def _frame(self, tel: p.TelemetryData, rig: str, seq: int, t: float) -> Frame:
        gear_nibble = tel.sGearNumGears & 0x0F
        gear = -1 if gear_nibble == p.GEAR_REVERSE_NIBBLE else (gear_nibble if gear_nibble <= 12 else None)
        speed = abs(tel.sSpeed) * _MS_TO_KMH
        rpm, max_rpm = tel.sRpm, tel.sMaxRpm
        capacity = float(tel.sFuelCapacity)
        level = tel.sFuelLevel
        fuel = min(max(level, 0.0), 1.0) * capacity if capacity > 0.0 and math.isfinite(level) else None
        accel = tel.sLocalAcceleration
        position = tel.sFullPosition
        flags = tel.sCarFlags

        tyre = _tread_celsius(tel.sTyreTreadTemp[:]) or _celsius4(tel.sTyreTemp[:])
        wear = tel.sTyreWear
        air = tel.sAirPressure
        left, centre, right = tel.sTyreTempLeft[:], tel.sTyreTempCenter[:], tel.sTyreTempRight[:]
        # The three thirds of the tread come together: all or none (unsigned, so no lower bound).
        thirds = max(left + centre + right) <= _WHEEL_MAX_C

        idx = tel.sViewedParticipantIndex
        lap = lap_time = lap_dist = track_pos = last_lap = best_lap = race_position = None
        lap_valid = in_pit = None
        if 0 <= idx < p.UDP_STREAMER_PARTICIPANTS_SUPPORTED:
            timings = self._timings
            if timings is not None:
                car = timings.sPartcipants[idx]
                placed = car.sRacePosition
                if placed & p.PARTICIPANT_ACTIVE:
                    race_position = (placed & p.RACE_POSITION_MASK) or None
                    lap = car.sCurrentLap or None
                    current = car.sCurrentTime
                    lap_time = current if 0.0 <= current <= 1e6 else None
                    lap_dist = float(car.sCurrentLapDistance)
                    length = self._track_length
                    track_pos = min(lap_dist / length, 1.0) if length else None
                    lap_valid = not car.sRaceState & p.LAP_INVALIDATED
                    in_pit = (car.sPitModeSchedule & 0x0F) != p.PIT_MODE_NONE
            stats = self._stats
            if stats is not None:
                record = stats.sStats.sParticipants[idx]
                last_lap = _seconds(record.sLastLapTime)
                best_lap = _seconds(record.sFastestLapTime)
            else:
                # No time-stats packet (real captures have none): derived from the timings' lap counter.
                last_lap, best_lap = self._laps.last, self._laps.best

        return Frame(
            rig=rig,
            seq=seq,
            t=t,
            speed_kmh=speed if speed <= 1000.0 else None,
            rpm=float(rpm) if rpm <= 30000 else None,
            max_rpm=float(max_rpm) if 0 < max_rpm <= 30000 else None,
            gear=gear,
            throttle=tel.sUnfilteredThrottle / 255.0,
            brake=tel.sUnfilteredBrake / 255.0,
            clutch=tel.sUnfilteredClutch / 255.0,
            steering=max(tel.sUnfilteredSteering / 127.0, -1.0),
            # Car space as a real capture shows it (docs/games/ams2.md): in a right-hand corner X is
            # negative, forward is -Z, and on the move the vertical leaves gravity out (1 g is added).
            g_lat=_g(-accel[0]),
            g_lon=_g(-accel[2]),
            g_vert=_g(accel[1] + _G),
            tyre_temp_c=tyre,
            tyre_pressure_psi=(air[0] * _KPA_TO_PSI, air[1] * _KPA_TO_PSI, air[2] * _KPA_TO_PSI, air[3] * _KPA_TO_PSI),
            tyre_wear=(wear[0] / 255.0, wear[1] / 255.0, wear[2] / 255.0, wear[3] / 255.0),
            brake_temp_c=_celsius4(tel.sBrakeTempCelsius[:]),
            oil_temp_c=_celsius(tel.sOilTempCelsius),
            water_temp_c=_celsius(tel.sWaterTempCelsius),
            fuel_l=fuel,
            fuel_capacity_l=capacity if capacity > 0.0 else None,
            lap=lap,
            lap_time_s=lap_time,
            last_lap_s=last_lap,
            best_lap_s=best_lap,
            lap_dist_m=lap_dist,
            track_pos=track_pos,
            lap_valid=lap_valid,
            in_pit=in_pit,
            position=race_position,
            pos_x=_world(position[0]),
            pos_y=_world(position[1]),
            pos_z=_world(position[2]),
            abs_active=bool(flags & p.CAR_ABS),
            tc_active=bool(flags & p.CAR_TCS),
            # Left/right thirds of the tread: on the left wheels the left third is the outer one.
            tyre_temp_inner_c=(float(right[0]), float(left[1]), float(right[2]), float(left[3])) if thirds else None,
            tyre_temp_middle_c=(float(centre[0]), float(centre[1]), float(centre[2]), float(centre[3]))
            if thirds
            else None,
            tyre_temp_outer_c=(float(left[0]), float(right[1]), float(left[2]), float(right[3])) if thirds else None,
        )

    # --- session and status ----------------------------------------------------------------

    def session(self) -> SessionInfo | None:
        idx = self._viewed
        driver = car = car_class = None
        if 0 <= idx < p.UDP_STREAMER_PARTICIPANTS_SUPPORTED:
            driver = self._names[idx]
            vehicle = self._vehicles[idx]
            if vehicle is not None:
                car = vehicle[0]
                car_class = self._classes.get(vehicle[1])
        session_type = SESSION_TYPES.get(self._session_state) if self._session_state is not None else None
        if self._track is None and car is None and driver is None and session_type is None:
            return None
        return SessionInfo(
            game=GAME,
            track=self._track,
            track_length_m=self._track_length,
            car=car,
            car_class=car_class,
            driver=driver,
            session_type=session_type,
            session_laps=self._session_laps,
        )

    def status(self) -> str:
        """The state, the packet versions seen (short names) and the bad packets skipped, if any."""
        status = self._status
        if self.versions:
            status += " (UDP v " + ", ".join(f"{_SHORT_KIND[k]} {v}" for k, v in self.versions.items()) + ")"
        skipped = sum(self.skipped.values())
        if skipped:
            status += f" ({skipped} bad packets skipped)"
        return status
