"""RaceRoom: the ``$R3E`` page, random or built from r3e.h and mutated (versions, markers, NaN, text), then mapped."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from simcoach_agent.games.r3e.mapper import R3EMapper
from simcoach_agent.games.r3e.reader import PART, R3EReader
from tests.rig_agent.fuzz.harness import Pages, Parts, ShmFolder, bump_i32, run_mapper, run_reader, tick_file
from tests.rig_agent.fuzz.values import RESIZES, apply, edits, random_page, resized
from tests.rig_agent.games import r3e_page

NAME = "$R3E"
TICKS_AT = r3e_page.FIELDS["player.game_simulation_ticks"][0]
FIELDS = {name: spec for name, spec in r3e_page.FIELDS.items() if spec[1]}
# The fields the mapper's states and conversions read, edited more often than the rest of the page.
HOT = {
    name: spec
    for name, spec in FIELDS.items()
    if name.split(".")[0].split("[")[0]
    in {
        "version_major", "version_minor", "game_paused", "game_in_menus", "game_in_replay", "game_player_in_garage",
        "control_type", "car_speed", "engine_rps", "max_engine_rps", "gear", "throttle", "brake", "clutch",
        "steer_input_raw", "local_acceleration", "tire_temp", "brake_temp", "tire_pressure", "tire_wear", "player",
        "fuel_left", "fuel_capacity", "completed_laps", "lap_distance", "lap_distance_fraction", "layout_length",
        "lap_time_current_self", "lap_time_previous_self", "lap_time_best_self", "current_lap_valid", "in_pitlane",
        "position", "aid_settings", "engine_temp", "engine_oil_temp", "track_name", "layout_name", "player_name",
        "vehicle_info", "session_type", "game_mode",
    }
}  # fmt: skip
_KIND = st.sampled_from(["built", "built", "built", "built", "random"])


@dataclass(frozen=True)
class R3ECase:
    states: list[Pages]


@st.composite
def r3e_cases(draw: st.DrawFn) -> R3ECase:
    built = bytes(r3e_page.driving_page().buf)
    page = draw(random_page(len(built))) if draw(_KIND) == "random" else resized(built, draw(RESIZES))
    states: list[Pages] = []
    for _ in range(draw(st.integers(1, 3))):
        page = apply(page, draw(edits(HOT)) + draw(edits(FIELDS, most=3)))
        states.append({NAME: page})
    return R3ECase(states)


def _samples(case: R3ECase) -> list[Parts]:
    out: list[Parts] = []
    for state in case.states:
        page = state[NAME]
        assert page is not None
        out += [((PART, page[: r3e_page.HEAD_SIZE]),), ((PART, bump_i32(page, TICKS_AT)[: r3e_page.HEAD_SIZE]),)]
    return out


def check_r3e(folder: ShmFolder, case: R3ECase) -> None:
    run_reader(
        folder, case.states, make_reader=R3EReader, make_mapper=R3EMapper, tick=lambda f: tick_file(f, NAME, TICKS_AT)
    )
    run_mapper(_samples(case), R3EMapper)
