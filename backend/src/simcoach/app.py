"""The FastAPI application: routers, the dashboard's static files, and the lifespan that owns the hub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from simcoach import __version__
from simcoach.access import AccessGuard
from simcoach.coaching.engine import CoachEngine
from simcoach.demo_rig import run_demo_rig
from simcoach.history import exporter as history_exporter
from simcoach.live.hub import Hub
from simcoach.report.service import Reports
from simcoach.routes import events, exports, laps, reference, report, sessions, status, thresholds
from simcoach.settings import InfluxSettings, ReportSettings, Settings, StackSecrets, check_production
from simcoach.storage.retention import Retention
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackFileError, TrackLibrary
from simcoach.ws import dashboards, ingest
from simcoach_agent.telemetry.codec import encode_json


def open_store(settings: Settings) -> Store:
    """The embedded store: the SQLite file under SIMCOACH_DATA_DIR, or memory when nothing is to be kept."""
    return Store(None if settings.store == "none" else settings.data_dir / "simcoach.db").open()


async def _expire_sessions(hub: Hub) -> None:
    """End the sessions of rigs that stayed away: checked often enough for a timeout of seconds."""
    interval = min(5.0, max(0.05, hub.sessions.timeout_s / 10))
    while True:
        await asyncio.sleep(interval)
        hub.expire_sessions()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.environment == "production":
        try:
            check_production(settings, InfluxSettings(), StackSecrets())
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc
    if not settings.frontend_dir.is_dir():
        raise ValueError(f"SIMCOACH_FRONTEND_DIR: {settings.frontend_dir} is not a directory")
    try:
        tracks = TrackLibrary(settings.tracks_dir)
    except TrackFileError as exc:
        raise ValueError(str(exc)) from exc
    try:
        report_settings = ReportSettings()
    except ValidationError as exc:
        raise ValueError(str(exc)) from exc

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.store = store = open_store(settings)
        writer = StorageWriter(store, max_pending=settings.store_max_pending_frames)
        app.state.coach = coach = CoachEngine(store, writer, tracks)
        app.state.hub = hub = Hub(
            settings.dashboard_queue_frames,
            writer,
            coach,
            session_timeout_s=settings.session_timeout_s,
            store_frames=settings.store != "none",
        )
        hub.restore(store.last_seqs(), store.open_sessions())

        def report_ready(session_id: str, rig: str) -> None:
            # Relative to the page, so the link works at / and behind a path prefix (nginx's /ai-sim-coach/).
            url = f"api/sessions/{session_id}/report"
            hub.publish_event(rig, encode_json({"type": "report", "rig": rig, "session_id": session_id, "url": url}))

        app.state.reports = reports = Reports(
            store,
            writer,
            tracks,
            report_settings,
            on_session_end=settings.report_on_session_end,
            announce=report_ready,
        )
        hub.sessions.on_ended = reports.session_ended
        writing = asyncio.create_task(writer.run())
        tasks: list[asyncio.Task[None]] = [asyncio.create_task(_expire_sessions(hub))]
        app.state.retention = None
        if settings.store != "none" and settings.retention_days is not None:
            app.state.retention = retention = Retention(store, settings.retention_days)
            tasks.append(asyncio.create_task(retention.run()))
        # InfluxDB, a copy of the store: its own task, whatever InfluxDB does never reaches the live path.
        exporter, export_status = history_exporter.from_settings(store, writer.add, settings.export_batch_frames)
        app.state.exporter, app.state.export_status = exporter, export_status
        if exporter is not None:
            tasks.append(asyncio.create_task(exporter.run()))
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
            if exporter is not None:
                await asyncio.to_thread(exporter.target.close)
            await reports.stop()
            # Last, and not cancelled: what the tasks above queued is stored before the file closes.
            writer.stop()
            await writing
            store.close()

    app = FastAPI(title="simcoach", version=__version__, lifespan=lifespan)
    app.include_router(status.router)
    app.include_router(laps.router)
    app.include_router(reference.router)
    app.include_router(events.router)
    app.include_router(sessions.router)
    app.include_router(report.router)
    app.include_router(exports.router)
    app.include_router(thresholds.router)
    app.include_router(ingest.router)
    app.include_router(dashboards.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "PUT"],
            allow_headers=["Authorization", "Content-Type"],
        )
    # Outermost, so that nothing answers a request the token does not allow (CORS preflights pass).
    app.add_middleware(AccessGuard, settings=settings)
    # Last, so that the API and WebSocket routes win over file names.
    app.mount("/", StaticFiles(directory=settings.frontend_dir, html=True), name="frontend")
    return app
