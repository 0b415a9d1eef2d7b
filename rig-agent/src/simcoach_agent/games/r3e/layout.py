"""The ``$R3E`` shared-memory page of RaceRoom, as ctypes structures (pure data, no logic).

Followed: sector3studios/r3e-api, ``sample-c/src/r3e.h``, layout version 3.x
(``R3E_VERSION_MAJOR = 3``). The field order, C types, array sizes and
``#pragma pack(push, 1)`` are the header's; the names are its snake_case names.
The text read was the header at ``R3E_VERSION_MINOR = 4``; version 3.5 gave
names to three reserved slots without moving anything (``game_unused1`` became
``game_player_in_garage``, the scoring ``unused1``/``unused2`` became
``discharge_rate``/``brake_regen``, ``vehicle_unused1`` (a float) became the
int ``steer_wheel_max_rotation``), so one layout serves 3.0 to 3.5 and the 3.5
names are used. The game says where ``num_cars`` is (``all_drivers_offset``) and
how big a driver entry is (``driver_data_size``); the reader checks both against
this module, so a silent layout change is caught instead of misread.

Strings are UTF-8 ``uint8_t[64]`` arrays, NUL-padded. "N/A" markers are -1
(or -1.0) unless a comment says otherwise. Four-wheel arrays are indexed
FL, FR, RL, RR (``r3e_tire_index_enum``); the three tread temperatures are
left, center, right (``r3e_tire_temp_enum``).
"""

from __future__ import annotations

from ctypes import LittleEndianStructure, c_double, c_float, c_int32, c_uint8, sizeof
from typing import Final

SHARED_MEMORY_NAME: Final = "$R3E"
VERSION_MAJOR: Final = 3
VERSION_MINOR: Final = 5
NUM_DRIVERS_MAX: Final = 128
TIRE_INDEX_MAX: Final = 4
TIRE_TEMP_INDEX_MAX: Final = 3
PIT_MENU_MAX: Final = 12

i32 = c_int32
f32 = c_float
f64 = c_double
u8 = c_uint8

# r3e_gamemode
GAMEMODE_UNAVAILABLE: Final = -1
GAMEMODE_TRACKTEST: Final = 0
GAMEMODE_LEADERBOARDCHALLENGE: Final = 1
GAMEMODE_COMPETITION: Final = 2
GAMEMODE_SINGLERACE: Final = 3
GAMEMODE_CHAMPIONSHIP: Final = 4
GAMEMODE_MULTIPLAYER: Final = 5
GAMEMODE_MULTIPLAYERRANKED: Final = 6
GAMEMODE_TRYBEFOREYOUBUY: Final = 7

# r3e_session
SESSION_UNAVAILABLE: Final = -1
SESSION_PRACTICE: Final = 0
SESSION_QUALIFY: Final = 1
SESSION_RACE: Final = 2
SESSION_WARMUP: Final = 3

# r3e_control
CONTROL_UNAVAILABLE: Final = -1
CONTROL_PLAYER: Final = 0
CONTROL_AI: Final = 1
CONTROL_REMOTE: Final = 2
CONTROL_REPLAY: Final = 3

# r3e_aid_settings values
AID_UNAVAILABLE: Final = -1
AID_OFF: Final = 0
AID_ON: Final = 1
AID_ACTIVE: Final = 5  # "currently active": the aid is intervening now


class _Packed(LittleEndianStructure):
    _pack_ = 1  # #pragma pack(push, 1)


class R3EVec3F32(_Packed):
    """r3e_vec3_f32"""

    _fields_ = [
        ("x", f32),
        ("y", f32),
        ("z", f32),
    ]


class R3EVec3F64(_Packed):
    """r3e_vec3_f64"""

    _fields_ = [
        ("x", f64),
        ("y", f64),
        ("z", f64),
    ]


class R3EOriF32(_Packed):
    """r3e_ori_f32"""

    _fields_ = [
        ("pitch", f32),  # rad
        ("yaw", f32),  # rad
        ("roll", f32),  # rad
    ]


