"""The FastAPI application: routers, the dashboard's static files, and the lifespan that owns the hub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from simcoach import __version__
from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.store import CoachStore, CoachWriter, MemoryCoachStore, SqliteCoachStore
from simcoach.demo_rig import run_demo_rig
from simcoach.live.hub import Hub
from simcoach.routes import events, laps, reference, status, thresholds
from simcoach.settings import Settings
from simcoach.storage.sqlite import SqliteStore
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackFileError, TrackLibrary
from simcoach.ws import dashboards, ingest


def open_writer(settings: Settings) -> StorageWriter | None:
    """The embedded store behind its batching writer, or None when storage is off."""
    if settings.store == "none":
        return None
    store = SqliteStore(settings.data_dir / "simcoach.db")
    store.open()
    return StorageWriter(store, max_pending=settings.store_max_pending_frames)


def open_coach_store(settings: Settings) -> CoachStore:
    """Laps, references and events: in the embedded SQLite file, or in memory when storage is off."""
    if settings.store == "none":
        return MemoryCoachStore()
    return SqliteCoachStore(settings.data_dir / "simcoach.db")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not settings.frontend_dir.is_dir():
        raise ValueError(f"SIMCOACH_FRONTEND_DIR: {settings.frontend_dir} is not a directory")
    try:
        tracks = TrackLibrary(settings.tracks_dir)
    except TrackFileError as exc:
        raise ValueError(str(exc)) from exc

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        writer = open_writer(settings)
        coach_store = open_coach_store(settings)
        coach_writer = CoachWriter(coach_store)
        app.state.coach = coach = CoachEngine(coach_store, coach_writer, tracks)
        app.state.hub = hub = Hub(settings.dashboard_queue_frames, writer, coach)
        tasks: list[asyncio.Task[None]] = [asyncio.create_task(coach_writer.run())]
        if writer is not None:
            hub.restore(writer.store.last_seqs())
            tasks.append(asyncio.create_task(writer.run()))
        if settings.demo:
            tasks.append(
                asyncio.create_task(
                    run_demo_rig(
                        hub,
                        settings.demo_rig,
                        settings.demo_seed,
                        settings.demo_mistakes,
                        settings.demo_rate_hz,
                        speed=settings.demo_speed,
                    )
                )
            )
        try:
            yield
        finally:
            for task in reversed(tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await coach_writer.flush()
            coach_store.close()
            if writer is not None:
                await writer.flush()
                writer.store.close()

    app = FastAPI(title="simcoach", version=__version__, lifespan=lifespan)
    app.include_router(status.router)
    app.include_router(laps.router)
    app.include_router(reference.router)
    app.include_router(events.router)
    app.include_router(thresholds.router)
    app.include_router(ingest.router)
    app.include_router(dashboards.router)
    # Last, so that the API and WebSocket routes win over file names.
    app.mount("/", StaticFiles(directory=settings.frontend_dir, html=True), name="frontend")
    return app
