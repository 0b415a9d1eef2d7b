"""ACC's and AC's pages to the common frame: units, conventions, and what each game leaves out.

Conventions taken from Kunos' pages (see docs/games/acc.md for the evidence):
gear 0 is reverse and 1 neutral; the clutch reads 1 released and 0 pressed;
``accG`` is the car's own acceleration in g, x to the left, y up, z forward,
without gravity (0 at rest); lap times are integer milliseconds, INT_MAX or 0
when there is none.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from simcoach_agent.games.acc.detect import GAME_NAMES, Variant, identify, wide
from simcoach_agent.games.acc.layout import (
    AC_DRAG,
    AC_DRIFT,
    AC_HOTLAP,
    AC_HOTLAPSUPERPOLE,
    AC_HOTSTINT,
    AC_LIVE,
    AC_OFF,
    AC_PAUSE,
    AC_PRACTICE,
    AC_QUALIFY,
    AC_RACE,
    AC_REPLAY,
    AC_TIME_ATTACK,
    MAX_CARS,
    NO_TIME_MS,
)
from simcoach_agent.games.base import Mapper, RawSample
from simcoach_agent.telemetry import Frame, SessionInfo

log = logging.getLogger(__name__)

SESSION_TYPES: Final = {
    AC_PRACTICE: "practice",
    AC_QUALIFY: "qualifying",
    AC_RACE: "race",
    AC_HOTLAP: "hotlap",
    AC_TIME_ATTACK: "time_attack",
    AC_DRIFT: "drift",
    AC_DRAG: "drag",
    AC_HOTSTINT: "hotstint",
    AC_HOTLAPSUPERPOLE: "superpole",
}
STATES: Final = {AC_OFF: "in menu", AC_REPLAY: "replay", AC_PAUSE: "paused"}
# Frozen physics for this long while live reads as a stall on the status line.
STALLED_AFTER_S: Final = 0.5
_MAX_LAP_MS: Final = 1_000_000_000  # the frame's bound on lap times (1e6 s)


class AccMapper(Mapper):
    """Maps either game; the static page says which, ``hint`` is what the user asked for."""

    def __init__(self, hint: str = "acc") -> None:
        self.hint = hint
        self.variant: Variant | None = None
        self._state = "waiting for the game"
        self._static_raw = b""
        self._session: SessionInfo | None = None
        self._session_type: int | None = None
        self._track: str | None = None
        self._car: str | None = None
        self._driver: str | None = None
        self._track_length: float | None = None
        self._max_rpm: float | None = None
        self._max_fuel: float | None = None
        self._last_packet: int | None = None
        self._packet_at = 0.0
        self._player_index = 0
        self._warned: str | None = None
        self._physics_size = self._graphics_size = 0

    def map(self, raw: RawSample, rig: str, seq: int, t: float) -> Frame | None:
        physics = graphics = static = None
        for name, data in raw.parts:
            if name == "physics":
                physics = data
            elif name == "graphics":
                graphics = data
            elif name == "static":
                static = data
        if static is not None and static != self._static_raw:
            self._read_static(static)
        variant = self.variant
        if variant is None or physics is None or graphics is None:
            return None
        if len(physics) < self._physics_size or len(graphics) < self._graphics_size:
            self._state = (
                f"pages too short for {variant.label} (physics {len(physics)}/{self._physics_size}, "
                f"graphics {len(graphics)}/{self._graphics_size} bytes)"
            )
            return None
        g = variant.graphics.from_buffer_copy(graphics)
        if g.session != self._session_type:
            self._session_type = g.session
            self._session = None
        status = g.status
        if status != AC_LIVE:
            self._state = STATES.get(status, f"unknown status {status}")
            return None
        p = variant.physics.from_buffer_copy(physics)
        packet = p.packetId
        if packet == self._last_packet:
            # Nothing new since the last frame; a long freeze is a stall, not driving.
            if raw.t_mono - self._packet_at > STALLED_AFTER_S:
                self._state = "stalled (the game's physics stopped updating)"
            return None
        first = self._last_packet is None
        self._last_packet = packet
        self._packet_at = raw.t_mono
        if first:
            # A page left behind by a closed game looks live too: wait to see it move.
            self._state = "waiting for the game's data to change"
            return None
        self._state = "driving"
        return self._frame(p, g, rig, seq, t, acc=variant.game == "acc")

    def session(self) -> SessionInfo | None:
        if self._session is None and self.variant is not None:
            self._session = SessionInfo(
                game=self.variant.game,
                track=self._track,
                track_length_m=self._track_length,
                car=self._car,
                car_class=None,  # neither game says
                driver=self._driver,
                session_type=SESSION_TYPES.get(self._session_type) if self._session_type is not None else None,
            )
        return self._session

    def status(self) -> str:
        variant = self.variant
        if variant is not None and variant.game != self.hint:
            return f"{self._state} (the running game is {GAME_NAMES[variant.game]}, not {GAME_NAMES[self.hint]})"
        return self._state

    def _read_static(self, static: bytes) -> None:
        self._static_raw = static
        self._session = None
        found = identify(static, self.hint)
        if isinstance(found, str):
            self.variant = None
            self._state = f"waiting: {found}"
            return
        self.variant = found
        self._physics_size, self._graphics_size, _ = found.sizes
        layout = found.static
        s = layout.from_buffer_copy(static)
        self._track = wide(static, layout.track) or None
        config = wide(static, layout.trackConfiguration) if found.game == "ac" else None
        if self._track and config:
            self._track = f"{self._track}/{config}"
        self._car = wide(static, layout.carModel) or None
        names = [wide(static, getattr(layout, n)) or "" for n in ("playerName", "playerSurname")]
        self._driver = " ".join(n for n in names if n) or wide(static, layout.playerNick) or None
        self._track_length = _within(s.trackSPlineLength, 1.0, 1e5)  # ACC leaves it 0
        self._max_rpm = float(s.maxRpm) if 0 < s.maxRpm <= 30000 else None
        self._max_fuel = _within(s.maxFuel, 0.1, 1000.0)
        if found.game not in (self.hint, self._warned):
            self._warned = found.game
            log.warning(
                "%s: the running game is %s, not %s: reading it with the %s layout",
                self.hint,
                GAME_NAMES[found.game],
                GAME_NAMES[self.hint],
                found.label,
            )

    def _frame(self, p: Any, g: Any, rig: str, seq: int, t: float, *, acc: bool) -> Frame:
        ax, ay, az = p.accG[:]
        track_pos = _unit(g.normalizedCarPosition)
        length = self._track_length
        laps = g.completedLaps
        position = g.position
        speed = abs(p.speedKmh)
        rpm = float(p.rpms)
        if acc:
            coords = self._player_coordinates(g)
            front = rear = None
        else:
            coords = g.carCoordinates[:]  # AC's page has the player's car only
            front, rear = p.rideHeight[:]
        x, y, z = (c if -1e7 <= c <= 1e7 else None for c in coords) if coords is not None else (None, None, None)
        return Frame(
            rig=rig,
            seq=seq,
            t=t,
            speed_kmh=speed if speed <= 1000.0 else None,
            rpm=rpm if 0.0 <= rpm <= 30000.0 else None,
            max_rpm=self._max_rpm,
            gear=_gear(p.gear),
            throttle=_unit(p.gas),
            brake=_unit(p.brake),
            clutch=_unit(1.0 - p.clutch),  # the pages say 1 for a released pedal
            steering=_signed(p.steerAngle),
            g_lat=_within(-ax, -20.0, 20.0),  # x points left; the frame's lateral points right
            g_lon=_within(az, -20.0, 20.0),
            g_vert=_within(ay + 1.0, -20.0, 20.0),  # the pages leave gravity out; the frame reads 1 at rest
            tyre_temp_c=_wheels(p.tyreCoreTemperature[:], -100.0, 3000.0),
            tyre_pressure_psi=_wheels(p.wheelsPressure[:], 0.0, 1e4),
            tyre_wear=None,  # ACC: not provided; AC: a grip level of undocumented scale, not a wear fraction
            brake_temp_c=_wheels(p.brakeTemp[:], -100.0, 3000.0),
            oil_temp_c=None,  # in neither game's pages
            water_temp_c=_within(p.waterTemp, -100.0, 3000.0) if acc else None,  # not in AC's pages
            fuel_l=_within(p.fuel, 0.0, 1000.0),
            fuel_capacity_l=self._max_fuel,
            lap=laps + 1 if 0 <= laps < 100000 else None,
            lap_time_s=_ms(g.iCurrentTime),
            last_lap_s=_ms(g.iLastTime),
            best_lap_s=_ms(g.iBestTime),
            lap_dist_m=track_pos * length if track_pos is not None and length is not None else None,
            track_pos=track_pos,
            lap_valid=bool(g.isValidLap) if acc else None,  # not in AC's pages
            in_pit=bool(g.isInPit or g.isInPitLane),
            position=position if 1 <= position <= 1000 else None,
            pos_x=x,
            pos_y=y,
            pos_z=z,
            # ACC: > 0 while the aid works. AC's abs and tc are the aids' settings, not whether they work.
            abs_active=p.abs > 0.0 if acc else None,
            tc_active=p.tc > 0.0 if acc else None,
            wheel_slip=_wheels(p.wheelSlip[:], -1e7, 1e7),
            # "Not shown in ACC"; AC gives them.
            tyre_temp_inner_c=None if acc else _wheels(p.tyreTempI[:], -100.0, 3000.0),
            tyre_temp_middle_c=None if acc else _wheels(p.tyreTempM[:], -100.0, 3000.0),
            tyre_temp_outer_c=None if acc else _wheels(p.tyreTempO[:], -100.0, 3000.0),
            # AC has one height per axle (m), given to both of its wheels; ACC leaves it unused.
            ride_height_mm=None
            if front is None or rear is None
            else _wheels([front * 1000.0, front * 1000.0, rear * 1000.0, rear * 1000.0], -1e7, 1e7),
        )

    def _player_coordinates(self, g: Any) -> list[float] | None:
        """The player's entry of the sixty cars' coordinates: the one whose carID is playerCarID."""
        player = g.playerCarID
        ids = g.carID
        active = min(max(g.activeCars, 0), MAX_CARS)
        index = self._player_index
        if index >= active or ids[index] != player:
            try:
                index = ids[:active].index(player)
            except ValueError:
                return None
            self._player_index = index
        coords: list[float] = g.carCoordinates[index][:]
        return coords


def _within(value: float, lo: float, hi: float) -> float | None:
    """The value if it is in range (NaN is not), else None: out of range means unknown, not a clamp."""
    return value if lo <= value <= hi else None


def _unit(value: float) -> float | None:
    """Clamped to 0..1 (pedals and spline positions overshoot a little); NaN is None."""
    if value >= 0.0:
        return value if value <= 1.0 else 1.0
    return 0.0 if value < 0.0 else None


def _signed(value: float) -> float | None:
    """Clamped to -1..1; NaN is None."""
    if value >= -1.0:
        return value if value <= 1.0 else 1.0
    return -1.0 if value < -1.0 else None


def _gear(raw: int) -> int | None:
    gear = raw - 1  # 0 reverse, 1 neutral, 2 first
    return gear if -1 <= gear <= 12 else None


def _ms(value: int) -> float | None:
    # NO_TIME_MS (INT_MAX) marks "no time"; anything above the frame's 1e6 s is not a lap time either.
    return value / 1000.0 if 0 < value <= _MAX_LAP_MS and value != NO_TIME_MS else None


def _wheels(values: list[float], lo: float, hi: float) -> tuple[float, float, float, float] | None:
    fl, fr, rl, rr = values
    if lo <= fl <= hi and lo <= fr <= hi and lo <= rl <= hi and lo <= rr <= hi:
        return fl, fr, rl, rr
    return None
