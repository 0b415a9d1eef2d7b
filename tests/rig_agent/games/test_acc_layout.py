"""ACC/AC page layouts: sizes and offsets pinned to the headers, pages decoded from bytes laid out by hand."""

from __future__ import annotations

import ctypes
import math

import pytest

from simcoach_agent.games.acc.detect import AC, ACC, ACC_SHORT_CONFIG, identify, wide
from simcoach_agent.games.acc.layout import (
    SPageFileGraphic,
    SPageFilePhysics,
    SPageFileStatic,
    SPageFileStaticShortConfig,
)
from simcoach_agent.games.acc.layout_ac import SPageFileGraphicAC, SPageFilePhysicsAC, SPageFileStaticAC
from tests.rig_agent.games import acc_pages as pages

STRUCTS = {
    "acc physics": (SPageFilePhysics, pages.PHYSICS, pages.ACC_PHYSICS_SIZE),
    "acc graphics": (SPageFileGraphic, pages.ACC_GRAPHICS, pages.ACC_GRAPHICS_SIZE),
    "acc static": (SPageFileStatic, pages.ACC_STATIC, pages.ACC_STATIC_SIZE),
    "acc static, trackConfiguration[15]": (
        SPageFileStaticShortConfig,
        pages.ACC_STATIC_SHORT,
        pages.ACC_STATIC_SHORT_SIZE,
    ),
    "ac physics": (SPageFilePhysicsAC, pages.PHYSICS, pages.AC_PHYSICS_SIZE),
    "ac graphics": (SPageFileGraphicAC, pages.AC_GRAPHICS, pages.AC_GRAPHICS_SIZE),
    "ac static": (SPageFileStaticAC, pages.AC_STATIC, pages.AC_STATIC_SIZE),
}


@pytest.mark.parametrize("which", sorted(STRUCTS))
def test_structure_sizes_are_the_headers(which):
    struct_type, _, size = STRUCTS[which]
    assert ctypes.sizeof(struct_type) == size


@pytest.mark.parametrize("which", sorted(STRUCTS))
def test_field_offsets_match_the_hand_counted_table(which):
    struct_type, table, size = STRUCTS[which]
    checked = 0
    for name, (offset, fmt) in table.items():
        if offset >= size:
            continue  # ACC-only physics fields beyond AC's page
        field = getattr(struct_type, name)
        assert field.offset == offset, name
        assert field.size == (_count(fmt) if fmt.endswith("s") else 4 * _count(fmt)), name
        checked += 1
    assert checked >= 20


def _count(fmt: str) -> int:
    digits = "".join(c for c in fmt if c.isdigit())
    return int(digits) if digits else 1


def test_the_ac_physics_page_is_the_start_of_accs():
    for name, *_ in SPageFilePhysicsAC._fields_:
        assert getattr(SPageFilePhysicsAC, name).offset == getattr(SPageFilePhysics, name).offset, name


def test_acc_pages_decode_field_by_field():
    physics = pages.physics_page(
        "acc",
        packetId=77,
        gas=0.75,
        gear=4,
        rpms=7123,
        steerAngle=-0.5,
        speedKmh=201.5,
        accG=(-1.25, 0.5, 0.75),
        wheelsPressure=(27.1, 27.2, 27.3, 27.4),
        tyreCoreTemperature=(81.0, 82.0, 83.0, 84.0),
        brakeTemp=(400.0, 401.0, 300.0, 301.0),
        clutch=0.25,
        localVelocity=(1.0, 2.0, 3.0),
        waterTemp=91.5,
        absVibrations=0.125,
    )
    p = SPageFilePhysics.from_buffer_copy(physics)
    assert (p.packetId, p.gear, p.rpms) == (77, 4, 7123)
    assert p.speedKmh == pytest.approx(201.5)
    assert list(p.accG) == pytest.approx([-1.25, 0.5, 0.75])
    assert list(p.wheelsPressure) == pytest.approx([27.1, 27.2, 27.3, 27.4])
    assert list(p.tyreCoreTemperature) == [81.0, 82.0, 83.0, 84.0]
    assert list(p.brakeTemp) == [400.0, 401.0, 300.0, 301.0]
    assert p.clutch == 0.25
    assert list(p.localVelocity) == [1.0, 2.0, 3.0]
    assert p.waterTemp == 91.5
    assert p.absVibrations == 0.125

    coords = [float(i) for i in range(180)]
    graphics = pages.graphics_page(
        "acc",
        completedLaps=5,
        iLastTime=91234,
        normalizedCarPosition=0.5,
        activeCars=12,
        carCoordinates=coords,
        carID=list(range(100, 160)),
        playerCarID=107,
        isValidLap=1,
        gapBehind=1234,
        tyreCompound="dry_compound",
    )
    g = SPageFileGraphic.from_buffer_copy(graphics)
    assert (g.status, g.completedLaps, g.iLastTime, g.activeCars, g.playerCarID) == (2, 5, 91234, 12, 107)
    assert g.normalizedCarPosition == 0.5
    assert list(g.carCoordinates[7]) == [21.0, 22.0, 23.0]
    assert g.carID[7] == 107
    assert (g.isValidLap, g.gapBehind) == (1, 1234)
    assert wide(graphics, SPageFileGraphic.tyreCompound) == "dry_compound"


