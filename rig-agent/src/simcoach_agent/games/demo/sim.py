"""DemoCar: a Mercedes-AMG GT3 lapping Spa in real time, frame by frame, with optional injected mistakes."""

from __future__ import annotations

import random
from collections.abc import Sequence

from simcoach_agent.games.demo import car, driver, lapsim, spa
from simcoach_agent.games.demo.mistakes import Mistake, MistakeRecord
from simcoach_agent.games.demo.thermal import Thermals, clamp_celsius
from simcoach_agent.telemetry.frame import Frame, SessionInfo

_N = lapsim.N
_LENGTH = spa.TRACK_LENGTH_M
_RPM_PER_SPEED = tuple(car.rpm_per_speed(g) for g in range(1, len(car.GEAR_RATIOS) + 1))
_NOISE_G = 0.015  # accelerometer noise and road bumps, g
_MAX_STEP_S = 0.1  # longer steps are split so laps and temperatures stay right


class DemoCar:
    """A simulated car on a flying lap of Spa; ``step`` moves time on, ``frame`` reads the state.

    The same seed, mistakes and sequence of ``step`` calls give the same frames.
    """

    def __init__(self, seed: int = 1, mistakes: Sequence[Mistake] = (), driver: str = "Demo Driver") -> None:
        self.seed = seed
        self.mistakes = tuple(mistakes)
        self.driver = driver
        for m in self.mistakes:
            spa.find_corner(m.corner)  # unknown corners fail here, not laps later
        # Separate streams, so that mistakes and noise never shift the driver's lap-to-lap variation.
        self._rng = random.Random(seed)
        self._mistake_rng = random.Random(f"mistakes-{seed}")
        self._noise_rng = random.Random(f"noise-{seed}")
        line = spa.outline()
        self._x = [float(v) for v in line.x] + [float(line.x[0])]
        self._y = [float(v) for v in line.y] + [float(line.y[0])]
        self._z = [float(v) for v in line.z] + [float(line.z[0])]
        self.thermals = Thermals()
        self.lap = 1
        self.lap_dist = 0.0
        self.lap_time = 0.0
        self.time = 0.0
        self.lap_times: list[float] = []
        self.mistake_log: list[MistakeRecord] = []
        self._pending: list[MistakeRecord] = []
        self._noise = (0.0, 0.0, 0.0, 0.0)
        # A flying lap: cross the line at the speed a lap before would have had
        # there; that lap is planned and thrown away, and the driver's random
        # stream restarts so lap 1 is the first lap it draws for.
        warmup = self._plan(1, 55.0, with_mistakes=False)
        self._rng = random.Random(seed)
        self._profile = self._plan(1, warmup.speed[_N])
        self._pending = list(self._profile.mistakes)

    # --- public API ---------------------------------------------------------

    @property
    def laps_completed(self) -> int:
        """Laps finished so far (lap 1 is the first)."""
        return len(self.lap_times)

    def session_info(self) -> SessionInfo:
        """What is being driven."""
        return SessionInfo(
            game="demo",
            track=spa.TRACK_NAME,
            track_length_m=_LENGTH,
            car=car.CAR_NAME,
            car_class=car.CAR_CLASS,
            driver=self.driver,
            session_type="practice",
        )

    def step(self, dt: float) -> None:
        """Advance the simulation by dt seconds (the car moves at the planned speed for where it is)."""
        while dt > _MAX_STEP_S:
            self.step(_MAX_STEP_S)
            dt -= _MAX_STEP_S
        if dt <= 0.0:
            return
        p = self._profile
        speed = p.speed
        s = self.lap_dist
        i = int(s)
        v = speed[i] + (speed[i + 1] - speed[i]) * (s - i)
        # Midpoint rule: the speed half a step ahead sets the distance covered.
        s_mid = min(s + 0.5 * v * dt, float(_N))
        j = min(int(s_mid), _N - 1)
        v_mid = speed[j] + (speed[j + 1] - speed[j]) * (s_mid - j)
        s_new = s + v_mid * dt
        self.time += dt
        if s_new >= _N:
            to_line = (_N - s) / v_mid
            self._finish_lap(self.lap_time + to_line)
            self.lap_time = dt - to_line
            s_new -= _N
            p = self._profile
        else:
            self.lap_time += dt
        self.lap_dist = s_new
        while self._pending and s_new >= self._pending[0].until_m:
            self.mistake_log.append(self._pending.pop(0))

        i = int(s_new)
        rpm = self._rpm(p.speed[i], p.gear[i])
        self.thermals.step(
            dt,
            v=p.speed[i],
            throttle=p.throttle[i],
            brake=p.brake[i],
            g_lat=p.g_lat[i],
            g_lon=p.g_lon[i],
            rpm=rpm,
        )
        gauss = self._noise_rng.gauss
        self._noise = (gauss(0.0, _NOISE_G), gauss(0.0, _NOISE_G), gauss(0.0, _NOISE_G), gauss(0.0, 0.004))

    def frame(self, rig: str, seq: int, t: float) -> Frame:
        """The current state as a frame; t (Unix seconds) and seq come from the caller."""
        p = self._profile
        s = self.lap_dist
        i = int(s)
        f = s - i
        v = p.speed[i] + (p.speed[i + 1] - p.speed[i]) * f
        gear = p.gear[i]
        th = self.thermals
        inner, middle, outer = th.tyre_surface()
        n_lat, n_lon, n_vert, n_steer = self._noise
        best = min(self.lap_times) if self.lap_times else None
        return Frame(
            rig=rig,
            seq=seq,
            t=t,
            speed_kmh=v * 3.6,
            rpm=self._rpm(v, gear),
            max_rpm=car.MAX_RPM,
            gear=gear,
            throttle=_unit(p.throttle[i]),
            brake=_unit(p.brake[i]),
            clutch=0.0,
            steering=_signed(p.steering[i] + n_steer),
            g_lat=p.g_lat[i] + n_lat,
            g_lon=p.g_lon[i] + n_lon,
            g_vert=p.g_vert[i] + n_vert,
            tyre_temp_c=_celsius4(th.tyre_core),
            tyre_pressure_psi=_four(th.tyre_pressures()),
            tyre_wear=_four(th.tyre_wear),
            brake_temp_c=_celsius4(th.brake),
            oil_temp_c=clamp_celsius(th.oil),
            water_temp_c=clamp_celsius(th.water),
            fuel_l=th.fuel,
            fuel_capacity_l=car.FUEL_CAPACITY_L,
            lap=self.lap,
            lap_time_s=self.lap_time,
            last_lap_s=self.lap_times[-1] if self.lap_times else None,
            best_lap_s=best,
            lap_dist_m=s,
            track_pos=_unit(s / _LENGTH),
            lap_valid=True,
            in_pit=False,
            position=1,
            pos_x=self._x[i] + (self._x[i + 1] - self._x[i]) * f,
            pos_y=self._y[i] + (self._y[i + 1] - self._y[i]) * f,
            pos_z=self._z[i] + (self._z[i + 1] - self._z[i]) * f,
            abs_active=p.abs_active[i],
            tc_active=p.tc_active[i],
            wheel_slip=(p.slip_front[i], p.slip_front[i], p.slip_rear[i], p.slip_rear[i]),
            tyre_temp_inner_c=_celsius4(inner),
            tyre_temp_middle_c=_celsius4(middle),
            tyre_temp_outer_c=_celsius4(outer),
        )

    # --- internals ----------------------------------------------------------

    def _plan(self, lap: int, v0: float, with_mistakes: bool = True) -> driver.LapProfile:
        mistakes = self.mistakes if with_mistakes else ()
        return driver.build_lap(lap, v0, self._rng, mistakes, self._mistake_rng)

    def _finish_lap(self, lap_time: float) -> None:
        self.lap_times.append(lap_time)
        self.mistake_log.extend(self._pending)
        v_end = self._profile.speed[_N]
        self.lap += 1
        self._profile = self._plan(self.lap, v_end)
        self._pending = list(self._profile.mistakes)

    @staticmethod
    def _rpm(v: float, gear: int) -> float:
        return min(car.MAX_RPM, max(car.IDLE_RPM, v * _RPM_PER_SPEED[gear - 1]))


def _unit(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def _signed(x: float) -> float:
    return -1.0 if x < -1.0 else 1.0 if x > 1.0 else x


def _four(values: Sequence[float]) -> tuple[float, float, float, float]:
    return values[0], values[1], values[2], values[3]


def _celsius4(values: Sequence[float]) -> tuple[float, float, float, float]:
    return (
        clamp_celsius(values[0]),
        clamp_celsius(values[1]),
        clamp_celsius(values[2]),
        clamp_celsius(values[3]),
    )
