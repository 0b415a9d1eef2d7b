"""rFactor 2 plugin pages and LMU's ``LMU_Data``: random or built from the headers and mutated, read and mapped.

Mutations reach what a misbehaving game or plugin writes: torn version
blocks (begin != end), vehicle counts past the arrays, a player index
nowhere, no player at all, NaN and huge values in every channel, unterminated
names, other plugin versions and 32-bit builds.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from simcoach_agent.games.rf2 import layout_lmu as lmu
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from simcoach_agent.games.rf2.reader import LMU_PLAYER_PART, LmuReader, PluginReader
from tests.rig_agent.fuzz.harness import Pages, Parts, ShmFolder, run_mapper, run_reader
from tests.rig_agent.fuzz.values import RESIZES, Table, apply, edits, offset_table, random_page, resized
from tests.rig_agent.games import rf2_pages as p

CARS = 3  # the scenes' player and two others
_VERSION_BLOCK: Table = {"begin": (0, "I"), "end": (4, "I")}
_KIND = st.sampled_from(["built", "built", "built", "built", "built", "random", "absent"])
PLUGIN_VERSIONS = (b"3.7.15.1", b"3.0", b"2.4.0.0", b"4.0", b"", b"3", b"3.7.15.1xxxx", b"\xff\xfe3.")


def _cars(table: Table, base: int, size: int, wheels: bool) -> Table:
    out: Table = {}
    for n in range(CARS):
        at = base + n * size
        out |= offset_table(table, at, f"car{n}.")
        if wheels:
            for w in range(4):
                out |= offset_table(p.RF2_WHEEL, at + p.RF2_WHEELS_AT + w * p.RF2_WHEEL_SIZE, f"car{n}.wheel{w}.")
    return out


RF2_TABLES: dict[str, Table] = {
    p.RF2_TELEMETRY_NAME: _VERSION_BLOCK
    | {"mNumVehicles": (p.RF2_TELEMETRY_NUM_AT, "i")}
    | _cars(p.RF2_TELEMETRY, p.RF2_TELEMETRY_VEHICLES_AT, p.RF2_VEHICLE_TELEMETRY_SIZE, wheels=True),
    p.RF2_SCORING_NAME: _VERSION_BLOCK
    | offset_table(p.RF2_SCORING_INFO, p.RF2_SCORING_INFO_AT, "info.")
    | _cars(p.RF2_VEHICLE_SCORING, p.RF2_SCORING_VEHICLES_AT, p.RF2_VEHICLE_SCORING_SIZE, wheels=False),
    p.RF2_EXTENDED_NAME: _VERSION_BLOCK | p.RF2_EXTENDED,
}
LMU_TABLE: Table = (
    p.LMU_GENERIC
    | offset_table(p.LMU_SCORING_INFO, p.LMU_SCORING_AT, "info.")
    | {"streamSize": (p.LMU_SCORING_STREAM_SIZE_AT, "Q")}
    | _cars(p.LMU_VEHICLE_SCORING, p.LMU_SCORING_VEHICLES_AT, p.RF2_VEHICLE_SCORING_SIZE, wheels=False)
    | {
        "numVehicles": (p.LMU_TELEMETRY_AT, "B"),
        "playerVehicleIdx": (p.LMU_TELEMETRY_AT + 1, "B"),
        "playerHasVehicle": (p.LMU_TELEMETRY_AT + 2, "?"),
    }
    | _cars(p.LMU_TELEMETRY, p.LMU_TELEMETRY_VEHICLES_AT, p.RF2_VEHICLE_TELEMETRY_SIZE, wheels=True)
)
LOCK_TABLE: Table = {"waiters": (0, "i"), "busy": (4, "i")}


@dataclass(frozen=True)
class Rf2Case:
    states: list[Pages]


@st.composite
def rf2_cases(draw: st.DrawFn) -> Rf2Case:
    scene = p.Rf2Scene(plugin_version=draw(st.sampled_from(PLUGIN_VERSIONS)))
    state: Pages = {}
    for name, page in p.rf2_plugin_pages(scene).items():
        kind = draw(_KIND)
        if kind == "absent":
            state[name] = None
        elif kind == "random":
            state[name] = draw(random_page(len(page)))
        else:
            state[name] = resized(bytes(page), draw(RESIZES))
    states = []
    for _ in range(draw(st.integers(1, 3))):
        state = {n: None if d is None else apply(d, draw(edits(RF2_TABLES[n]))) for n, d in state.items()}
        states.append(state)
    return Rf2Case(states)


@st.composite
def lmu_cases(draw: st.DrawFn) -> Rf2Case:
    built = bytes(p.rf2_lmu_page(p.Rf2Scene(), player_index=draw(st.integers(0, CARS - 1))))
    kind = draw(_KIND)
    page = None if kind == "absent" else draw(random_page(len(built))) if kind == "random" else built
    page = None if page is None else resized(page, draw(RESIZES))
    lock = draw(st.sampled_from([None, bytes(8), b"\0\0\0\0\1\0\0\0"]))
    states = []
    for _ in range(draw(st.integers(1, 3))):
        page = None if page is None else apply(page, draw(edits(LMU_TABLE, most=12)))
        lock = None if lock is None else apply(lock, draw(edits(LOCK_TABLE, most=1)))
        states.append({lmu.LMU_DATA_PAGE: page, lmu.LMU_LOCK_PAGE: lock})
    return Rf2Case(states)


def _rf2_samples(case: Rf2Case) -> list[Parts]:
    return [tuple((n, d) for n, d in state.items() if d is not None) for state in case.states]


def _lmu_samples(case: Rf2Case) -> list[Parts]:
    """What LmuDataReader makes of a page, cut wherever the page ends: the scoring prefix and the player's slot."""
    out: list[Parts] = []
    for state in case.states:
        page = state[lmu.LMU_DATA_PAGE]
        if page is None:
            continue
        head = page[lmu.TELEMETRY_HEAD_OFFSET : lmu.TELEMETRY_HEAD_OFFSET + lmu.TELEMETRY_HEAD_SIZE]
        index = head[1] if len(head) > 1 else 0
        slot = lmu.TELEMETRY_VEHICLES_OFFSET + index * lmu.VEHICLE_TELEMETRY_SIZE
        scoring = page[: lmu.SCORING_VEHICLES_OFFSET + CARS * lmu.VEHICLE_SCORING_SIZE]
        player = head + page[slot : slot + lmu.VEHICLE_TELEMETRY_SIZE]
        out.append(((lmu.LMU_DATA_PAGE, scoring), (LMU_PLAYER_PART, player)))
    return out


def _still(folder: ShmFolder) -> None:
    """The states themselves move the clocks the mapper watches (mElapsedTime); nothing to tick between reads."""


def check_rf2(folder: ShmFolder, case: Rf2Case) -> None:
    run_reader(
        folder, case.states, make_reader=lambda: PluginReader("rf2"), make_mapper=lambda: Rf2Mapper("rf2"), tick=_still
    )
    run_mapper(_rf2_samples(case), lambda: Rf2Mapper("rf2"))


def check_lmu(folder: ShmFolder, case: Rf2Case) -> None:
    run_reader(
        folder, case.states, make_reader=lambda: LmuReader("lmu"), make_mapper=lambda: Rf2Mapper("lmu"), tick=_still
    )
    run_mapper(_lmu_samples(case), lambda: Rf2Mapper("lmu"))