def test_ac_pages_decode_field_by_field():
    physics = pages.physics_page("ac", tyreTempI=(70.0, 71.0, 72.0, 73.0), rideHeight=(0.05, 0.07), brakeBias=0.58)
    p = SPageFilePhysicsAC.from_buffer_copy(physics)
    assert list(p.tyreTempI) == [70.0, 71.0, 72.0, 73.0]
    assert list(p.rideHeight) == pytest.approx([0.05, 0.07])
    assert p.brakeBias == pytest.approx(0.58)
    graphics = pages.graphics_page("ac", carCoordinates=(1.5, 2.5, 3.5), isInPitLane=1, windDirection=270.0)
    g = SPageFileGraphicAC.from_buffer_copy(graphics)
    assert list(g.carCoordinates) == [1.5, 2.5, 3.5]
    assert (g.isInPitLane, g.windDirection) == (1, 270.0)
    static = pages.static_page("ac", trackConfiguration="junior", carSkin="red_1")
    s = SPageFileStaticAC.from_buffer_copy(static)
    assert s.trackSPlineLength == 5758.0
    assert (s.maxRpm, s.maxFuel) == (9250, 110.0)
    assert wide(static, SPageFileStaticAC.trackConfiguration) == "junior"
    assert wide(static, SPageFileStaticAC.carSkin) == "red_1"


@pytest.mark.parametrize("layout", ["acc", "acc15"])
def test_acc_static_pages_of_both_lengths_decode(layout):
    static = pages.static_page(layout, track="nurburgring_24h", playerSurname="Müller-Łęcki", dryTyresName="DHF")
    variant = identify(bytes(static), "acc")
    assert variant is (ACC if layout == "acc" else ACC_SHORT_CONFIG)
    s = variant.static
    assert wide(static, s.track) == "nurburgring_24h"
    assert wide(static, s.playerSurname) == "Müller-Łęcki"
    assert wide(static, s.dryTyresName) == "DHF"
    assert wide(static, s.wetTyresName) == "WH"
    assert s.from_buffer_copy(static).maxRpm == 7250


def test_wide_strings_stop_at_nul_and_refuse_garbage():
    buf = bytearray(pages.ACC_STATIC_SIZE)
    field = SPageFileStatic.track
    pages.put(buf, pages.ACC_STATIC, track="spa\x00old junk")
    assert wide(buf, field) == "spa"
    pages.put(buf, pages.ACC_STATIC, track="x" * 33)  # no NUL at all: the whole array
    assert wide(buf, field) == "x" * 33
    pages.put(buf, pages.ACC_STATIC, track=b"\x00\xd8a\x00\x00\x00")  # a lone surrogate
    assert wide(buf, field) is None
    pages.put(buf, pages.ACC_STATIC, track="a\x07b")  # a control character
    assert wide(buf, field) is None
    pages.put(buf, pages.ACC_STATIC, track="José\u00a0María 日本")  # any script, a no-break space
    assert wide(buf, field) == "José\u00a0María 日本"
    pages.put(buf, pages.ACC_STATIC, track=b"\x00" * 66)
    assert wide(buf, field) == ""
    # A NUL code unit starts on an even byte: "\u0100" is 00 01, not an end.
    pages.put(buf, pages.ACC_STATIC, track="a\u0100b")
    assert wide(buf, field) == "a\u0100b"


def test_game_told_apart_by_the_static_page():
    assert identify(bytes(pages.static_page("acc")), "ac") is ACC
    assert identify(bytes(pages.static_page("ac")), "acc") is AC
    # An ACC page padded to ACC's size with nothing after AC's fields still reads as AC when AC's fields are set.
    padded = bytes(pages.static_page("ac")) + bytes(pages.ACC_STATIC_SIZE - pages.AC_STATIC_SIZE)
    assert identify(padded, "acc") is AC


def test_a_page_that_says_nothing_yet_follows_the_game_asked_for():
    blank = pages.static_page("acc", dryTyresName="", wetTyresName="", carModel="", track="")
    assert identify(bytes(blank), "acc") is ACC
    assert identify(bytes(blank), "ac") is AC
    small = pages.static_page("ac", carSkin="", maxPower=0.0, tyreRadius=(0.0,) * 4)
    assert identify(bytes(small), "acc") is AC  # too short for ACC's page


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("empty", "still empty"),
        ("garbage", "does not hold"),
        ("future version", "'2.0' is not one"),
        ("short", "shorter than any"),
        ("bad names", "not text"),
    ],
)
def test_unreadable_static_pages_say_why(case, reason):
    if case == "empty":
        static = bytes(pages.ACC_STATIC_SIZE)
    elif case == "garbage":
        static = bytes(range(256)) * 4
    elif case == "future version":
        static = bytes(pages.static_page("acc", smVersion="2.0"))
    elif case == "short":
        static = bytes(pages.static_page("acc"))[:400]
    else:
        static = bytes(pages.static_page("acc", track=b"\x01\x00\x02\x00"))
    found = identify(static, "acc")
    assert isinstance(found, str)
    assert reason in found


def test_float_fields_keep_nan_for_the_mapper_to_refuse():
    p = SPageFilePhysics.from_buffer_copy(pages.physics_page("acc", speedKmh=math.nan))
    assert math.isnan(p.speedKmh)