class R3ESectorStarts(_Packed):
    """r3e_sectorStarts: where sectors start, as fractions of the lap."""

    _fields_ = [
        ("sector1", f32),
        ("sector2", f32),
        ("sector3", f32),
    ]


class R3EPlayerData(_Packed):
    """r3e_playerdata: high-precision data of the player's car only."""

    _fields_ = [
        ("user_id", i32),
        ("game_simulation_ticks", i32),  # physics ticks, 1 tick = 1/400 s
        ("game_simulation_time", f64),  # s
        ("position", R3EVec3F64),  # world position, m
        ("velocity", R3EVec3F64),  # world, m/s
        ("local_velocity", R3EVec3F64),  # car frame, m/s
        ("acceleration", R3EVec3F64),  # world, m/s²
        ("local_acceleration", R3EVec3F64),  # car frame, m/s²
        ("orientation", R3EVec3F64),  # Euler angles
        ("rotation", R3EVec3F64),
        ("angular_acceleration", R3EVec3F64),  # torque / inertia
        ("angular_velocity", R3EVec3F64),  # world, rad/s
        ("local_angular_velocity", R3EVec3F64),  # car frame, rad/s
        ("local_g_force", R3EVec3F64),  # driver g-force, car frame
        ("steering_force", f64),
        ("steering_force_percentage", f64),
        ("engine_torque", f64),
        ("current_downforce", f64),  # N
        ("voltage", f64),  # currently unused
        ("ers_level", f64),  # currently unused
        ("power_mgu_h", f64),  # currently unused
        ("power_mgu_k", f64),  # currently unused
        ("torque_mgu_k", f64),  # currently unused
        ("suspension_deflection", f64 * TIRE_INDEX_MAX),  # m
        ("suspension_velocity", f64 * TIRE_INDEX_MAX),  # m/s
        ("camber", f64 * TIRE_INDEX_MAX),  # rad
        ("ride_height", f64 * TIRE_INDEX_MAX),  # m
        ("front_wing_height", f64),  # m
        ("front_roll_angle", f64),  # rad
        ("rear_roll_angle", f64),  # rad
        ("third_spring_suspension_deflection_front", f64),  # m
        ("third_spring_suspension_velocity_front", f64),  # m/s
        ("third_spring_suspension_deflection_rear", f64),  # m
        ("third_spring_suspension_velocity_rear", f64),  # m/s
        ("unused1", f64),  # reserved
        ("unused2", f64),  # reserved
        ("unused3", f64),  # reserved
    ]


class R3EFlags(_Packed):
    """r3e_flags: -1 no data, 0 not active, 1 active (unless noted)."""

    _fields_ = [
        ("yellow", i32),
        ("yellowCausedIt", i32),  # 1 = this car caused it
        ("yellowOvertake", i32),  # 1 = overtaking the car ahead is allowed
        ("yellowPositionsGained", i32),  # n = positions to give back
        ("sector_yellow", i32 * 3),
        ("closest_yellow_distance_into_track", f32),  # m, -1.0 = no yellow
        ("blue", i32),
        ("black", i32),
        ("green", i32),
        ("checkered", i32),
        ("white", i32),
        ("black_and_white", i32),  # 1/2 blue flag warnings, 3 wrong way, 4 cutting
    ]


class R3ECarDamage(_Packed):
    """r3e_car_damage: 0.0 - 1.0, -1.0 = N/A."""

    _fields_ = [
        ("engine", f32),
        ("transmission", f32),
        ("aerodynamics", f32),
        ("suspension", f32),
        ("unused1", f32),  # reserved
        ("unused2", f32),  # reserved
    ]


class R3ECutTrackPenalties(_Packed):
    """r3e_cut_track_penalties: -1.0 none pending, else the penalty's time in s."""

    _fields_ = [
        ("drive_through", f32),
        ("stop_and_go", f32),
        ("pit_stop", f32),
        ("time_deduction", f32),
        ("slow_down", f32),
    ]


