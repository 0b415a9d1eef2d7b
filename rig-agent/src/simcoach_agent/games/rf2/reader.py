"""Consistent copies of the rF2 plugin's pages and of LMU's ``LMU_Data``, without the parts nobody uses.

A plugin page is copied only while its version block says no write is under
way: begin == end before the copy and unchanged after it, tried a few times and
otherwise the sample is skipped. Only the active prefix of the vehicle arrays is
copied (the counts are part of the pages' sizes), which keeps a read in the
microseconds instead of copying 320 KB.

``LMU_Data`` has no version block: the game writes it under a lock kept in the
``LMU_SharedMemoryLockData`` mapping. Taking that lock needs an atomic
compare-and-swap Python cannot do on a mapping, so the reader copies only while
the lock is free before and after (when the lock page exists), which narrows
but does not close the window for a torn copy; the mapper checks what it reads.

On Windows our own handle keeps a mapping alive after the game exits, so a game
that stopped writing for ``stale_after_s`` counts as gone: the reader raises
GameUnavailable and the sampler opens afresh, which fails if the game is closed.
"""

from __future__ import annotations

import ctypes
import struct
import time
from typing import Final

from simcoach_agent.games.base import GameUnavailable, LayoutMismatch, RawSample, Reader
from simcoach_agent.games.rf2 import layout as rf2
from simcoach_agent.games.rf2 import layout_lmu as lmu
from simcoach_agent.games.shm import SharedPage

TRIES: Final = 4
STALE_AFTER_S: Final = 30.0
LOOK_EVERY_S: Final = 0.25
"""How often to check that the game's pages still exist: a file-system look per read would cost more than the read."""
SUPPORTED_PLUGIN_MAJOR: Final = b"3."
LMU_PLAYER_PART: Final = "LMU_Data:player"
"""Part holding SharedMemoryTelemtryData's 4-byte head followed by the player's TelemInfoV01."""

_I32 = struct.Struct("<i")
_VERSION_FIELD: Final = slice(
    rf2.EXTENDED_OFFSET + rf2.Extended.mVersion.offset,
    rf2.EXTENDED_OFFSET + rf2.Extended.mVersion.offset + rf2.Extended.mVersion.size,
)
_IS64_AT: Final = rf2.EXTENDED_OFFSET + rf2.Extended.is64bit.offset


class PluginVersionMismatch(GameUnavailable, LayoutMismatch):
    """The plugin writes a layout this adapter does not read; waited for like an absent game."""


def _count(data: bytes, offset: int, most: int) -> int:
    n: int = _I32.unpack_from(data, offset)[0]
    return n if 0 <= n <= most else 0


