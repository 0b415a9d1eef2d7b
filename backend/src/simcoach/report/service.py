"""Reports in a running backend: made on request or when a session ends, kept in the store, announced once ready.

One report is made at a time per session (a second request waits for the
first and gets its result). Making one runs in a thread: the analysis reads
the store and the model, when asked, waits on the network, and neither may
hold up the live path. Whatever the model does, a report is made and stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from simcoach.report.document import make_report, stored
from simcoach.settings import ReportSettings
from simcoach.storage.records import ReportRow
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackLibrary

log = logging.getLogger(__name__)

# Told (session id, rig) when a session's report is stored.
Announce = Callable[[str, str], None]


class Reports:
    def __init__(
        self,
        store: Store,
        writer: StorageWriter,
        tracks: TrackLibrary,
        settings: ReportSettings,
        *,
        on_session_end: bool = False,
        announce: Announce | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.tracks = tracks
        self.settings = settings
        self.on_session_end = on_session_end
        self.announce = announce
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.made = 0
        self.failed = 0

    async def get(self, session_id: str, *, rebuild: bool = False) -> ReportRow | None:
        """The session's stored report, made first when there is none (or ``rebuild``); None: no such session."""
        lock = self._locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            if not rebuild:
                found = await asyncio.to_thread(self.store.report, session_id)
                if found is not None:
                    return found
            return await self._make(session_id)

    async def _make(self, session_id: str) -> ReportRow | None:
        await self.writer.flush()  # the session's last laps and events are in the store first
        report = await asyncio.to_thread(make_report, self.store, session_id, self.tracks, self.settings)
        if report is None:
            return None
        row = await asyncio.to_thread(stored, report)
        self.writer.add(row)
        await self.writer.flush()
        self.made += 1
        log.info(
            "report of session %s made in %.2f s (model: %s)", session_id, report.seconds, report.model.outcome.status
        )
        return row

    def session_ended(self, session_id: str, rig: str) -> None:
        """The hub's hook: make the report of a session that just ended, when SIMCOACH_REPORT_ON_SESSION_END."""
        if not self.on_session_end:
            return
        task = asyncio.get_running_loop().create_task(self._after_end(session_id, rig))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after_end(self, session_id: str, rig: str) -> None:
        try:
            row = await self.get(session_id, rebuild=True)
        except Exception:  # a report must never take the backend down with it
            self.failed += 1
            log.exception("the report of session %s could not be made", session_id)
            return
        if row is not None and self.announce is not None:
            self.announce(session_id, rig)

    async def stop(self) -> None:
        """Let reports being made finish (each is bounded by the model's timeout and retries)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def describe(self) -> dict[str, object]:
        return {
            "on_session_end": self.on_session_end,
            "model": self.settings.model if self.settings.can_ask() else None,
            "server": self.settings.base_url,
            "made": self.made,
            "failed": self.failed,
            "in_progress": len(self._tasks),
        }