class R3EDrs(_Packed):
    """r3e_drs: 0 no, 1 yes, -1 N/A."""

    _fields_ = [
        ("equipped", i32),
        ("available", i32),
        ("numActivationsLeft", i32),  # int32 max = endless
        ("engaged", i32),
    ]


class R3EPushToPass(_Packed):
    """r3e_push_to_pass"""

    _fields_ = [
        ("available", i32),
        ("engaged", i32),
        ("amount_left", i32),
        ("engaged_time_left", f32),  # s
        ("wait_time_left", f32),  # s
    ]


class R3ETireTemp(_Packed):
    """r3e_tire_temp: °C, -1.0 = N/A."""

    _fields_ = [
        ("current_temp", f32 * TIRE_TEMP_INDEX_MAX),  # left, center, right of the tread
        ("optimal_temp", f32),
        ("cold_temp", f32),
        ("hot_temp", f32),
    ]


class R3EBrakeTemp(_Packed):
    """r3e_brake_temp: °C, -1.0 = N/A."""

    _fields_ = [
        ("current_temp", f32),
        ("optimal_temp", f32),
        ("cold_temp", f32),
        ("hot_temp", f32),
    ]


class R3EAidSettings(_Packed):
    """r3e_aid_settings: -1 N/A, 0 off, 1 on, 5 currently active (esp: 1..3 low..high)."""

    _fields_ = [
        ("abs", i32),
        ("tc", i32),
        ("esp", i32),
        ("countersteer", i32),
        ("cornering", i32),
    ]


class R3EDriverInfo(_Packed):
    """r3e_driver_info"""

    _fields_ = [
        ("name", u8 * 64),  # UTF-8, NUL-padded
        ("car_number", i32),
        ("class_id", i32),
        ("model_id", i32),
        ("team_id", i32),
        ("livery_id", i32),
        ("manufacturer_id", i32),
        ("user_id", i32),
        ("slot_id", i32),
        ("class_performance_index", i32),
        ("engine_type", i32),  # 0 combustion, 1 electric, 2 hybrid
        ("car_width", f32),  # m
        ("car_length", f32),  # m
        ("rating", f32),
        ("reputation", f32),
        ("unused1", f32),  # reserved
        ("unused2", f32),  # reserved
    ]


class R3EDriverData(_Packed):
    """r3e_driver_data: one entry of the all-drivers table."""

    _fields_ = [
        ("driver_info", R3EDriverInfo),
        ("finish_status", i32),  # r3e_finish_status
        ("place", i32),  # 1 = first
        ("place_class", i32),
        ("lap_distance", f32),  # m
        ("lap_distance_fraction", f32),  # 0.0 - 1.0, -1.0 = N/A
        ("position", R3EVec3F32),  # world, m
        ("track_sector", i32),
        ("completed_laps", i32),
        ("current_lap_valid", i32),
        ("lap_time_current_self", f32),  # s
        ("sector_time_current_self", f32 * 3),  # s
        ("sector_time_previous_self", f32 * 3),  # s
        ("sector_time_best_self", f32 * 3),  # s
        ("time_delta_front", f32),  # s
        ("time_delta_behind", f32),  # s
        ("pitstop_status", i32),  # r3e_pitstop_status
        ("in_pitlane", i32),
        ("num_pitstops", i32),
        ("penalties", R3ECutTrackPenalties),
        ("car_speed", f32),  # m/s
        ("tire_type_front", i32),  # r3e_tire_type
        ("tire_type_rear", i32),
        ("tire_subtype_front", i32),  # r3e_tire_subtype
        ("tire_subtype_rear", i32),
        ("base_penalty_weight", f32),  # kg
        ("aid_penalty_weight", f32),  # kg
        ("drs_state", i32),  # -1 N/A, 0 not engaged, 1 engaged
        ("ptp_state", i32),  # -1 N/A, 0 not engaged, 1 engaged
        ("virtual_energy", f32),  # 0.0 - 1.0 of the tank, -1.0 = N/A
        ("penaltyType", i32),
        ("penaltyReason", i32),
        ("engineState", i32),  # 0 off .. 3 running, -1 N/A
        ("orientation", R3EVec3F32),  # Euler angles
        ("unused1", f32),  # reserved
        ("unused2", f32),  # reserved
        ("unused3", f32),  # reserved
    ]


