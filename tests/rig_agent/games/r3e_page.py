"""A test-side ``$R3E`` page builder, laid out by hand from r3e.h and independent of the adapter's ctypes.

Each structure is a list of (field, struct format) in the header's order; offsets
are running sums of ``struct.calcsize`` with no padding (``#pragma pack(push, 1)``).
Nested structures are lists, arrays of structures are (list, count). Nothing here
imports the adapter, so a mistake in its layout cannot hide in both.
"""

from __future__ import annotations

import struct
from typing import Any, Union

Spec = list[tuple[str, Union[str, "Spec", tuple["Spec", int]]]]

VEC3_F32: Spec = [("x", "f"), ("y", "f"), ("z", "f")]
VEC3_F64: Spec = [("x", "d"), ("y", "d"), ("z", "d")]

PLAYER: Spec = [
    ("user_id", "i"),
    ("game_simulation_ticks", "i"),
    ("game_simulation_time", "d"),
    ("position", VEC3_F64),
    ("velocity", VEC3_F64),
    ("local_velocity", VEC3_F64),
    ("acceleration", VEC3_F64),
    ("local_acceleration", VEC3_F64),
    ("orientation", VEC3_F64),
    ("rotation", VEC3_F64),
    ("angular_acceleration", VEC3_F64),
    ("angular_velocity", VEC3_F64),
    ("local_angular_velocity", VEC3_F64),
    ("local_g_force", VEC3_F64),
    ("steering_force", "d"),
    ("steering_force_percentage", "d"),
    ("engine_torque", "d"),
    ("current_downforce", "d"),
    ("voltage", "d"),
    ("ers_level", "d"),
    ("power_mgu_h", "d"),
    ("power_mgu_k", "d"),
    ("torque_mgu_k", "d"),
    ("suspension_deflection", "4d"),
    ("suspension_velocity", "4d"),
    ("camber", "4d"),
    ("ride_height", "4d"),
    ("front_wing_height", "d"),
    ("front_roll_angle", "d"),
    ("rear_roll_angle", "d"),
    ("third_spring_suspension_deflection_front", "d"),
    ("third_spring_suspension_velocity_front", "d"),
    ("third_spring_suspension_deflection_rear", "d"),
    ("third_spring_suspension_velocity_rear", "d"),
    ("unused1", "d"),
    ("unused2", "d"),
    ("unused3", "d"),
]
FLAGS: Spec = [
    ("yellow", "i"),
    ("yellowCausedIt", "i"),
    ("yellowOvertake", "i"),
    ("yellowPositionsGained", "i"),
    ("sector_yellow", "3i"),
    ("closest_yellow_distance_into_track", "f"),
    ("blue", "i"),
    ("black", "i"),
    ("green", "i"),
    ("checkered", "i"),
    ("white", "i"),
    ("black_and_white", "i"),
]
PENALTIES: Spec = [(n, "f") for n in ("drive_through", "stop_and_go", "pit_stop", "time_deduction", "slow_down")]
TIRE_TEMP: Spec = [("current_temp", "3f"), ("optimal_temp", "f"), ("cold_temp", "f"), ("hot_temp", "f")]
BRAKE_TEMP: Spec = [("current_temp", "f"), ("optimal_temp", "f"), ("cold_temp", "f"), ("hot_temp", "f")]
DRIVER_INFO: Spec = [
    ("name", "64s"),
    *[
        (n, "i")
        for n in (
            "car_number",
            "class_id",
            "model_id",
            "team_id",
            "livery_id",
            "manufacturer_id",
            "user_id",
            "slot_id",
            "class_performance_index",
            "engine_type",
        )
    ],
    *[(n, "f") for n in ("car_width", "car_length", "rating", "reputation", "unused1", "unused2")],
]
DRIVER_DATA: Spec = [
    ("driver_info", DRIVER_INFO),
    ("finish_status", "i"),
    ("place", "i"),
    ("place_class", "i"),
    ("lap_distance", "f"),
    ("lap_distance_fraction", "f"),
    ("position", VEC3_F32),
    ("track_sector", "i"),
    ("completed_laps", "i"),
    ("current_lap_valid", "i"),
    ("lap_time_current_self", "f"),
    ("sector_time_current_self", "3f"),
    ("sector_time_previous_self", "3f"),
    ("sector_time_best_self", "3f"),
    ("time_delta_front", "f"),
    ("time_delta_behind", "f"),
    ("pitstop_status", "i"),
    ("in_pitlane", "i"),
    ("num_pitstops", "i"),
    ("penalties", PENALTIES),
    ("car_speed", "f"),
    ("tire_type_front", "i"),
    ("tire_type_rear", "i"),
    ("tire_subtype_front", "i"),
    ("tire_subtype_rear", "i"),
    ("base_penalty_weight", "f"),
    ("aid_penalty_weight", "f"),
    ("drs_state", "i"),
    ("ptp_state", "i"),
    ("virtual_energy", "f"),
    ("penaltyType", "i"),
    ("penaltyReason", "i"),
    ("engineState", "i"),
    ("orientation", VEC3_F32),
    ("unused1", "f"),
    ("unused2", "f"),
    ("unused3", "f"),
]
SHARED: Spec = [
    ("version_major", "i"),
    ("version_minor", "i"),
    ("all_drivers_offset", "i"),
    ("driver_data_size", "i"),
    ("game_mode", "i"),
    ("game_paused", "i"),
    ("game_in_menus", "i"),
    ("game_in_replay", "i"),
    ("game_using_vr", "i"),
    ("game_player_in_garage", "i"),
    ("player", PLAYER),
    ("track_name", "64s"),
    ("layout_name", "64s"),
    ("track_id", "i"),
    ("layout_id", "i"),
    ("layout_length", "f"),
    ("sector_start_factors", [("sector1", "f"), ("sector2", "f"), ("sector3", "f")]),
    ("race_session_laps", "3i"),
    ("race_session_minutes", "3i"),
    ("event_index", "i"),
    ("session_type", "i"),
    ("session_iteration", "i"),
    ("session_length_format", "i"),
    ("session_pit_speed_limit", "f"),
    ("session_phase", "i"),
    ("start_lights", "i"),
    ("tire_wear_active", "i"),
    ("fuel_use_active", "i"),
    ("number_of_laps", "i"),
    ("session_time_duration", "f"),
    ("session_time_remaining", "f"),
    ("max_incident_points", "i"),
    ("event_unused1", "f"),
    ("event_unused2", "f"),
    ("pit_window_status", "i"),
    ("pit_window_start", "i"),
    ("pit_window_end", "i"),
    ("in_pitlane", "i"),
    ("pit_menu_selection", "i"),
    ("pit_menu_state", "12i"),
    ("pit_state", "i"),
    ("pit_total_duration", "f"),
    ("pit_elapsed_time", "f"),
    ("pit_action", "i"),
    ("num_pitstops", "i"),
    ("pit_min_duration_total", "f"),
    ("pit_min_duration_left", "f"),
    ("flags", FLAGS),
    ("position", "i"),
    ("position_class", "i"),
    ("finish_status", "i"),
    ("cut_track_warnings", "i"),
    ("penalties", PENALTIES),
    ("num_penalties", "i"),
    ("completed_laps", "i"),
    ("current_lap_valid", "i"),
    ("track_sector", "i"),
    ("lap_distance", "f"),
    ("lap_distance_fraction", "f"),
    ("lap_time_best_leader", "f"),
    ("lap_time_best_leader_class", "f"),
    ("session_best_lap_sector_times", "3f"),
    ("lap_time_best_self", "f"),
    ("sector_time_best_self", "3f"),
    ("lap_time_previous_self", "f"),
    ("sector_time_previous_self", "3f"),
    ("lap_time_current_self", "f"),
    ("sector_time_current_self", "3f"),
    ("lap_time_delta_leader", "f"),
    ("lap_time_delta_leader_class", "f"),
    ("time_delta_front", "f"),
    ("time_delta_behind", "f"),
    ("time_delta_best_self", "f"),
    ("best_individual_sector_time_self", "3f"),
    ("best_individual_sector_time_leader", "3f"),
    ("best_individual_sector_time_leader_class", "3f"),
    ("incident_points", "i"),
    ("lap_valid_state", "i"),
    ("prev_lap_valid", "i"),
    ("discharge_rate", "f"),
    ("brake_regen", "f"),
    ("unused1", "f"),
    ("vehicle_info", DRIVER_INFO),
    ("player_name", "64s"),
    ("control_type", "i"),
    ("car_speed", "f"),
    ("engine_rps", "f"),
    ("max_engine_rps", "f"),
    ("upshift_rps", "f"),
    ("gear", "i"),
    ("num_gears", "i"),
    ("car_cg_location", VEC3_F32),
    ("car_orientation", [("pitch", "f"), ("yaw", "f"), ("roll", "f")]),
    ("local_acceleration", VEC3_F32),
    ("total_mass", "f"),
    ("fuel_left", "f"),
    ("fuel_capacity", "f"),
    ("fuel_per_lap", "f"),
    ("virtual_energy_left", "f"),
    ("virtual_energy_capacity", "f"),
    ("virtual_energy_per_lap", "f"),
    ("engine_temp", "f"),
    ("engine_oil_temp", "f"),
    ("fuel_pressure", "f"),
    ("engine_oil_pressure", "f"),
    ("turbo_pressure", "f"),
    ("throttle", "f"),
    ("throttle_raw", "f"),
    ("brake", "f"),
    ("brake_raw", "f"),
    ("clutch", "f"),
    ("clutch_raw", "f"),
    ("steer_input_raw", "f"),
    ("steer_lock_degrees", "i"),
    ("steer_wheel_range_degrees", "i"),
    ("aid_settings", [(n, "i") for n in ("abs", "tc", "esp", "countersteer", "cornering")]),
    ("drs", [(n, "i") for n in ("equipped", "available", "numActivationsLeft", "engaged")]),
    ("pit_limiter", "i"),
    (
        "push_to_pass",
        [
            ("available", "i"),
            ("engaged", "i"),
            ("amount_left", "i"),
            ("engaged_time_left", "f"),
            ("wait_time_left", "f"),
        ],
    ),
    ("brake_bias", "f"),
    ("drs_numActivationsTotal", "i"),
    ("ptp_numActivationsTotal", "i"),
    ("battery_soc", "f"),
    ("water_left", "f"),
    ("abs_setting", "i"),
    ("headlights", "i"),
    ("steer_wheel_max_rotation", "i"),
    ("tire_type", "i"),
    ("tire_rps", "4f"),
    ("tire_speed", "4f"),
    ("tire_grip", "4f"),
    ("tire_wear", "4f"),
    ("tire_flatspot", "4i"),
    ("tire_pressure", "4f"),
    ("tire_dirt", "4f"),
    ("tire_temp", (TIRE_TEMP, 4)),
    ("tire_type_front", "i"),
    ("tire_type_rear", "i"),
    ("tire_subtype_front", "i"),
    ("tire_subtype_rear", "i"),
    ("brake_temp", (BRAKE_TEMP, 4)),
    ("brake_pressure", "4f"),
    ("traction_control_setting", "i"),
    ("engine_map_setting", "i"),
    ("engine_brake_setting", "i"),
    ("traction_control_percent", "f"),
    ("tire_on_mtrl", "4i"),
    ("tire_load", "4f"),
    ("car_damage", [(n, "f") for n in ("engine", "transmission", "aerodynamics", "suspension", "unused1", "unused2")]),
    ("num_cars", "i"),
    ("all_drivers_data_1", (DRIVER_DATA, 128)),
]


