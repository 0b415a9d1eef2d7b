"""Copies RaceRoom's ``$R3E`` page, checks its layout version, and notices when the game stops updating it."""

from __future__ import annotations

import struct
import time
from typing import Final

from simcoach_agent.games.base import GameUnavailable, LayoutMismatch, RawSample, Reader
from simcoach_agent.games.r3e.layout import (
    ALL_DRIVERS_OFFSET,
    DRIVER_DATA_SIZE,
    HEAD_SIZE,
    SHARED_MEMORY_NAME,
    SHARED_SIZE,
    VERSION_MAJOR,
    VERSION_MINOR,
    R3EHead,
    R3EPlayerData,
)
from simcoach_agent.games.shm import SharedPage

GAME: Final = "r3e"
PART: Final = "r3e"  # the name of the page in a RawSample and in captures
# With the game running, physics ticks advance 400 times a second; frozen this long
# while not paused, in a menu or a replay, the game has hung or quit.
STALL_S: Final = 2.0
# Looking for the page's file costs a few microseconds (a stat): done this often, not at every read.
PRESENCE_EVERY_S: Final = 0.25

_VERSION = struct.Struct("<iiii")  # version_major, version_minor, all_drivers_offset, driver_data_size
_STATE = struct.Struct("<iiiii")  # game_paused, game_in_menus, game_in_replay, game_using_vr, game_player_in_garage
_INT = struct.Struct("<i")
GARAGE_SINCE_MINOR: Final = 5  # game_player_in_garage was a reserved field before 3.5
_STATE_AT: Final = R3EHead.game_paused.offset
_TICKS_AT: Final = R3EHead.player.offset + R3EPlayerData.game_simulation_ticks.offset


class R3ELayoutMismatch(LayoutMismatch, GameUnavailable):
    """The game shares another layout; a GameUnavailable too, so the agent says why and keeps waiting."""


def check_version(head: bytes) -> tuple[int, int]:
    """The (major, minor) the page reports, or an error saying what was expected and what to wait for."""
    major, minor, drivers_at, driver_size = _VERSION.unpack_from(head)
    if major == 0 and minor == 0:
        raise GameUnavailable(
            f"{GAME}: shared memory {SHARED_MEMORY_NAME} is empty; waiting for RaceRoom to fill it (loading or closed)"
        )
    if major != VERSION_MAJOR:
        raise R3ELayoutMismatch(
            f"{GAME}: shared memory layout {major}.{minor}, this agent implements "
            f"{VERSION_MAJOR}.{VERSION_MINOR}; waiting for a RaceRoom that shares {VERSION_MAJOR}.x"
        )
    if drivers_at != ALL_DRIVERS_OFFSET or driver_size != DRIVER_DATA_SIZE:
        # Minor versions only fill reserved fields or append; anything else moved the fields we read.
        raise R3ELayoutMismatch(
            f"{GAME}: shared memory layout {major}.{minor} puts the driver table at byte {drivers_at} "
            f"(entries of {driver_size} bytes); layout {VERSION_MAJOR}.{VERSION_MINOR} has it at "
            f"{ALL_DRIVERS_OFFSET} ({DRIVER_DATA_SIZE} bytes): waiting for a RaceRoom this agent can read"
        )
    return major, minor


class R3EReader(Reader):
    """Reads the player part of the page (everything before the 128-driver table) at every call."""

    game = GAME

    def __init__(self, stall_s: float = STALL_S, presence_every_s: float = PRESENCE_EVERY_S) -> None:
        self.page = SharedPage(GAME, SHARED_MEMORY_NAME, SHARED_SIZE)
        self.stall_s = stall_s
        self.presence_every_s = presence_every_s
        self._ticks = -1
        self._ticks_since = 0.0
        self._presence_at = 0.0

    def open(self) -> None:
        self.page.open()
        try:
            check_version(self.page.read_at(0, _VERSION.size))
        except GameUnavailable:
            self.page.close()
            raise
        self._ticks = -1
        self._ticks_since = time.monotonic()
        self._presence_at = 0.0

    def read(self) -> RawSample:
        page = self.page
        t_mono = time.monotonic()
        if t_mono >= self._presence_at:
            self._presence_at = t_mono + self.presence_every_s
            if not page.still_there():
                raise GameUnavailable(
                    f"{GAME}: shared memory {SHARED_MEMORY_NAME} went away (RaceRoom closed); waiting"
                )
        head = page.read_at(0, HEAD_SIZE)
        ticks = _INT.unpack_from(head, _TICKS_AT)[0]
        # No sequence counter in this page: if the game wrote while we copied, copy once more.
        if page.read_at(_TICKS_AT, 4) != head[_TICKS_AT : _TICKS_AT + 4]:
            head = page.read_at(0, HEAD_SIZE)
            ticks = _INT.unpack_from(head, _TICKS_AT)[0]
        _, minor = check_version(head)
        self._watch_ticks(head, minor, ticks, t_mono)
        return RawSample(t_mono, ((PART, head),))

    def _watch_ticks(self, head: bytes, minor: int, ticks: int, now: float) -> None:
        if ticks != self._ticks:
            self._ticks = ticks
            self._ticks_since = now
            return
        paused, in_menus, in_replay, _, in_garage = _STATE.unpack_from(head, _STATE_AT)
        if paused == 1 or in_menus == 1 or in_replay == 1 or (in_garage == 1 and minor >= GARAGE_SINCE_MINOR):
            # Physics stand still on purpose; keep the clock fresh so resuming is not taken for a stall.
            self._ticks_since = now
            return
        if now - self._ticks_since > self.stall_s:
            raise GameUnavailable(
                f"{GAME}: RaceRoom stopped updating {SHARED_MEMORY_NAME} (simulation ticks stuck at {ticks} "
                f"for {now - self._ticks_since:.0f} s); waiting for the game"
            )

    def close(self) -> None:
        self.page.close()


def page_present() -> bool:
    """Whether RaceRoom's page exists with a version in it (cheap, for ``--game auto``)."""
    page = SharedPage(GAME, SHARED_MEMORY_NAME, SHARED_SIZE)
    try:
        page.open()
    except GameUnavailable:
        return False
    try:
        return page.read_at(0, 4) != b"\0\0\0\0"
    finally:
        page.close()