class PluginReader(Reader):
    """The rF2 Shared Memory Map Plugin's telemetry, scoring and extended pages (rF2, and LMU with the plugin)."""

    def __init__(self, game: str = "rf2", stale_after_s: float = STALE_AFTER_S) -> None:
        self.game = game
        self.stale_after_s = stale_after_s
        self.telemetry = SharedPage(game, rf2.TELEMETRY_PAGE, ctypes.sizeof(rf2.TelemetryPage))
        self.scoring = SharedPage(game, rf2.SCORING_PAGE, ctypes.sizeof(rf2.ScoringPage))
        self.extended = SharedPage(game, rf2.EXTENDED_PAGE, ctypes.sizeof(rf2.ExtendedPage))
        self._pages = (self.telemetry, self.scoring, self.extended)
        self._checked_version = b""
        self._counters = b""
        self._changed_at = 0.0
        self._looked_at = 0.0

    def open(self) -> None:
        opened: list[SharedPage] = []
        try:
            for page in self._pages:
                page.open()
                opened.append(page)
            self._check_version(self.extended.read_at(0, _IS64_AT + 1))
        except GameUnavailable:
            for page in opened:
                page.close()
            raise
        self._counters = b""
        self._changed_at = time.monotonic()
        self._looked_at = 0.0

    def read(self) -> RawSample | None:
        now = time.monotonic()
        if now - self._looked_at > LOOK_EVERY_S:
            self._looked_at = now
            for page in self._pages:
                if not page.still_there():
                    raise GameUnavailable(f"{self.game}: shared memory {page.name!r} went away (game closed); waiting")
        telemetry = self._copy_vehicles(
            self.telemetry, rf2.TELEMETRY_NUM_OFFSET, rf2.VEHICLE_TELEMETRY_SIZE, rf2.TELEMETRY_VEHICLES_OFFSET
        )
        scoring = self._copy_vehicles(
            self.scoring, rf2.SCORING_NUM_OFFSET, rf2.VEHICLE_SCORING_SIZE, rf2.SCORING_VEHICLES_OFFSET
        )
        extended = self._copy_whole(self.extended, ctypes.sizeof(rf2.ExtendedPage))
        if telemetry is None or scoring is None or extended is None:
            self._check_stale(now)
            return None
        if extended[_VERSION_FIELD] != self._checked_version:
            self._check_version(extended)
        counters = telemetry[0:4] + scoring[0:4]
        if counters != self._counters:
            self._counters = counters
            self._changed_at = now
        else:
            self._check_stale(now)
        return RawSample(
            now, ((rf2.TELEMETRY_PAGE, telemetry), (rf2.SCORING_PAGE, scoring), (rf2.EXTENDED_PAGE, extended))
        )

    def close(self) -> None:
        for page in self._pages:
            page.close()

    def _copy_vehicles(self, page: SharedPage, count_at: int, per: int, vehicles_at: int) -> bytes | None:
        for _ in range(TRIES):
            head = page.read_at(0, count_at + 4)
            if head[0:4] != head[4:8]:
                continue
            data = page.read_at(0, vehicles_at + _count(head, count_at, rf2.MAX_MAPPED_VEHICLES) * per)
            if data[0:8] == head[0:8] and page.read_at(0, 8) == head[0:8]:
                return data
        return None

    def _copy_whole(self, page: SharedPage, size: int) -> bytes | None:
        for _ in range(TRIES):
            data = page.read_at(0, size)
            if data[0:4] == data[4:8] and page.read_at(0, 8) == data[0:8]:
                return data
        return None

    def _check_version(self, extended: bytes) -> None:
        version = extended[_VERSION_FIELD].split(b"\0", 1)[0]
        if version and not (version.startswith(SUPPORTED_PLUGIN_MAJOR) and extended[_IS64_AT]):
            shown = version.decode("ascii", "replace")
            bits = "64" if extended[_IS64_AT] else "32"
            raise PluginVersionMismatch(
                f"{self.game}: the rF2 shared memory plugin is version {shown} ({bits}-bit); this adapter reads "
                "the 64-bit 3.x layout: waiting for a supported plugin"
            )
        self._checked_version = extended[_VERSION_FIELD]

    def _check_stale(self, now: float) -> None:
        if now - self._changed_at > self.stale_after_s:
            raise GameUnavailable(
                f"{self.game}: shared memory has not changed for {self.stale_after_s:.0f} s (game closed or "
                "idle); waiting for the game"
            )