def size_of(spec: Spec) -> int:
    total = 0
    for _, kind in spec:
        if isinstance(kind, str):
            total += struct.calcsize("<" + kind)
        elif isinstance(kind, tuple):
            total += size_of(kind[0]) * kind[1]
        else:
            total += size_of(kind)
    return total


def fields_of(spec: Spec, base: int = 0, prefix: str = "") -> dict[str, tuple[int, str]]:
    """Every leaf field as 'a.b[2].c' -> (offset, format), and every structure as 'a' -> (offset, '')."""
    out: dict[str, tuple[int, str]] = {}
    offset = base
    for name, kind in spec:
        path = prefix + name
        if isinstance(kind, str):
            out[path] = (offset, kind)
            offset += struct.calcsize("<" + kind)
        elif isinstance(kind, tuple):
            inner, count = kind
            out[path] = (offset, "")
            step = size_of(inner)
            if count <= 4:  # the 128-entry driver table is left out: nothing reads it entry by entry
                for i in range(count):
                    out.update(fields_of(inner, offset + i * step, f"{path}[{i}]."))
            offset += step * count
        else:
            out[path] = (offset, "")
            out.update(fields_of(kind, offset, path + "."))
            offset += size_of(kind)
    return out


SIZE = size_of(SHARED)
FIELDS = fields_of(SHARED)
HEAD_SIZE = FIELDS["num_cars"][0]  # the header's all_drivers_offset


