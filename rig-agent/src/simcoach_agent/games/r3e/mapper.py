"""Turns RaceRoom's ``$R3E`` page into the common frame: units converted, -1 markers made null, state recognised."""

from __future__ import annotations

import math
from typing import Any, Final

from simcoach_agent.games.base import Mapper, RawSample
from simcoach_agent.games.r3e.layout import (
    AID_ACTIVE,
    AID_UNAVAILABLE,
    CONTROL_AI,
    CONTROL_PLAYER,
    CONTROL_REMOTE,
    CONTROL_REPLAY,
    GAMEMODE_LEADERBOARDCHALLENGE,
    HEAD_SIZE,
    VERSION_MAJOR,
    VERSION_MINOR,
    R3EHead,
)
from simcoach_agent.games.r3e.reader import GAME, GARAGE_SINCE_MINOR, PART
from simcoach_agent.telemetry import Frame, SessionInfo

KMH_PER_MS: Final = 3.6
RPM_PER_RAD_S: Final = 60.0 / (2.0 * math.pi)
KPA_PER_PSI: Final = 6.894757
STANDARD_G: Final = 9.80665
NA: Final = -1.0  # R3E's "not available" marker for floats
# Duplicate samples are normal when we sample faster than the game writes; this many in a row is not.
_STALE_AFTER: Final = 30

SESSION_TYPES: Final = {0: "practice", 1: "qualifying", 2: "race", 3: "warmup"}
_CONTROL_STATUS: Final = {
    CONTROL_AI: "AI driving",
    CONTROL_REMOTE: "remote driver",
    CONTROL_REPLAY: "replay",
}


def _within(v: float, lo: float, hi: float) -> float | None:
    # Chained comparisons are False for NaN, so NaN and infinities become None too.
    return v if lo <= v <= hi else None


def _pedal(v: float) -> float | None:
    if v > -0.5:  # -1.0 = N/A; False for NaN
        return 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
    return None


def _signed(v: float) -> float | None:
    if -1.0 <= v <= 1.0:
        return v
    if v > 1.0:
        return 1.0
    return -1.0 if v < -1.0 else None


def _g(v: float) -> float | None:
    g = v / STANDARD_G
    if -20.0 <= g <= 20.0:
        return g
    if g > 20.0:
        return 20.0
    return -20.0 if g < -20.0 else None  # NaN


def _celsius(v: float) -> float | None:
    return v if v != NA and -100.0 <= v <= 3000.0 else None


def _wheels_c(a: float, b: float, c: float, d: float) -> tuple[float, float, float, float] | None:
    if NA in (a, b, c, d) or not (
        -100.0 <= a <= 3000.0 and -100.0 <= b <= 3000.0 and -100.0 <= c <= 3000.0 and -100.0 <= d <= 3000.0
    ):
        return None
    return (a, b, c, d)


def _text(raw: Any) -> str | None:
    text: str = bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    return text or None


