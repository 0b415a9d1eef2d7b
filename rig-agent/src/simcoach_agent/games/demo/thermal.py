"""Slow car state: tyre and brake temperatures, tyre pressures and wear, oil and water, fuel."""

from __future__ import annotations

import math
from typing import Final

from simcoach_agent.games.demo import car

AMBIENT_C: Final = 22.0
TRACK_C: Final = 30.0

# Tyres: a lumped core temperature per tyre, heated by the work it does (speed
# times the share of the car's acceleration it carries) and cooled by air
# flow. Tuned so that fresh, unheated slicks (~45 C) come into a 75-95 C window
# within two laps, like GT3 Pirellis/Michelins without blankets.
TYRE_START_C: Final = 45.0
TYRE_HEAT: Final = 0.065  # K/s per (m/s * g) of work
TYRE_COOL: Final = 0.0055  # 1/s at standstill, grows with speed
TYRE_COOL_SPEED: Final = 25.0  # m/s at which cooling doubles
SURFACE_LAG_S: Final = 1.5  # surface readings follow the load much faster than the core
# Pressures: set cold at 22.5 psi; the gas inside runs cooler than the carcass.
COLD_PSI: Final = 22.5
COLD_K: Final = AMBIENT_C + 273.15
GAS_SHARE: Final = 0.55
ATMOSPHERE_PSI: Final = 14.696
# Wear: fraction of tread per (m/s * g) second of work: ~0.5 % a lap, more on the outside of right-handers.
WEAR_RATE: Final = 3.2e-6

# Brakes: disc surface temperature. Effective heat capacity is small because
# the sensor sees the surface, which runs far hotter than the disc's bulk.
BRAKE_START_C: Final = 150.0
BRAKE_CAPACITY_J_PER_K: Final = (2100.0, 2100.0, 2500.0, 2500.0)  # FL FR RL RR
# Ducts are never quite equal: the left side (the pit-wall side at Spa) runs a little cooler.
BRAKE_DUCT: Final = (1.04, 0.97, 1.03, 0.98)
BRAKE_COOL: Final = 0.011  # 1/s at standstill
BRAKE_COOL_SPEED: Final = 22.0

# Engine fluids settle on their own time scales from a cold-ish start.
OIL_START_C: Final = 70.0
WATER_START_C: Final = 62.0
OIL_TAU_S: Final = 110.0
WATER_TAU_S: Final = 70.0

# Fuel: flow grows with throttle and revs, tuned to ~3 l a lap at Spa. At full
# throttle that is ~0.3 ml a revolution, what a 6.2 l V8 burns taking in ~3 l
# of air a revolution at ~80 % volumetric efficiency and a 13:1 mixture.
FUEL_START_L: Final = 100.0
FUEL_PER_REV_FULL_L: Final = 3.0e-4  # litres per engine revolution at full throttle
FUEL_IDLE_SHARE: Final = 0.06  # the share still flowing with the throttle shut (overrun cut is not total)