class Page:
    """A whole ``$R3E`` page in a bytearray, filled field by field with ``struct.pack_into``."""

    def __init__(self) -> None:
        self.buf = bytearray(SIZE)

    def set(self, field: str, *values: Any) -> Page:
        offset, fmt = FIELDS[field]
        values = tuple(v.encode() if isinstance(v, str) else v for v in values)
        struct.pack_into("<" + fmt, self.buf, offset, *values)
        return self

    def get(self, field: str) -> Any:
        offset, fmt = FIELDS[field]
        got = struct.unpack_from("<" + fmt, self.buf, offset)
        return got[0] if len(got) == 1 else got


def driving_page(ticks: int = 1000) -> Page:
    """A page of a car on track in a practice session, every channel filled with a known value."""
    p = Page()
    p.set("version_major", 3).set("version_minor", 5)
    p.set("all_drivers_offset", HEAD_SIZE).set("driver_data_size", size_of(DRIVER_DATA))
    p.set("game_mode", 3)  # single race
    p.set("player.game_simulation_ticks", ticks).set("player.game_simulation_time", ticks / 400)
    p.set("player.position.x", 120.5).set("player.position.y", 3.25).set("player.position.z", -840.0)
    p.set("player.ride_height", 0.051, 0.052, 0.071, 0.072)
    p.set("track_name", "Circuit Zandvoort").set("layout_name", "Grand Prix")
    p.set("track_id", 2866).set("layout_id", 2867).set("layout_length", 4259.0)
    p.set("session_type", 0).set("session_phase", 5)
    p.set("in_pitlane", 0).set("position", 3)
    p.set("completed_laps", 4).set("current_lap_valid", 1)
    p.set("lap_distance", 1064.75).set("lap_distance_fraction", 0.25)
    p.set("lap_time_best_self", 92.5).set("lap_time_previous_self", 93.25).set("lap_time_current_self", 23.5)
    p.set("vehicle_info.name", "Lars Testman").set("vehicle_info.model_id", 4523).set("vehicle_info.class_id", 1703)
    p.set("player_name", "Lars Testman")
    p.set("control_type", 0)
    p.set("car_speed", 50.0)  # m/s
    p.set("engine_rps", 700.0).set("max_engine_rps", 800.0)  # rad/s
    p.set("gear", 4)
    p.set("local_acceleration.x", -9.80665)  # +X is left: one g to the right
    p.set("local_acceleration.y", 9.80665)
    p.set("local_acceleration.z", 4.903325)  # +Z is back: half a g of braking
    p.set("fuel_left", 42.5).set("fuel_capacity", 110.0)
    p.set("engine_temp", 88.0).set("engine_oil_temp", 104.5)
    p.set("throttle", 0.75).set("brake", 0.25).set("clutch", 0.0)
    p.set("steer_input_raw", -0.5)
    p.set("aid_settings.abs", 5).set("aid_settings.tc", 1)
    p.set("tire_wear", 1.0, 0.75, 0.5, 0.25)  # tread left: 1.0 = new
    p.set("tire_pressure", 172.369, 179.264, 165.474, 158.579)  # kPa: 25, 26, 24, 23 psi
    treads = ((70.0, 80.0, 90.0), (91.0, 81.0, 71.0), (60.0, 66.0, 72.0), (73.0, 67.0, 61.0))  # left, center, right
    for i, (left, center, right) in enumerate(treads):
        p.set(f"tire_temp[{i}].current_temp", left, center, right)
    for i, t in enumerate((420.0, 410.0, 300.0, 290.0)):
        p.set(f"brake_temp[{i}].current_temp", t)
    p.set("num_cars", 1)
    return p