class R3EMapper(Mapper):
    """Maps the player's car; nothing while paused, in a menu, the garage, a replay, or with the AI at the wheel."""

    def __init__(self) -> None:
        self._head: Any = None  # the last page of a running session, for session()
        self._ticks: int | None = None
        self._same = 0
        self._status = "waiting for RaceRoom"
        self._note = ""

    def status(self) -> str:
        return self._status + self._note

    def session(self) -> SessionInfo | None:
        s = self._head
        if s is None:
            return None
        track = _text(s.track_name)
        layout = _text(s.layout_name)
        if track and layout and layout != track:
            track = f"{track} - {layout}"
        info = s.vehicle_info
        if s.game_mode == GAMEMODE_LEADERBOARDCHALLENGE:
            session_type: str | None = "hotlap"
        else:
            session_type = SESSION_TYPES.get(s.session_type)
        return SessionInfo(
            game=GAME,
            track=track or layout,
            track_length_m=_within(s.layout_length, 1.0, 1e5),
            # The page has ids, not names: names live in RaceRoom's own data files.
            car=f"model {info.model_id}" if info.model_id > 0 else None,
            car_class=f"class {info.class_id}" if info.class_id > 0 else None,
            driver=_text(s.player_name) or _text(info.name),
            session_type=session_type,
        )

    def map(self, raw: RawSample, rig: str, seq: int, t: float) -> Frame | None:
        data = b""
        for name, part in raw.parts:
            if name == PART:
                data = part
        if len(data) < HEAD_SIZE:
            self._status = f"page too short ({len(data)} of {HEAD_SIZE} bytes)"
            return None
        s: Any = R3EHead.from_buffer_copy(data)
        if s.version_major != VERSION_MAJOR:
            self._status = (
                f"shared memory layout {s.version_major}.{s.version_minor}, "
                f"this agent implements {VERSION_MAJOR}.{VERSION_MINOR}"
            )
            return None
        minor: int = s.version_minor
        self._note = (
            f" (RaceRoom shares layout {VERSION_MAJOR}.{minor}, newer than {VERSION_MAJOR}.{VERSION_MINOR}: "
            "new fields ignored)"
            if minor > VERSION_MINOR
            else ""
        )
        self._head = s
        if s.game_paused == 1:
            self._status = "paused"
            return None
        if s.game_in_menus == 1:
            self._status = "in menu"
            return None
        if s.game_in_replay == 1:
            self._status = "replay"
            return None
        if s.game_player_in_garage == 1 and minor >= GARAGE_SINCE_MINOR:
            self._status = "in garage"
            return None
        control: int = s.control_type
        if control != CONTROL_PLAYER:
            self._status = _CONTROL_STATUS.get(control, "waiting for the car")
            return None

        player = s.player
        ticks: int = player.game_simulation_ticks
        if ticks == self._ticks or self._ticks is None:
            # Unchanged physics: nothing new. The first sample waits too, so a page the game
            # left behind when it quit is not sent as if it were live.
            self._ticks = ticks
            self._same += 1
            if self._same >= _STALE_AFTER:
                self._status = "waiting for new data (simulation ticks not advancing)"
            return None
        self._ticks = ticks
        self._same = 0
        self._status = "driving"
        return self._frame(s, rig, seq, t)

    def _frame(self, s: Any, rig: str, seq: int, t: float) -> Frame:
        player = s.player
        accel = s.local_acceleration
        tt = s.tire_temp
        fl, fr, rl, rr = tt[0].current_temp, tt[1].current_temp, tt[2].current_temp, tt[3].current_temp
        # current_temp is left, center, right as seen from the driver's seat: on the left-hand
        # tyres the left point is the outer shoulder, on the right-hand tyres it is the inner one.
        fl_l, fl_c, fl_r = fl[0], fl[1], fl[2]
        fr_l, fr_c, fr_r = fr[0], fr[1], fr[2]
        rl_l, rl_c, rl_r = rl[0], rl[1], rl[2]
        rr_l, rr_c, rr_r = rr[0], rr[1], rr[2]
        outer = _wheels_c(fl_l, fr_r, rl_l, rr_r)
        middle = _wheels_c(fl_c, fr_c, rl_c, rr_c)
        inner = _wheels_c(fl_r, fr_l, rl_r, rr_l)
        tyre_temp = (
            (
                (fl_l + fl_c + fl_r) / 3.0,
                (fr_l + fr_c + fr_r) / 3.0,
                (rl_l + rl_c + rl_r) / 3.0,
                (rr_l + rr_c + rr_r) / 3.0,
            )
            if outer and middle and inner
            else None
        )
        bt = s.brake_temp
        p = s.tire_pressure
        p0, p1, p2, p3 = p[0], p[1], p[2], p[3]
        pressure = (
            (p0 / KPA_PER_PSI, p1 / KPA_PER_PSI, p2 / KPA_PER_PSI, p3 / KPA_PER_PSI)
            if 0.0 <= p0 <= 1e4 and 0.0 <= p1 <= 1e4 and 0.0 <= p2 <= 1e4 and 0.0 <= p3 <= 1e4
            else None
        )
        w = s.tire_wear
        w0, w1, w2, w3 = _pedal(w[0]), _pedal(w[1]), _pedal(w[2]), _pedal(w[3])
        # The game counts tread left (1.0 = new); the frame counts wear (0 = new).
        wear = (
            (1.0 - w0, 1.0 - w1, 1.0 - w2, 1.0 - w3)
            if w0 is not None and w1 is not None and w2 is not None and w3 is not None
            else None
        )
        rh = player.ride_height
        rh0, rh1, rh2, rh3 = rh[0] * 1000.0, rh[1] * 1000.0, rh[2] * 1000.0, rh[3] * 1000.0
        ride_height = (
            (rh0, rh1, rh2, rh3)
            if -1e4 <= rh0 <= 1e4 and -1e4 <= rh1 <= 1e4 and -1e4 <= rh2 <= 1e4 and -1e4 <= rh3 <= 1e4
            else None
        )

        fuel_capacity: float = s.fuel_capacity
        has_tank = 0.0 < fuel_capacity <= 1000.0
        gear: int = s.gear
        completed: int = s.completed_laps
        lap_dist = _within(s.lap_distance, -1e5, 1e6)
        track_pos = _pedal(s.lap_distance_fraction)
        length: float = s.layout_length
        if track_pos is None and lap_dist is not None and 1.0 <= length <= 1e5:
            track_pos = _pedal(lap_dist / length)
        lap_valid: int = s.current_lap_valid
        in_pit: int = s.in_pitlane
        position: int = s.position
        aids = s.aid_settings
        abs_state: int = aids.abs
        tc_state: int = aids.tc
        pos = player.position
        max_rpm = s.max_engine_rps * RPM_PER_RAD_S

        return Frame(
            rig=rig,
            seq=seq,
            t=t,
            speed_kmh=_within(abs(s.car_speed) * KMH_PER_MS, 0.0, 1000.0),
            rpm=_within(max(s.engine_rps * RPM_PER_RAD_S, 0.0), 0.0, 30000.0),
            max_rpm=max_rpm if 0.0 < max_rpm <= 30000.0 else None,
            gear=gear if -1 <= gear <= 12 else None,
            throttle=_pedal(s.throttle),
            brake=_pedal(s.brake),
            clutch=_pedal(s.clutch),
            steering=_signed(s.steer_input_raw),
            # Car frame: +X left, +Y up, +Z back; the frame wants right, forward and up positive.
            g_lat=_g(-accel.x),
            g_lon=_g(-accel.z),
            g_vert=_g(accel.y),
            tyre_temp_c=tyre_temp,
            tyre_pressure_psi=pressure,
            tyre_wear=wear,
            brake_temp_c=_wheels_c(bt[0].current_temp, bt[1].current_temp, bt[2].current_temp, bt[3].current_temp),
            oil_temp_c=_celsius(s.engine_oil_temp),
            water_temp_c=_celsius(s.engine_temp),
            fuel_l=_within(s.fuel_left, 0.0, 1000.0) if has_tank else None,
            fuel_capacity_l=fuel_capacity if has_tank else None,
            lap=completed + 1 if 0 <= completed < 100000 else None,
            lap_time_s=_within(s.lap_time_current_self, 0.0, 1e6),
            last_lap_s=_within(s.lap_time_previous_self, 1e-3, 1e6),
            best_lap_s=_within(s.lap_time_best_self, 1e-3, 1e6),
            lap_dist_m=lap_dist,
            track_pos=track_pos,
            lap_valid=lap_valid == 1 if lap_valid in (0, 1) else None,
            in_pit=in_pit == 1 if in_pit in (0, 1) else None,
            position=position if 1 <= position <= 1000 else None,
            pos_x=_within(pos.x, -1e7, 1e7),
            pos_y=_within(pos.y, -1e7, 1e7),
            pos_z=_within(pos.z, -1e7, 1e7),
            abs_active=abs_state == AID_ACTIVE if abs_state != AID_UNAVAILABLE else None,
            tc_active=tc_state == AID_ACTIVE if tc_state != AID_UNAVAILABLE else None,
            tyre_temp_inner_c=inner,
            tyre_temp_middle_c=middle,
            tyre_temp_outer_c=outer,
            ride_height_mm=ride_height,
        )