# struct r3e_share, up to (not including) num_cars: everything about the player's car.
_HEAD_FIELDS: list[tuple[str, type]] = [
    # Version
    ("version_major", i32),
    ("version_minor", i32),
    ("all_drivers_offset", i32),  # byte offset of num_cars
    ("driver_data_size", i32),  # sizeof(r3e_driver_data)
    # Game state
    ("game_mode", i32),  # r3e_gamemode
    ("game_paused", i32),  # 1 = paused
    ("game_in_menus", i32),  # 1 = in a menu
    ("game_in_replay", i32),  # 1 = watching a replay
    ("game_using_vr", i32),
    ("game_player_in_garage", i32),  # 3.5; reserved (game_unused1) before
    # High detail
    ("player", R3EPlayerData),
    # Event and session
    ("track_name", u8 * 64),  # UTF-8
    ("layout_name", u8 * 64),  # UTF-8
    ("track_id", i32),
    ("layout_id", i32),
    ("layout_length", f32),  # m
    ("sector_start_factors", R3ESectorStarts),
    ("race_session_laps", i32 * 3),  # races 1-3, -1 = N/A
    ("race_session_minutes", i32 * 3),  # races 1-3, -1 = N/A
    ("event_index", i32),  # 0-based, -1 = N/A
    ("session_type", i32),  # r3e_session
    ("session_iteration", i32),  # 1 = first, -1 = N/A
    ("session_length_format", i32),  # r3e_session_length_format
    ("session_pit_speed_limit", f32),  # m/s
    ("session_phase", i32),  # r3e_session_phase
    ("start_lights", i32),  # -1 N/A, 0 off, 1-5 red, 6 green
    ("tire_wear_active", i32),  # -1 N/A, 0 off, 1-4 = 1x-4x
    ("fuel_use_active", i32),  # -1 N/A, 0 off, 1-4 = 1x-4x
    ("number_of_laps", i32),  # race laps, -1 outside races
    ("session_time_duration", f32),  # s, -1.0 = N/A
    ("session_time_remaining", f32),  # s, -1.0 = N/A
    ("max_incident_points", i32),  # -1 = N/A
    ("event_unused1", f32),  # reserved
    ("event_unused2", f32),  # reserved
    # Pit
    ("pit_window_status", i32),  # r3e_pit_window
    ("pit_window_start", i32),  # minute or lap, -1 = N/A
    ("pit_window_end", i32),  # minute or lap, -1 = N/A
    ("in_pitlane", i32),  # -1 N/A, 0 no, 1 yes
    ("pit_menu_selection", i32),  # r3e_pit_menu_selection
    ("pit_menu_state", i32 * PIT_MENU_MAX),
    ("pit_state", i32),  # -1 N/A, 0 none .. 4 leaving the pit spot
    ("pit_total_duration", f32),  # s
    ("pit_elapsed_time", f32),  # s
    ("pit_action", i32),  # bit set, -1 = N/A
    ("num_pitstops", i32),  # -1 = N/A
    ("pit_min_duration_total", f32),  # s, -1.0 = N/A
    ("pit_min_duration_left", f32),  # s, -1.0 = N/A
    # Scoring & timings
    ("flags", R3EFlags),
    ("position", i32),  # 1 = first
    ("position_class", i32),
    ("finish_status", i32),  # r3e_finish_status
    ("cut_track_warnings", i32),  # -1 = N/A
    ("penalties", R3ECutTrackPenalties),
    ("num_penalties", i32),
    ("completed_laps", i32),  # 6 means on the 7th lap, -1 = N/A
    ("current_lap_valid", i32),  # -1 N/A, 0 invalid, 1 valid
    ("track_sector", i32),
    ("lap_distance", f32),  # m from the line
    ("lap_distance_fraction", f32),  # 0.0 - 1.0, -1.0 = N/A
    ("lap_time_best_leader", f32),  # s, -1.0 = N/A
    ("lap_time_best_leader_class", f32),  # s, -1.0 = N/A
    ("session_best_lap_sector_times", f32 * 3),  # s, -1.0 = N/A
    ("lap_time_best_self", f32),  # s, -1.0 = N/A
    ("sector_time_best_self", f32 * 3),  # s
    ("lap_time_previous_self", f32),  # s, -1.0 = N/A
    ("sector_time_previous_self", f32 * 3),  # s
    ("lap_time_current_self", f32),  # s, -1.0 = N/A
    ("sector_time_current_self", f32 * 3),  # s
    ("lap_time_delta_leader", f32),  # s, -1.0 = N/A
    ("lap_time_delta_leader_class", f32),  # s, -1.0 = N/A
    ("time_delta_front", f32),  # s, -1.0 = N/A
    ("time_delta_behind", f32),  # s, -1.0 = N/A
    ("time_delta_best_self", f32),  # s, -1000.0 = N/A
    ("best_individual_sector_time_self", f32 * 3),  # s
    ("best_individual_sector_time_leader", f32 * 3),  # s
    ("best_individual_sector_time_leader_class", f32 * 3),  # s
    ("incident_points", i32),  # -1 = N/A
    ("lap_valid_state", i32),  # -1 N/A, 0 valid, 1 this lap invalid, 2 this and next
    ("prev_lap_valid", i32),  # -1 N/A, 0 invalid, 1 valid
    ("discharge_rate", f32),  # 3.5; reserved (unused1) before
    ("brake_regen", f32),  # 3.5; reserved (unused2) before
    ("unused1", f32),  # reserved (unused3 before 3.5)
    # Vehicle information
    ("vehicle_info", R3EDriverInfo),
    ("player_name", u8 * 64),  # UTF-8
    # Vehicle state
    ("control_type", i32),  # r3e_control
    ("car_speed", f32),  # m/s
    ("engine_rps", f32),  # rad/s
    ("max_engine_rps", f32),  # rad/s
    ("upshift_rps", f32),  # rad/s
    ("gear", i32),  # -2 N/A, -1 reverse, 0 neutral, 1.. forward
    ("num_gears", i32),  # -1 = N/A
    ("car_cg_location", R3EVec3F32),  # world position of the centre of gravity, m, Y up
    ("car_orientation", R3EOriF32),  # rad
    ("local_acceleration", R3EVec3F32),  # m/s², car frame: +X left, +Y up, +Z back
    ("total_mass", f32),  # kg: car + penalty weight + fuel
    ("fuel_left", f32),  # l
    ("fuel_capacity", f32),  # l
    ("fuel_per_lap", f32),  # l
    ("virtual_energy_left", f32),  # MJ
    ("virtual_energy_capacity", f32),  # MJ
    ("virtual_energy_per_lap", f32),  # MJ
    ("engine_temp", f32),  # °C (water)
    ("engine_oil_temp", f32),  # °C
    ("fuel_pressure", f32),  # kPa
    ("engine_oil_pressure", f32),  # kPa
    ("turbo_pressure", f32),  # bar, -1.0 = N/A
    ("throttle", f32),  # 0.0 - 1.0, -1.0 = N/A
    ("throttle_raw", f32),
    ("brake", f32),  # 0.0 - 1.0, -1.0 = N/A
    ("brake_raw", f32),
    ("clutch", f32),  # 0.0 - 1.0, -1.0 = N/A
    ("clutch_raw", f32),
    ("steer_input_raw", f32),  # -1.0 - 1.0
    ("steer_lock_degrees", i32),  # centre to full lock
    ("steer_wheel_range_degrees", i32),  # full left to full right
    ("aid_settings", R3EAidSettings),
    ("drs", R3EDrs),
    ("pit_limiter", i32),  # -1 N/A, 0 off, 1 on
    ("push_to_pass", R3EPushToPass),
    ("brake_bias", f32),  # towards the rear, 0.3 = 30 %, -1.0 = N/A
    ("drs_numActivationsTotal", i32),  # -1 = N/A or endless
    ("ptp_numActivationsTotal", i32),  # -1 = N/A or endless
    ("battery_soc", f32),  # 0.0 - 100.0, -1.0 = N/A
    ("water_left", f32),  # brake water tank, l, -1.0 = N/A
    ("abs_setting", i32),  # -1 = N/A
    ("headlights", i32),  # -1 N/A, 0 off, 1 on, 2 strobing
    ("steer_wheel_max_rotation", i32),  # 3.5: degrees, 0 auto, -1 N/A; a reserved float before
    # Tires
    ("tire_type", i32),  # r3e_tire_type, deprecated
    ("tire_rps", f32 * TIRE_INDEX_MAX),  # rad/s
    ("tire_speed", f32 * TIRE_INDEX_MAX),  # m/s
    ("tire_grip", f32 * TIRE_INDEX_MAX),  # 0.0 - 1.0, -1.0 = N/A
    ("tire_wear", f32 * TIRE_INDEX_MAX),  # 0.0 - 1.0, -1.0 = N/A (1.0 = new tread)
    ("tire_flatspot", i32 * TIRE_INDEX_MAX),  # -1 N/A, 0 no, 1 yes
    ("tire_pressure", f32 * TIRE_INDEX_MAX),  # kPa, -1.0 = N/A
    ("tire_dirt", f32 * TIRE_INDEX_MAX),  # 0.0 - 1.0, -1.0 = N/A
    ("tire_temp", R3ETireTemp * TIRE_INDEX_MAX),
    ("tire_type_front", i32),  # r3e_tire_type
    ("tire_type_rear", i32),
    ("tire_subtype_front", i32),  # r3e_tire_subtype
    ("tire_subtype_rear", i32),
    ("brake_temp", R3EBrakeTemp * TIRE_INDEX_MAX),
    ("brake_pressure", f32 * TIRE_INDEX_MAX),  # kN (header), -1.0 = N/A
    # Electronics
    ("traction_control_setting", i32),  # -1 = N/A
    ("engine_map_setting", i32),  # -1 = N/A
    ("engine_brake_setting", i32),  # -1 = N/A
    ("traction_control_percent", f32),  # 0.0 - 100.0, -1.0 = N/A
    ("tire_on_mtrl", i32 * TIRE_INDEX_MAX),  # r3e_mtrl_type
    ("tire_load", f32 * TIRE_INDEX_MAX),  # N, -1.0 = N/A
    # Damage
    ("car_damage", R3ECarDamage),
]


class R3EHead(_Packed):
    """struct r3e_share without the trailing driver table: the part the mapper reads."""

    _fields_ = _HEAD_FIELDS


class R3EShared(_Packed):
    """struct r3e_share, whole: the size of the game's page."""

    _fields_ = [
        *_HEAD_FIELDS,
        # Driver info
        ("num_cars", i32),
        ("all_drivers_data_1", R3EDriverData * NUM_DRIVERS_MAX),  # in place order
    ]


HEAD_SIZE: Final = sizeof(R3EHead)
SHARED_SIZE: Final = sizeof(R3EShared)
DRIVER_DATA_SIZE: Final = sizeof(R3EDriverData)
ALL_DRIVERS_OFFSET: Final = R3EShared.num_cars.offset