class LmuDataReader(Reader):
    """LMU's built-in ``LMU_Data`` page: the scoring prefix and the player's telemetry."""

    def __init__(self, game: str = "lmu", stale_after_s: float = STALE_AFTER_S) -> None:
        self.game = game
        self.stale_after_s = stale_after_s
        self.page = SharedPage(game, lmu.LMU_DATA_PAGE, ctypes.sizeof(lmu.SharedMemoryLayout))
        self.lock = SharedPage(game, lmu.LMU_LOCK_PAGE, ctypes.sizeof(lmu.LockData))
        self._has_lock = False
        self._clock = b""
        self._changed_at = 0.0
        self._looked_at = 0.0

    def open(self) -> None:
        self.page.open()
        try:
            self.lock.open()
            self._has_lock = True
        except GameUnavailable:
            self._has_lock = False
        self._clock = b""
        self._changed_at = time.monotonic()
        self._looked_at = 0.0

    def read(self) -> RawSample | None:
        page = self.page
        now = time.monotonic()
        if now - self._looked_at > LOOK_EVERY_S:
            self._looked_at = now
            if not page.still_there():
                raise GameUnavailable(f"{self.game}: shared memory {page.name!r} went away (game closed); waiting")
        for _ in range(TRIES):
            if self._busy():
                continue
            head = page.read_at(0, lmu.SCORING_VEHICLES_OFFSET)
            n = _count(head, lmu.SCORING_NUM_OFFSET, lmu.MAX_VEHICLES)
            scoring = head + page.read_at(lmu.SCORING_VEHICLES_OFFSET, n * lmu.VEHICLE_SCORING_SIZE)
            tel_head = page.read_at(lmu.TELEMETRY_HEAD_OFFSET, lmu.TELEMETRY_HEAD_SIZE)
            index = tel_head[1] if tel_head[1] < lmu.MAX_VEHICLES else 0
            slot_at = lmu.TELEMETRY_VEHICLES_OFFSET + index * lmu.VEHICLE_TELEMETRY_SIZE
            player = tel_head + page.read_at(slot_at, lmu.VEHICLE_TELEMETRY_SIZE)
            if self._busy():
                continue
            self._note_change(scoring, player, now)
            return RawSample(now, ((lmu.LMU_DATA_PAGE, scoring), (LMU_PLAYER_PART, player)))
        self._check_stale(now)
        return None

    def close(self) -> None:
        self.page.close()
        self.lock.close()
        self._has_lock = False

    def _busy(self) -> bool:
        return self._has_lock and _I32.unpack_from(self.lock.read_at(lmu.LockData.busy.offset, 4))[0] != 0

    def _note_change(self, scoring: bytes, player: bytes, now: float) -> None:
        et = lmu.SCORING_INFO_OFFSET + lmu.ScoringInfoV01.mCurrentET.offset
        elapsed = lmu.TELEMETRY_HEAD_SIZE + lmu.TelemInfoV01.mElapsedTime.offset
        clock = scoring[et : et + 8] + player[elapsed : elapsed + 8]
        if clock != self._clock:
            self._clock = clock
            self._changed_at = now
        else:
            self._check_stale(now)

    def _check_stale(self, now: float) -> None:
        if now - self._changed_at > self.stale_after_s:
            raise GameUnavailable(
                f"{self.game}: LMU_Data has not changed for {self.stale_after_s:.0f} s (game closed or idle); "
                "waiting for the game"
            )


class LmuReader(Reader):
    """Le Mans Ultimate: its own ``LMU_Data`` page when the game has it, else the rF2 plugin's pages."""

    def __init__(self, game: str = "lmu", stale_after_s: float = STALE_AFTER_S) -> None:
        self.game = game
        self.native = LmuDataReader(game, stale_after_s)
        self.plugin = PluginReader(game, stale_after_s)
        self.active: Reader | None = None

    def open(self) -> None:
        try:
            self.native.open()
            self.active = self.native
            return
        except GameUnavailable as exc:
            native_reason = str(exc)
        try:
            self.plugin.open()
        except PluginVersionMismatch:
            raise
        except GameUnavailable:
            raise GameUnavailable(
                f"{native_reason.removesuffix(' (is the game running?)')}, or for the rF2 plugin's "
                f"{rf2.TELEMETRY_PAGE!r} (is the game running?)"
            ) from None
        self.active = self.plugin

    def read(self) -> RawSample | None:
        if self.active is None:
            raise GameUnavailable(f"{self.game}: shared memory is not open")
        return self.active.read()

    def close(self) -> None:
        if self.active is not None:
            self.active.close()
            self.active = None
