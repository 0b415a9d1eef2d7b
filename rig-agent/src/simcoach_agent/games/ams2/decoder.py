"""Recognises one Project CARS 2 UDP datagram by its packet type and length, and applies that layout.

The layout is chosen by type and length only. ``mPacketVersion`` is carried along as
information: shipping builds do not put the header's ``*_HANDLER_VERSION`` values there
(a real Project CARS 2 capture has telemetry version 4 and participants version 3 where the
header says 2 and 1, with byte-for-byte the header's layouts; docs/games/ams2.md), so a
version the adapter has not seen is logged and shown, never a reason to drop a packet.
A length no layout describes is refused with a reason.
"""

from __future__ import annotations

import ctypes
from typing import Final, NamedTuple

from simcoach_agent.games.ams2 import packets as p

KIND: Final[dict[int, str]] = {
    p.CAR_PHYSICS: "telemetry",
    p.RACE_DEFINITION: "race definition",
    p.PARTICIPANTS: "participants",
    p.TIMINGS: "timings",
    p.GAME_STATE: "game state",
    p.TIME_STATS: "time stats",
    p.PARTICIPANT_VEHICLE_NAMES: "vehicle names",
}
# Packet type -> {length: layout}. The 555/1059-byte packets of builds before the trailing
# sTickCount are the same layouts, read with the tick count as 0.
LAYOUTS: Final[dict[int, dict[int, type[ctypes.Structure]]]] = {
    p.CAR_PHYSICS: {p.TELEMETRY_SIZE: p.TelemetryData, p.TELEMETRY_SIZE_NO_TICK: p.TelemetryData},
    p.RACE_DEFINITION: {p.RACE_DATA_SIZE: p.RaceData},
    p.PARTICIPANTS: {p.PARTICIPANTS_SIZE: p.ParticipantsData},
    p.TIMINGS: {p.TIMINGS_SIZE: p.TimingsData, p.TIMINGS_SIZE_NO_TICK: p.TimingsData},
    p.GAME_STATE: {p.GAME_STATE_SIZE: p.GameStateData},
    p.TIME_STATS: {p.TIME_STATS_SIZE: p.TimeStatsData},
    p.PARTICIPANT_VEHICLE_NAMES: {
        p.VEHICLE_NAMES_SIZE: p.ParticipantVehicleNamesData,
        p.CLASS_NAMES_SIZE: p.VehicleClassNamesData,
    },
}
# Documented as "not sent at the moment": ignored without counting if a build ever sends them.
UNUSED_TYPES: Final = frozenset((p.WEATHER_STATE, p.VEHICLE_NAMES))


class PacketError(ValueError):
    """A datagram this adapter does not read: shorter than the header, an unknown type, or a length no layout has.

    ``category`` is one of a few fixed words (for bounded counting); ``reason`` says the detail.
    """

    def __init__(self, category: str, reason: str) -> None:
        super().__init__(f"ams2: skipped packet: {reason}")
        self.category = category
        self.reason = reason


class Packet(NamedTuple):
    """A recognised datagram: its type, the version the game stamped on it, and the decoded layout."""

    kind: int
    version: int
    data: ctypes.Structure


def check(data: bytes) -> tuple[int, int]:
    """``(packet type, version)`` of ``data`` once its type and length are ones a layout describes.

    The two types the header marks "not sent at the moment" pass unchecked, to be ignored.
    """
    size = len(data)
    if size < p.HEADER_SIZE:
        raise PacketError("too short", f"datagram of {size} bytes, shorter than the {p.HEADER_SIZE}-byte header")
    kind, version = data[10], data[11]
    layouts = LAYOUTS.get(kind)
    if layouts is None:
        if kind in UNUSED_TYPES:
            return kind, version
        raise PacketError("unknown type", f"unknown packet type {kind}")
    if size not in layouts:
        expected = " or ".join(str(n) for n in sorted(layouts))
        raise PacketError(f"{KIND[kind]} length", f"{KIND[kind]} of {size} bytes (expects {expected})")
    return kind, version


_TICK_PADDING: Final = bytes(4)
_SHORT: Final = frozenset((p.TELEMETRY_SIZE_NO_TICK, p.TIMINGS_SIZE_NO_TICK))


def decode(data: bytes) -> Packet | None:
    """The layout of ``data`` applied (a copy), or None for a type that is ignored; raises PacketError.

    The same checks as ``check``, done once here: this runs for every datagram at the UDP rate.
    """
    size = len(data)
    if size < p.HEADER_SIZE:
        check(data)  # raises with the reason
    layouts = LAYOUTS.get(data[10])
    if layouts is None:
        check(data)  # an ignored type passes, any other raises
        return None
    layout = layouts.get(size)
    if layout is None:
        check(data)  # raises with the reason
        raise AssertionError("unreachable: check() refuses a length no layout has")
    if size in _SHORT:
        data = bytes(data) + _TICK_PADDING
    return Packet(data[10], data[11], layout.from_buffer_copy(data))