class Thermals:
    """State that changes slowly with how the car is driven; step() is plain float arithmetic."""

    def __init__(self) -> None:
        self.tyre_core = [TYRE_START_C] * 4
        self.tyre_load = [0.0] * 4  # g carried, filtered like the surface temperature
        self.tyre_wear = [0.0] * 4  # fraction of tread gone
        self.brake = [BRAKE_START_C] * 4
        self.oil = OIL_START_C
        self.water = WATER_START_C
        self.fuel = FUEL_START_L
        self.lateral_right = 0.0  # filtered signed lateral g, for which edge of the tyre is hot

    def step(
        self, dt: float, *, v: float, throttle: float, brake: float, g_lat: float, g_lon: float, rpm: float
    ) -> None:
        # Load share of each tyre, FL FR RL RR. Right-handers (g_lat > 0) load the
        # left tyres; braking loads the fronts, accelerating the driven rears.
        right = max(0.0, g_lat)
        left = max(0.0, -g_lat)
        lat = (
            0.55 * (0.7 * right + 0.3 * left),
            0.55 * (0.7 * left + 0.3 * right),
            0.45 * (0.7 * right + 0.3 * left),
            0.45 * (0.7 * left + 0.3 * right),
        )
        braking = max(0.0, -g_lon)
        driving = max(0.0, g_lon)
        lon = (0.32 * braking, 0.32 * braking, 0.18 * braking + 0.5 * driving, 0.18 * braking + 0.5 * driving)
        cool = TYRE_COOL * (1.0 + v / TYRE_COOL_SPEED)
        blend = min(1.0, dt / SURFACE_LAG_S)
        for w in range(4):
            load = lat[w] + lon[w]
            work = v * load
            core = self.tyre_core[w]
            self.tyre_core[w] = core + dt * (TYRE_HEAT * work - cool * (core - TRACK_C))
            self.tyre_load[w] += (load - self.tyre_load[w]) * blend
            self.tyre_wear[w] = min(1.0, self.tyre_wear[w] + WEAR_RATE * work * dt)
        self.lateral_right += (g_lat - self.lateral_right) * blend

        # Brakes: the power the tyres take out through the discs, split by bias.
        power = brake * car.brake_limit(v) * car.MASS_KG * v
        bcool = BRAKE_COOL * (1.0 + v / BRAKE_COOL_SPEED)
        front = car.BRAKE_BIAS_FRONT / 2.0 * power
        rear = (1.0 - car.BRAKE_BIAS_FRONT) / 2.0 * power
        for w in range(4):
            heat = front if w < 2 else rear
            temp = self.brake[w]
            self.brake[w] = temp + dt * (heat / BRAKE_CAPACITY_J_PER_K[w] - bcool * BRAKE_DUCT[w] * (temp - AMBIENT_C))

        load = rpm / car.MAX_RPM
        oil_target = 88.0 + 12.0 * throttle + 8.0 * load
        water_target = 80.0 + 7.0 * throttle + 4.0 * load
        self.oil += (oil_target - self.oil) * min(1.0, dt / OIL_TAU_S)
        self.water += (water_target - self.water) * min(1.0, dt / WATER_TAU_S)

        flow = FUEL_PER_REV_FULL_L * rpm / 60.0 * (FUEL_IDLE_SHARE + (1.0 - FUEL_IDLE_SHARE) * throttle)
        self.fuel = max(0.0, self.fuel - flow * dt)

    def tyre_pressures(self) -> tuple[float, float, float, float]:
        """Gauge psi from the gas temperature, ideal-gas-like at constant volume."""
        p = []
        for core in self.tyre_core:
            gas_k = COLD_K + GAS_SHARE * (core - AMBIENT_C)
            p.append((COLD_PSI + ATMOSPHERE_PSI) * gas_k / COLD_K - ATMOSPHERE_PSI)
        return p[0], p[1], p[2], p[3]

    def tyre_surface(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """Inner, middle and outer tread temperatures of the four tyres.

        Negative camber keeps the inner edge hottest on straights; in a turn the
        loaded tyres' outer edges heat up. Left tyres' outer edge is on the
        car's left, so right-handers (positive lateral g) heat it.
        """
        inner, middle, outer = [], [], []
        right = max(0.0, self.lateral_right)
        left = max(0.0, -self.lateral_right)
        for w in range(4):
            core = self.tyre_core[w]
            load = self.tyre_load[w]
            edge = right if w in (0, 2) else left
            inner.append(core + 4.0 + 6.0 * load)
            middle.append(core + 1.0 + 8.0 * load)
            outer.append(core - 2.0 + 4.0 * load + 10.0 * edge)
        return tuple(inner), tuple(middle), tuple(outer)


def clamp_celsius(value: float) -> float:
    """Keep a temperature inside what a frame accepts, whatever a model does at its edges."""
    if math.isnan(value):
        return AMBIENT_C
    return max(-100.0, min(3000.0, value))
