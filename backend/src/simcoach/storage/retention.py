"""Retention: raw frames older than SIMCOACH_RETENTION_DAYS leave the store; laps, traces, events and sessions stay."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final

from simcoach.storage.store import Store

log = logging.getLogger(__name__)

# How often old frames are looked for: days of retention need no finer grain.
INTERVAL_S: Final = 3600.0
DAY_S: Final = 86_400.0


class Retention:
    def __init__(self, store: Store, days: float, interval_s: float = INTERVAL_S) -> None:
        self.store = store
        self.days = days
        self.interval_s = interval_s
        self.last_run: float | None = None
        self.deleted = 0
        self.last_error: str | None = None

    def once(self, now: float | None = None) -> int:
        """One pass (blocking: call it from a worker thread); the frames it deleted."""
        cutoff = (time.time() if now is None else now) - self.days * DAY_S
        deleted = self.store.delete_frames_before(cutoff)
        self.last_run = time.time()
        self.deleted += deleted
        if deleted:
            log.info("retention: %d frames older than %.1f days deleted", deleted, self.days)
        return deleted

    async def run(self) -> None:
        """A pass at start and every ``interval_s``; a failed pass is logged and tried again next time."""
        while True:
            try:
                await asyncio.to_thread(self.once)
                self.last_error = None
            except Exception as exc:  # a failing pass must not stop the backend; the next one retries
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("retention pass failed: %s", self.last_error)
            await asyncio.sleep(self.interval_s)

    def describe(self) -> dict[str, object]:
        return {
            "days": self.days,
            "last_run": self.last_run,
            "frames_deleted": self.deleted,
            "last_error": self.last_error,
        }
