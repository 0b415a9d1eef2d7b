"""ACC and AC: the three Kunos pages, random or built from the header and mutated, through reader and mapper."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from simcoach_agent.games.acc.mapper import AccMapper
from simcoach_agent.games.acc.reader import AccReader
from tests.rig_agent.fuzz.harness import Pages, Parts, ShmFolder, bump_i32, run_mapper, run_reader, tick_file
from tests.rig_agent.fuzz.values import RESIZES, Table, apply, edits, random_page, resized
from tests.rig_agent.games import acc_pages as pages

FILES = ("acpmf_physics", "acpmf_graphics", "acpmf_static")
PARTS = ("physics", "graphics", "static")
VERSIONS = ("1.9", "1.7", "1.8.12", "2.0", "0.1", "", "1", "1.", "٩.١", "1.9 ", "-1.7", "1.7\x00junk")


@dataclass(frozen=True)
class AccCase:
    hint: str = field(metadata={"setup": True})  # the game asked for on the command line
    states: list[Pages]


def _tables(game: str, layout: str) -> dict[str, Table]:
    graphics = pages.AC_GRAPHICS if game == "ac" else pages.ACC_GRAPHICS
    return {"acpmf_physics": pages.PHYSICS, "acpmf_graphics": graphics, "acpmf_static": pages.STATICS[layout][0]}


_KINDS = st.sampled_from(["built", "built", "built", "built", "random", "absent"])
_VERSION = st.sampled_from(VERSIONS)


@st.composite
def _base(draw: st.DrawFn, game: str, layout: str) -> Pages:
    """Pages as the game writes them for a car on track, or random bytes of the right size, or absent."""
    built = {
        "acpmf_physics": bytes(pages.physics_page(game, packetId=1, speedKmh=150.0, rpms=6500, gas=0.7)),
        "acpmf_graphics": bytes(pages.graphics_page(game, completedLaps=2, iCurrentTime=61234)),
        "acpmf_static": bytes(pages.static_page(layout)),
    }
    out: Pages = {}
    for name, page in built.items():
        kind = draw(_KINDS)
        if kind == "absent":
            out[name] = None
        elif kind == "random":
            out[name] = draw(random_page(len(page)))
        else:
            out[name] = resized(page, draw(RESIZES))
    return out


@st.composite
def acc_cases(draw: st.DrawFn) -> AccCase:
    game = draw(st.sampled_from(["acc", "ac"]))
    layout = "ac" if game == "ac" else draw(st.sampled_from(["acc", "acc15"]))
    tables = _tables(game, layout)
    state = draw(_base(game, layout))
    if draw(st.booleans()) and state["acpmf_static"] is not None:
        # The version string decides the layout: give it the values other versions and other programs write.
        version = draw(_VERSION).encode("utf-16-le")[:30].ljust(30, b"\0")
        state["acpmf_static"] = version + state["acpmf_static"][30:]
    states = []
    for _ in range(draw(st.integers(1, 3))):
        state = {name: None if data is None else apply(data, draw(edits(tables[name]))) for name, data in state.items()}
        states.append(state)
    return AccCase(draw(st.sampled_from(["acc", "ac"])), states)


def _samples(case: AccCase) -> list[Parts]:
    out: list[Parts] = []
    for state in case.states:
        for step in range(2):
            parts = []
            for name, part in zip(FILES, PARTS, strict=True):
                data = state[name]
                if data is not None:
                    parts.append((part, bump_i32(data, 0, step) if part == "physics" else data))
            out.append(tuple(parts))
    return out


def check_acc(folder: ShmFolder, case: AccCase) -> None:
    run_reader(
        folder,
        case.states,
        make_reader=lambda: AccReader(case.hint),
        make_mapper=lambda: AccMapper(case.hint),
        tick=lambda f: tick_file(f, "acpmf_physics", 0),
    )
    run_mapper(_samples(case), lambda: AccMapper(case.hint))
